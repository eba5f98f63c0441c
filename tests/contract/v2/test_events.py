"""The Ray events route: the field-selector rewrite (unit) and the route through the bridge
against the embedded API (contract)."""

from __future__ import annotations

import itertools
import json

import pytest
import requests

from v2proxy.events import (
    RAY_EVENTS_SELECTOR,
    ray_event_only,
    ray_events_only,
    ray_field_selector,
    ray_selector,
)
from v2proxy.messages import ProxyRequest, ProxyResponse, status_response

RAY = RAY_EVENTS_SELECTOR


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ([], [("fieldSelector", RAY)]),
        (
            [("fieldSelector", "regarding.name=x")],
            [("fieldSelector", f"{RAY},regarding.name=x")],
        ),
        (
            [
                ("limit", "5"),
                ("fieldSelector", "regarding.name=x"),
                ("watch", "true"),
                ("fieldSelector", "type=Warning"),
            ],
            [("limit", "5"), ("fieldSelector", f"{RAY},regarding.name=x,type=Warning"), ("watch", "true")],
        ),
        (
            [("labelSelector", "a=b"), ("resourceVersion", "7"), ("continue", "tok"), ("watch", "1")],
            [
                ("labelSelector", "a=b"),
                ("resourceVersion", "7"),
                ("continue", "tok"),
                ("watch", "1"),
                ("fieldSelector", RAY),
            ],
        ),
        ([("fieldSelector", "")], [("fieldSelector", RAY)]),
        (
            [("fieldSelector", "regarding.apiVersion=v1")],
            [("fieldSelector", f"{RAY},regarding.apiVersion=v1")],
        ),
    ],
    ids=["none", "one", "several-in-order", "others-kept", "empty", "cannot-widen"],
)
def test_ray_field_selector(query, expected):
    assert ray_field_selector(query) == expected


def test_trailing_backslash_cannot_swallow_the_ray_term():
    selector = dict(ray_field_selector([("fieldSelector", "regarding.kind!=x\\")]))["fieldSelector"]
    assert selector.startswith(RAY + ",")


def test_middleware_rewrites_the_query_and_goes_on():
    seen: list[ProxyRequest] = []

    def upstream(request: ProxyRequest) -> ProxyResponse:
        seen.append(request)
        return ProxyResponse.from_json(200, {"kind": "EventList", "items": []})

    request = ProxyRequest("GET", "/apis/events.k8s.io/v1/namespaces/ns/events", query=[("watch", "true")])
    response = ray_events_only(request, upstream)
    assert response.status == 200
    assert seen[0].query == [("watch", "true"), ("fieldSelector", RAY)]
    assert seen[0].url_path.endswith("?watch=true&fieldSelector=regarding.apiVersion%3Dray.io%2Fv1")


def test_core_events_are_narrowed_by_involved_object():
    seen: list[ProxyRequest] = []

    def upstream(request: ProxyRequest) -> ProxyResponse:
        seen.append(request)
        return ProxyResponse.from_json(200, {"kind": "EventList", "items": []})

    for path in ("/api/v1/namespaces/ns/events", "/api/v1/events"):
        request = ProxyRequest("GET", path, query=[("fieldSelector", "involvedObject.kind=Pod")])
        ray_events_only(request, upstream)
    assert ray_selector("v1") == "involvedObject.apiVersion=ray.io/v1"
    assert [request.query for request in seen] == [
        [("fieldSelector", "involvedObject.apiVersion=ray.io/v1,involvedObject.kind=Pod")]
    ] * 2


def test_single_event_guard_passes_the_lookups_refusal_on():
    def lookup(request: ProxyRequest) -> ProxyResponse:
        assert request.query == [("fieldSelector", "involvedObject.apiVersion=ray.io/v1,metadata.name=e")]
        return status_response(403, "Forbidden", "events is forbidden")

    request = ProxyRequest("GET", "/api/v1/namespaces/ns/events/e", params={"namespace": "ns", "name": "e"})
    answer = ray_event_only(lookup)(request, lambda _: pytest.fail("must not be forwarded"))
    assert answer.status == 403 and answer.json()["reason"] == "Forbidden"


# --- through the bridge, against the embedded API --------------------------------------------

NS = "default"
EVENTS = f"/apis/events.k8s.io/v1/namespaces/{NS}/events"
_names = itertools.count(1)


@pytest.fixture(scope="module")
def bridge(embedded):
    from bridge.app import create_app
    from bridge.core.config import BridgeConfig

    return create_app(BridgeConfig(upstream=embedded.url)).test_client()


def core_event(embedded, kind: str, api_version: str, name: str) -> str:
    """Create a core v1 event about ``kind/name`` directly in the embedded API; its name."""
    event_name = f"{name}.{next(_names)}"
    event = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": event_name, "namespace": NS},
        "involvedObject": {"apiVersion": api_version, "kind": kind, "name": name, "namespace": NS},
        "reason": "Created",
        "message": f"{kind} {name} created",
        "type": "Normal",
    }
    answer = requests.post(f"{embedded.url}/api/v1/namespaces/{NS}/events", json=event, timeout=10)
    assert answer.status_code == 201, answer.text
    return event_name


def regarding(items: list[dict]) -> set[tuple[str, str]]:
    return {(item["regarding"]["kind"], item["regarding"]["name"]) for item in items}


def test_list_shows_only_ray_events(bridge, embedded):
    core_event(embedded, "RayCluster", "ray.io/v1", "list-ray")
    core_event(embedded, "Pod", "v1", "list-pod")
    answer = bridge.get(EVENTS)
    assert answer.status_code == 200
    seen = regarding(answer.get_json()["items"])
    assert ("RayCluster", "list-ray") in seen
    assert all(kind != "Pod" for kind, _ in seen)


def test_caller_selector_narrows(bridge, embedded):
    core_event(embedded, "RayCluster", "ray.io/v1", "narrow-a")
    core_event(embedded, "RayCluster", "ray.io/v1", "narrow-b")
    core_event(embedded, "Pod", "v1", "narrow-a")
    answer = bridge.get(EVENTS, query_string={"fieldSelector": "regarding.name=narrow-a"})
    assert answer.status_code == 200
    assert regarding(answer.get_json()["items"]) == {("RayCluster", "narrow-a")}


def test_caller_cannot_widen(bridge, embedded):
    core_event(embedded, "Pod", "v1", "widen-pod")
    answer = bridge.get(EVENTS, query_string={"fieldSelector": "regarding.apiVersion=v1"})
    assert answer.status_code == 200
    assert answer.get_json()["items"] == []


def test_watch_delivers_ray_events_only(bridge, embedded):
    listed = bridge.get(EVENTS, query_string={"limit": "1"})
    version = listed.get_json()["metadata"]["resourceVersion"]
    # The Pod event is made first: had the watch let it through, it would arrive first.
    core_event(embedded, "Pod", "v1", "watch-pod")
    core_event(embedded, "RayCluster", "ray.io/v1", "watch-ray")
    answer = bridge.get(
        EVENTS,
        query_string={"watch": "true", "resourceVersion": version, "timeoutSeconds": "30"},
        buffered=False,
    )
    assert answer.status_code == 200
    seen = []
    try:
        for line in _lines(answer.response):
            event = json.loads(line)
            seen.append(
                (event["type"], event["object"]["regarding"]["kind"], event["object"]["regarding"]["name"])
            )
            if event["object"]["regarding"]["name"] == "watch-ray":
                break
    finally:
        answer.close()
    assert seen[-1] == ("ADDED", "RayCluster", "watch-ray")
    assert all(kind != "Pod" for _, kind, _ in seen)


def _lines(chunks):
    pending = b""
    for chunk in chunks:
        pending += chunk
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            if line.strip():
                yield line


@pytest.mark.parametrize(
    "path", [f"/api/v1/namespaces/{NS}/events", "/api/v1/events", "/apis/events.k8s.io/v1/events"]
)
def test_core_and_all_namespaces_lists_show_only_ray_events(bridge, embedded, path):
    core_event(embedded, "RayJob", "ray.io/v1", "everywhere-ray")
    core_event(embedded, "Pod", "v1", "everywhere-pod")
    widened = {
        "fieldSelector": "involvedObject.apiVersion=v1"
        if path.startswith("/api/")
        else "regarding.apiVersion=v1"
    }
    for query in ({}, widened):
        answer = bridge.get(path, query_string=query)
        assert answer.status_code == 200, answer.get_data()
        items = answer.get_json()["items"]
        references = [item.get("involvedObject") or item.get("regarding") for item in items]
        assert all(reference["apiVersion"] == "ray.io/v1" for reference in references)
        assert bool(query) != any(reference["name"] == "everywhere-ray" for reference in references)


@pytest.mark.parametrize("prefix", ["/api/v1", "/apis/events.k8s.io/v1"])
def test_one_event_is_served_only_when_it_is_about_a_ray_object(bridge, embedded, prefix):
    ray = core_event(embedded, "RayService", "ray.io/v1", "single-ray")
    pod = core_event(embedded, "Pod", "v1", "single-pod")
    found = bridge.get(f"{prefix}/namespaces/{NS}/events/{ray}")
    assert found.status_code == 200 and found.get_json()["metadata"]["name"] == ray
    for name in (pod, "no-such-event"):
        hidden = bridge.get(f"{prefix}/namespaces/{NS}/events/{name}")
        assert hidden.status_code == 404
        assert hidden.get_json()["reason"] == "NotFound" and "created" not in hidden.get_data(as_text=True)
    assert bridge.delete(f"{prefix}/namespaces/{NS}/events/{ray}").status_code == 405
