"""What a v1 cluster list asks upstream for events: one call per namespace on the page, however
many clusters it holds, and still exactly the events each cluster's own GET shows.

A real ``kuberay-bridge serve`` (gunicorn) is pointed at a recording upstream that forwards
every call to an embedded API of this module's own and remembers it; ``requests`` is the
client. A list of N clusters used to make N events calls.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from werkzeug.wrappers import Response

from bridge.embedded import start
from tests.support.factories import raycluster
from tests.support.fake_upstream import Call, FakeUpstream, running_fake_upstream

MANAGED = {"app.kubernetes.io/managed-by": "kuberay-apiserver"}
# In list-all order: BUSY's 20 clusters, QUIET's 2, then GROW's (the first test's own).
BUSY, QUIET, GROW = "v1ev-busy", "v1ev-quiet", "v1ev-x-grow"


def forwarding_to(url: str):
    """A FakeUpstream script: pass each call on to ``url`` and answer what it answered."""

    def script(call: Call, number: int) -> Response:
        headers = {k: v for k, v in call.headers.items() if k.lower() in ("accept", "content-type")}
        answer = requests.request(
            call.method, url + call.raw_uri, data=call.body, headers=headers, timeout=30
        )
        return Response(
            answer.content,
            status=answer.status_code,
            content_type=answer.headers.get("Content-Type", "application/json"),
        )

    return script


@pytest.fixture(scope="module")
def kube(crd_dir) -> Iterator[str]:
    with start(crd_dir=str(crd_dir), namespaces=[BUSY, QUIET, GROW]) as server:
        add_clusters(server.url, BUSY, 0, 20)
        add_event(server.url, BUSY, "c001", "c001.b")
        add_event(server.url, BUSY, "c001", "c001.a")
        add_event(server.url, BUSY, "c007", "c007.a")
        add_event(server.url, BUSY, "c007", "c007.job", kind="RayJob")  # a per-name call sees it too
        add_event(server.url, BUSY, "gone", "gone.a")  # about no listed cluster
        add_clusters(server.url, QUIET, 0, 2)
        add_event(server.url, QUIET, "c001", "quiet.c001")
        yield server.url


@pytest.fixture(scope="module")
def recorder(kube: str) -> Iterator[FakeUpstream]:
    with running_fake_upstream() as upstream:
        upstream.reset(forwarding_to(kube))
        yield upstream


@pytest.fixture(scope="module")
def bridge(start_bridge, recorder: FakeUpstream):
    return start_bridge("--upstream", recorder.url, "--workers", "1")


def add_clusters(kube: str, namespace: str, first: int, count: int) -> None:
    for index in range(first, first + count):
        body = raycluster(f"c{index:03d}", labels=MANAGED)
        created = requests.post(
            f"{kube}/apis/ray.io/v1/namespaces/{namespace}/rayclusters", json=body, timeout=30
        )
        assert created.status_code == 201, created.text


def add_event(kube: str, namespace: str, about: str, name: str, kind: str = "RayCluster") -> None:
    event = {
        "apiVersion": "events.k8s.io/v1",
        "kind": "Event",
        "metadata": {"name": name},
        "eventTime": "2026-01-02T03:04:05.000000Z",
        "reportingController": "ray-operator",
        "reportingInstance": "op-1",
        "action": "Create",
        "reason": "CreatedService",
        "note": f"{name} about {about}",
        "type": "Normal",
        "regarding": {"apiVersion": "ray.io/v1", "kind": kind, "name": about, "namespace": namespace},
    }
    created = requests.post(
        f"{kube}/apis/events.k8s.io/v1/namespaces/{namespace}/events", json=event, timeout=30
    )
    assert created.status_code == 201, created.text


def v1_list(bridge, recorder: FakeUpstream, path: str, **params: str) -> tuple[dict, list[str]]:
    """The v1 answer, and the namespaces of the upstream events calls it made, in order."""
    recorder.calls.clear()
    answer = requests.get(bridge.url + path, params=params, timeout=60)
    assert answer.status_code == 200, answer.text
    events_calls = [call.path for call in list(recorder.calls) if call.path.endswith("/events")]
    return answer.json(), [path.split("/")[-2] for path in events_calls]


def test_a_namespace_list_makes_one_events_call_however_many_clusters(kube, recorder, bridge):
    add_clusters(kube, GROW, 0, 2)
    _, few = v1_list(bridge, recorder, f"/apis/v1/namespaces/{GROW}/clusters")
    add_clusters(kube, GROW, 2, 18)
    listed, many = v1_list(bridge, recorder, f"/apis/v1/namespaces/{GROW}/clusters")
    assert len(listed["clusters"]) == 20
    assert few == many == [GROW]


def test_each_listed_cluster_has_exactly_the_events_of_its_own_get(kube, recorder, bridge):
    listed, calls = v1_list(bridge, recorder, f"/apis/v1/namespaces/{BUSY}/clusters")
    assert calls == [BUSY]
    events = {cluster["name"]: [e["id"] for e in cluster.get("events", [])] for cluster in listed["clusters"]}
    assert events["c001"] == ["c001.a", "c001.b"]
    assert events["c007"] == ["c007.a", "c007.job"]
    assert sum(map(len, events.values())) == 4
    for cluster in listed["clusters"]:
        own = requests.get(f"{bridge.url}/apis/v1/namespaces/{BUSY}/clusters/{cluster['name']}", timeout=30)
        assert own.json() == cluster


def test_the_all_namespaces_list_makes_one_events_call_per_namespace(kube, recorder, bridge):
    listed, calls = v1_list(bridge, recorder, "/apis/v1/clusters")
    namespaces = sorted({cluster["namespace"] for cluster in listed["clusters"]})
    assert sorted(calls) == namespaces and {BUSY, QUIET} <= set(namespaces)
    by_key = {(c["namespace"], c["name"]): [e["id"] for e in c.get("events", [])] for c in listed["clusters"]}
    assert by_key[(QUIET, "c001")] == ["quiet.c001"]  # not the events of BUSY's c001
    assert by_key[(BUSY, "c001")] == ["c001.a", "c001.b"]


def test_a_page_reads_only_the_events_of_its_own_namespaces(kube, recorder, bridge):
    first, calls = v1_list(bridge, recorder, "/apis/v1/clusters", limit="5")
    assert {c["namespace"] for c in first["clusters"]} == {BUSY}
    assert calls == [BUSY]
    second, calls = v1_list(
        bridge, recorder, "/apis/v1/clusters", limit="17", **{"continue": first["continue"]}
    )
    assert [c["namespace"] for c in second["clusters"]] == [BUSY] * 15 + [QUIET] * 2
    assert sorted(calls) == [BUSY, QUIET]
