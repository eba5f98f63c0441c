"""The Ray events route: the field-selector rewrite (unit) and the route through the bridge
against the embedded API (contract)."""

from __future__ import annotations

import pytest

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
            [("limit", "5"), ("fieldSelector", "regarding.name=x"), ("watch", "true"), ("fieldSelector", "type=Warning")],
            [("limit", "5"), ("fieldSelector", f"{RAY},regarding.name=x,type=Warning"), ("watch", "true")],
        ),
        (
            [("labelSelector", "a=b"), ("resourceVersion", "7"), ("continue", "tok"), ("watch", "1")],
            [("labelSelector", "a=b"), ("resourceVersion", "7"), ("continue", "tok"), ("watch", "1"), ("fieldSelector", RAY)],
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
