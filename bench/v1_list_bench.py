"""What a v1 cluster LIST costs next to the v2 LIST of the same RayClusters.

Run by hand (never part of the test suite):

    .venv/bin/python bench/v1_list_bench.py [--clusters 1000] [--rounds 7] [--events-every 10]

It starts the embedded API and a real ``kuberay-bridge serve`` (gunicorn, gevent) on
loopback, creates ``--clusters`` RayClusters labelled as v1-managed through the bridge (v2),
plus one Ray event for every ``--events-every``-th cluster directly upstream, then times
``GET /apis/v1/namespaces/NS/clusters`` (v1: clusters with their events) and the v2 LIST
that returns the same objects (``labelSelector=app.kubernetes.io/managed-by=...``), each
the median of ``--rounds`` rounds after one warm-up. Budget: v1 within 1.5x of v2.
Everything stays on 127.0.0.1 and every loop is bounded.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import requests
from proxy_bench import bridge_on_embedded, raycluster

NAMESPACE = "bench-v1"
MANAGED_BY = "app.kubernetes.io/managed-by=kuberay-apiserver"
V2_LIST = f"/apis/ray.io/v1/namespaces/{NAMESPACE}/rayclusters"
V1_LIST = f"/apis/v1/namespaces/{NAMESPACE}/clusters"
EVENTS = f"/apis/events.k8s.io/v1/namespaces/{NAMESPACE}/events"
BUDGET = 1.5


def managed_cluster(name: str) -> dict:
    cluster = raycluster(name)
    cluster["metadata"]["labels"]["app.kubernetes.io/managed-by"] = "kuberay-apiserver"
    return cluster


def ray_event(cluster: str) -> dict:
    return {
        "apiVersion": "events.k8s.io/v1",
        "kind": "Event",
        "metadata": {"name": f"{cluster}.1"},
        "eventTime": "2026-01-02T03:04:05.000000Z",
        "reportingController": "ray-operator",
        "reportingInstance": "bench",
        "action": "Create",
        "reason": "CreatedService",
        "note": f"created the head service of {cluster}",
        "type": "Normal",
        "regarding": {
            "apiVersion": "ray.io/v1",
            "kind": "RayCluster",
            "name": cluster,
            "namespace": NAMESPACE,
        },
    }


def populate(bridge: str, upstream: str, clusters: int, events_every: int) -> None:
    def create(index: int) -> None:
        with requests.Session() as session:
            name = f"bench-{index:05d}"
            session.post(bridge + V2_LIST, json=managed_cluster(name), timeout=30).raise_for_status()
            if events_every and index % events_every == 0:
                session.post(upstream + EVENTS, json=ray_event(name), timeout=30).raise_for_status()

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(create, range(clusters)))


def median_seconds(
    session: requests.Session, url: str, params: dict, rounds: int, expected: int, key: str
) -> float:
    samples = []
    for round_number in range(rounds + 1):  # the first round only warms up
        began = time.perf_counter()
        response = session.get(url, params=params, timeout=120)
        body = response.json()
        elapsed = time.perf_counter() - began
        assert response.status_code == 200, response.text[:500]
        assert len(body[key]) == expected, (key, len(body[key]))
        if round_number:
            samples.append(elapsed)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clusters", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--events-every", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    options = parser.parse_args()

    with bridge_on_embedded(options.workers, "gevent", "--namespace", NAMESPACE) as (upstream, bridge, _):
        populate(bridge, upstream, options.clusters, options.events_every)
        with requests.Session() as session:
            v2 = median_seconds(
                session,
                bridge + V2_LIST,
                {"labelSelector": MANAGED_BY},
                options.rounds,
                options.clusters,
                "items",
            )
            v1 = median_seconds(session, bridge + V1_LIST, {}, options.rounds, options.clusters, "clusters")
        ratio = v1 / v2
        print(
            json.dumps(
                {
                    "clusters": options.clusters,
                    "rounds": options.rounds,
                    "events": len(range(0, options.clusters, options.events_every))
                    if options.events_every
                    else 0,
                    "v2_list_median_s": round(v2, 3),
                    "v1_list_median_s": round(v1, 3),
                    "v1_over_v2": round(ratio, 2),
                    "within_budget": ratio <= BUDGET,
                    "budget": BUDGET,
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
