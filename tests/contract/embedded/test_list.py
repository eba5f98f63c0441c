"""Lists: selectors as apimachinery parses them, all-namespaces collections, pagination."""

from __future__ import annotations

import base64

import pytest

from bridge.embedded import start
from tests.support.asserts import assert_status
from tests.support.factories import RAY, raycluster
from tests.support.sessions import Api


@pytest.fixture
def labelled(api, namespace):
    """Four RayClusters with labels to select on."""
    labels = {
        "a": {"team": "ml", "tier": "gold"},
        "b": {"team": "ml", "tier": "silver"},
        "c": {"team": "web"},
        "d": {},
    }
    for name, values in labels.items():
        body = raycluster(name)
        body["metadata"]["labels"] = values
        assert api.post(f"{RAY}/namespaces/{namespace}/rayclusters", json=body).status_code == 201
    return namespace


def _names(api, path, **params):
    answer = api.get(path, params=params)
    assert answer.status_code == 200, answer.text
    return [item["metadata"]["name"] for item in answer.json()["items"]]


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("team=ml", ["a", "b"]),
        ("team==ml", ["a", "b"]),
        ("team!=ml", ["c", "d"]),
        ("tier in (gold, silver)", ["a", "b"]),
        ("tier notin (gold)", ["b", "c", "d"]),
        ("tier", ["a", "b"]),
        ("!tier", ["c", "d"]),
        ("team=ml,tier=silver", ["b"]),
        ("team in (web),!tier", ["c"]),
    ],
)
def test_label_selectors(api, labelled, selector, expected):
    assert _names(api, f"{RAY}/namespaces/{labelled}/rayclusters", labelSelector=selector) == expected


@pytest.mark.parametrize(
    ("selector", "message"),
    [
        ("team in ml", "found 'ml', expected: '('"),
        ("team ml", "found 'ml', expected: in, notin, =, ==, !=, gt, lt"),
        ("bad_=x", 'unable to parse requirement: <nil>: Invalid value: "bad_": name part must consist'),
        ("a=b,", "found 'end of string', expected: !, identifier, or 'end of string'"),
    ],
)
def test_bad_label_selector_is_bad_request(api, labelled, selector, message):
    status = assert_status(
        api.get(f"{RAY}/namespaces/{labelled}/rayclusters", params={"labelSelector": selector}),
        400,
        "BadRequest",
    )
    assert status["message"].startswith(message)


def test_field_selector_on_name_and_namespace(api, labelled):
    path = f"{RAY}/namespaces/{labelled}/rayclusters"
    assert _names(api, path, fieldSelector="metadata.name=b") == ["b"]
    assert _names(api, path, fieldSelector="metadata.name!=b") == ["a", "c", "d"]
    assert _names(api, f"{RAY}/rayclusters", fieldSelector=f"metadata.namespace={labelled}") == [
        "a",
        "b",
        "c",
        "d",
    ]


def test_unsupported_field_selector_is_bad_request(api, labelled):
    assert_status(
        api.get(f"{RAY}/namespaces/{labelled}/rayclusters", params={"fieldSelector": "spec.rayVersion=1"}),
        400,
        "BadRequest",
        message='"spec.rayVersion" is not a known field selector: only "metadata.name", "metadata.namespace"',
    )
    assert_status(
        api.get(f"/api/v1/namespaces/{labelled}/configmaps", params={"fieldSelector": "data.x=1"}),
        400,
        "BadRequest",
        message="field label not supported: data.x",
    )
    assert_status(
        api.get(f"/api/v1/namespaces/{labelled}/configmaps", params={"fieldSelector": "nonsense"}),
        400,
        "BadRequest",
        message="invalid selector: 'nonsense'; can't understand 'nonsense'",
    )


def test_event_field_selectors(api, namespace):
    for name, kind in (("e1", "RayCluster"), ("e2", "RayJob")):
        api.post(
            f"/api/v1/namespaces/{namespace}/events",
            json={
                "metadata": {"name": name},
                "reason": "Created",
                "type": "Normal",
                "message": "hi",
                "involvedObject": {"kind": kind, "name": "x", "namespace": namespace},
                "source": {"component": "kuberay-operator"},
            },
        )
    core = f"/api/v1/namespaces/{namespace}/events"
    assert _names(api, core, fieldSelector="involvedObject.kind=RayJob") == ["e2"]
    assert _names(api, core, fieldSelector="source=kuberay-operator,type=Normal") == ["e1", "e2"]
    assert _names(api, core, fieldSelector="reason=Failed") == []
    v1 = f"/apis/events.k8s.io/v1/namespaces/{namespace}/events"
    assert _names(api, v1, fieldSelector="regarding.kind=RayCluster") == ["e1"]
    assert_status(
        api.get(v1, params={"fieldSelector": "involvedObject.kind=RayJob"}),
        400,
        "BadRequest",
        message="field label not supported: involvedObject.kind",
    )


def test_all_namespaces_collection(api, namespace):
    other = namespace + "-b"
    api.post("/api/v1/namespaces", json={"metadata": {"name": other}})
    try:
        api.post(
            f"/api/v1/namespaces/{namespace}/configmaps",
            json={"metadata": {"name": "x", "labels": {"mark": namespace}}},
        )
        api.post(
            f"/api/v1/namespaces/{other}/configmaps",
            json={"metadata": {"name": "x", "labels": {"mark": namespace}}},
        )
        answer = api.get("/api/v1/configmaps", params={"labelSelector": f"mark={namespace}"}).json()
        assert [(i["metadata"]["namespace"], i["metadata"]["name"]) for i in answer["items"]] == [
            (namespace, "x"),
            (other, "x"),
        ]
    finally:
        api.delete(f"/api/v1/namespaces/{other}")


def test_list_shape_follows_kubernetes(api, labelled):
    crs = api.get(f"{RAY}/namespaces/{labelled}/rayclusters").json()
    assert crs["kind"] == "RayClusterList" and crs["apiVersion"] == "ray.io/v1"
    assert crs["items"][0]["kind"] == "RayCluster"  # custom resource items keep their type
    api.post(f"/api/v1/namespaces/{labelled}/configmaps", json={"metadata": {"name": "x"}})
    cms = api.get(f"/api/v1/namespaces/{labelled}/configmaps").json()
    assert cms["kind"] == "ConfigMapList" and cms["metadata"]["resourceVersion"].isdigit()
    assert "kind" not in cms["items"][0]  # built-in items do not


def test_pagination_with_limit_and_continue(api, labelled):
    path = f"{RAY}/namespaces/{labelled}/rayclusters"
    first = api.get(path, params={"limit": 3}).json()
    assert [i["metadata"]["name"] for i in first["items"]] == ["a", "b", "c"]
    assert first["metadata"]["remainingItemCount"] == 1
    token = first["metadata"]["continue"]
    second = api.get(path, params={"limit": 3, "continue": token}).json()
    assert [i["metadata"]["name"] for i in second["items"]] == ["d"]
    assert "continue" not in second["metadata"] and "remainingItemCount" not in second["metadata"]
    assert second["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"]


def test_pagination_with_selector_has_no_remaining_count(api, labelled):
    path = f"{RAY}/namespaces/{labelled}/rayclusters"
    first = api.get(path, params={"limit": 1, "labelSelector": "team"}).json()
    assert [i["metadata"]["name"] for i in first["items"]] == ["a"]
    assert "remainingItemCount" not in first["metadata"]
    rest = api.get(
        path, params={"limit": 5, "labelSelector": "team", "continue": first["metadata"]["continue"]}
    ).json()
    assert [i["metadata"]["name"] for i in rest["items"]] == ["b", "c"]


def test_malformed_continue_token_is_bad_request(api, labelled):
    path = f"{RAY}/namespaces/{labelled}/rayclusters"
    assert_status(api.get(path, params={"limit": 1, "continue": "%%%"}), 400, "BadRequest")
    forged = base64.urlsafe_b64encode(b'{"v":"other","rv":1}').decode()
    assert_status(api.get(path, params={"limit": 1, "continue": forged}), 400, "BadRequest")


def test_continue_token_from_compacted_history_is_expired():
    with start(history=2) as server, Api(server.url) as api:
        for name in "abc":
            api.post("/api/v1/namespaces/default/configmaps", json={"metadata": {"name": name}})
        token = api.get("/api/v1/namespaces/default/configmaps", params={"limit": 1}).json()["metadata"][
            "continue"
        ]
        for name in "def":
            api.post("/api/v1/namespaces/default/configmaps", json={"metadata": {"name": name}})
        status = assert_status(
            api.get("/api/v1/namespaces/default/configmaps", params={"limit": 1, "continue": token}),
            410,
            "Expired",
        )
        assert status["message"].startswith("The provided continue parameter is too old")


def test_pagination_across_namespaces_keeps_namespace_order(api, namespace):
    """``a`` sorts before ``a-b`` although ``a/x`` sorts after ``a-b/x``: keys are compared
    as (namespace, name), like the list order."""
    other = namespace + "-b"
    api.post("/api/v1/namespaces", json={"metadata": {"name": other}})
    try:
        for ns in (namespace, other):
            for name in ("x", "y"):
                api.post(
                    f"/api/v1/namespaces/{ns}/configmaps",
                    json={"metadata": {"name": name, "labels": {"page": namespace}}},
                )
        seen, token = [], None
        while True:
            params = {"limit": 1, "labelSelector": f"page={namespace}"}
            if token:
                params["continue"] = token
            answer = api.get("/api/v1/configmaps", params=params).json()
            seen += [(i["metadata"]["namespace"], i["metadata"]["name"]) for i in answer["items"]]
            token = answer["metadata"].get("continue")
            if not token:
                break
        assert seen == [(namespace, "x"), (namespace, "y"), (other, "x"), (other, "y")]
    finally:
        api.delete(f"/api/v1/namespaces/{other}")
