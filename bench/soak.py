"""A soak: mixed v1 and v2 traffic plus open watches through the shipped gunicorn, for minutes.

Run by hand (never part of the test suite):

    .venv/bin/python bench/soak.py [--minutes 3] [--clients 4] [--watches 200] [--workers 2]

It starts the embedded API and a real ``kuberay-bridge serve`` (gunicorn, gevent, the shipped
settings) on loopback, opens ``--watches`` RayCluster watches (raw sockets read through one
selector, as the e2e tests do), and runs ``--clients`` threads, each repeating one round:
v2 create / get / list / delete of a RayCluster, v1 create / get / list / delete of a cluster
on a compute template, and a v1 compute template list. Every 10 s it samples the workers'
summed RSS and open descriptors. At the end it reports the calls made, the errors (any
answer but the expected status, any exception), p50/p99 latency, the watches still open and
how many saw events, the RSS slope (least squares, MB per minute, after the first sample)
and the descriptor counts. Budget: zero errors, every watch still open, a flat RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time

import requests
from servers import bridge as bridge_on
from servers import embedded_api, raycluster

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tests.support.bridge_process import RawWatches, raise_open_files_limit  # noqa: E402
from tests.support.factories import cluster_body, template_body  # noqa: E402

NS = "default"
RAY = f"/apis/ray.io/v1/namespaces/{NS}/rayclusters"
V1 = f"/apis/v1/namespaces/{NS}"


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.errors: list[str] = []

    def call(self, session: requests.Session, method: str, url: str, expected: int, **kwargs) -> None:
        started = time.perf_counter()
        try:
            status = session.request(method, url, timeout=30, **kwargs).status_code
            problem = None if status == expected else f"{method} {url}: {status}"
        except requests.RequestException as error:
            problem = f"{method} {url}: {error}"
        with self.lock:
            self.latencies.append(time.perf_counter() - started)
            if problem:
                self.errors.append(problem)


def client(bridge: str, number: int, until: float, tally: Tally) -> None:
    with requests.Session() as session:
        round_ = 0
        while time.monotonic() < until:
            round_ += 1
            v2_name, v1_name = f"soak-{number}-{round_}", f"soak-v1-{number}-{round_}"
            tally.call(session, "POST", bridge + RAY, 201, json=raycluster(v2_name))
            tally.call(session, "GET", f"{bridge}{RAY}/{v2_name}", 200)
            tally.call(
                session, "GET", bridge + RAY, 200, params={"labelSelector": "bench=yes", "limit": "20"}
            )
            tally.call(session, "DELETE", f"{bridge}{RAY}/{v2_name}", 200)
            tally.call(session, "POST", f"{bridge}{V1}/clusters", 200, json=cluster_body(NS, v1_name, "soak"))
            tally.call(session, "GET", f"{bridge}{V1}/clusters/{v1_name}", 200)
            tally.call(session, "GET", f"{bridge}{V1}/clusters", 200, params={"limit": "20"})
            tally.call(session, "DELETE", f"{bridge}{V1}/clusters/{v1_name}", 200)
            tally.call(session, "GET", f"{bridge}{V1}/compute_templates", 200)


def workers_of(bridge_pid: int) -> list[int]:
    with open(f"/proc/{bridge_pid}/task/{bridge_pid}/children") as handle:
        return [int(pid) for pid in handle.read().split()]


def sample(pids: list[int]) -> tuple[float, int]:
    """Summed RSS in MB and open descriptors of ``pids``."""
    rss_kb, fds = 0, 0
    for pid in pids:
        with open(f"/proc/{pid}/status") as status:
            rss_kb += next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
        fds += len(os.listdir(f"/proc/{pid}/fd"))
    return rss_kb / 1024, fds


def slope_per_minute(points: list[tuple[float, float]]) -> float:
    if len(points) < 2:
        return 0.0
    xs, ys = [p[0] / 60 for p in points], [p[1] for p in points]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread if spread else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--watches", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    raise_open_files_limit()
    with (
        embedded_api() as upstream,
        bridge_on(upstream, "--workers", str(args.workers), "--log-level", "warning") as (bridge, served),
    ):
        requests.post(
            f"{bridge}{V1}/compute_templates", json=template_body(NS, "soak"), timeout=30
        ).raise_for_status()
        pids = [pid for pid in workers_of(served.pid)]
        port = int(bridge.rsplit(":", 1)[1])
        watches = RawWatches(port, RAY, args.watches)
        tally = Tally()
        started = time.monotonic()
        until = started + args.minutes * 60
        threads = [
            threading.Thread(target=client, args=(bridge, n, until, tally), daemon=True)
            for n in range(args.clients)
        ]
        for thread in threads:
            thread.start()
        samples: list[tuple[float, float, int]] = []
        while time.monotonic() < until:
            watches.read_until(lambda: False, min(10.0, max(0.1, until - time.monotonic())))
            rss, fds = sample(pids)
            samples.append((time.monotonic() - started, rss, fds))
            print(
                f"{samples[-1][0]:6.0f}s  rss {rss:7.1f} MB  fds {fds:5d}  calls {len(tally.latencies)}",
                flush=True,
            )
        for thread in threads:
            thread.join(60)
        watches.read_until(lambda: False, 1.0)
        latencies = sorted(tally.latencies)
        open_watches = args.watches - len(watches.ended)
        report = {
            "minutes": args.minutes,
            "calls": len(latencies),
            "errors": len(tally.errors),
            "first_errors": tally.errors[:5],
            "p50_ms": round(latencies[len(latencies) // 2] * 1000, 1) if latencies else None,
            "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 1) if latencies else None,
            "watches_open": open_watches,
            "watches_with_events": watches.count(b'"ADDED"'),
            "rss_mb_first_last": [round(samples[0][1], 1), round(samples[-1][1], 1)],
            "rss_slope_mb_per_minute": round(slope_per_minute([(t, r) for t, r, _ in samples[1:]]), 2),
            "fds_first_last_max": [samples[0][2], samples[-1][2], max(f for _, _, f in samples)],
        }
        watches.close()
        print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
