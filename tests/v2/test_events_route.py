"""The Ray events route: the field-selector rewrite (unit) and the route through the bridge
against the embedded API (contract)."""

from __future__ import annotations

import itertools
import json

import pytest
import requests

from v2proxy.events import RAY_EVENTS_SELECTOR, ray_events_only, ray_field_selector
from v2proxy.messages import ProxyRequest, ProxyResponse

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


# --- through the bridge, against the embedded API --------------------------------------------

NS = "default"
EVENTS = f"/apis/events.k8s.io/v1/namespaces/{NS}/events"
_names = itertools.count(1)


@pytest.fixture(scope="module")
def bridge(embedded):
    from bridge.app import create_app
    from bridge.config import BridgeConfig

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
