"""Discovery rewritten to what the bridge serves: the pure rewrites (a real cluster's documents
in, the bridge's out), what the route table counts as served, and the middleware over real HTTP
(``requests`` against the app in front of a fake upstream that answers like a cluster)."""

from __future__ import annotations

import copy
import gzip
import json
import threading

import pytest
import requests
from werkzeug.wrappers import Response

from tests.support.fake_upstream import json_answer
from tests.support.live_server import make_app
from v2proxy.discovery import (
    aggregated_discovery,
    api_group,
    api_group_list,
    api_resource_list,
    api_versions,
    json_only,
    openapi_index,
    rewrite,
)
from v2proxy.pipeline import READ, Route
from v2proxy.routes import ROUTES
from v2proxy.served import Served, api_prefix

SERVED = Served(ROUTES)
ALL = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
AGGREGATED = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"


def _resource(name: str, kind: str, verbs=ALL, namespaced: bool = True) -> dict:
    return {"name": name, "singularName": "", "namespaced": namespaced, "kind": kind, "verbs": list(verbs)}


CORE_V1 = {
    "kind": "APIResourceList",
    "groupVersion": "v1",
    "resources": [
        _resource("configmaps", "ConfigMap"),
        _resource("events", "Event"),
        _resource("namespaces", "Namespace", namespaced=False),
        _resource("pods", "Pod"),
        _resource("pods/log", "Pod", ["get"]),
        _resource("secrets", "Secret"),
        _resource("services", "Service"),
        _resource("services/proxy", "ServiceProxyOptions", ["create", "delete", "get", "patch", "update"]),
        _resource("events/status", "Event", ["get", "patch", "update"]),  # no such thing: never listed
    ],
}
RAY_V1 = {
    "kind": "APIResourceList",
    "apiVersion": "v1",
    "groupVersion": "ray.io/v1",
    "resources": [
        _resource("rayclusters", "RayCluster"),
        _resource("rayclusters/status", "RayCluster", ["get", "patch", "update"]),
    ],
}
GROUPS = {
    "kind": "APIGroupList",
    "apiVersion": "v1",
    "groups": [
        {
            "name": "apps",
            "versions": [{"groupVersion": "apps/v1", "version": "v1"}],
            "preferredVersion": {"groupVersion": "apps/v1", "version": "v1"},
        },
        {
            "name": "events.k8s.io",
            "versions": [
                {"groupVersion": "events.k8s.io/v1beta1", "version": "v1beta1"},
                {"groupVersion": "events.k8s.io/v1", "version": "v1"},
            ],
            "preferredVersion": {"groupVersion": "events.k8s.io/v1beta1", "version": "v1beta1"},
        },
        {
            "name": "ray.io",
            "versions": [{"groupVersion": "ray.io/v1", "version": "v1"}],
            "preferredVersion": {"groupVersion": "ray.io/v1", "version": "v1"},
        },
    ],
}


def _aggregated(name: str, scope: str = "Namespaced", verbs=ALL, subresources=()) -> dict:
    entry = {
        "resource": name,
        "responseKind": {"group": "", "version": "v1", "kind": name.title()},
        "scope": scope,
        "singularResource": name[:-1],
        "verbs": list(verbs),
    }
    if subresources:
        entry["subresources"] = [
            {"subresource": sub, "verbs": ["get", "patch", "update"]} for sub in subresources
        ]
    return entry


AGGREGATED_APIS = {
    "kind": "APIGroupDiscoveryList",
    "apiVersion": "apidiscovery.k8s.io/v2",
    "metadata": {},
    "items": [
        {
            "metadata": {"name": "apps"},
            "versions": [{"version": "v1", "resources": [_aggregated("deployments")]}],
        },
        {
            "metadata": {"name": "events.k8s.io"},
            "versions": [
                {"version": "v1", "resources": [_aggregated("events")], "freshness": "Current"},
                {"version": "v1beta1", "resources": [_aggregated("events")]},
            ],
        },
        {
            "metadata": {"name": "ray.io"},
            "versions": [
                {"version": "v1", "resources": [_aggregated("rayclusters", subresources=["status"])]}
            ],
        },
    ],
}
AGGREGATED_API = {
    "kind": "APIGroupDiscoveryList",
    "apiVersion": "apidiscovery.k8s.io/v2beta1",
    "metadata": {},
    "items": [
        {
            "metadata": {"creationTimestamp": None},
            "versions": [
                {
                    "version": "v1",
                    "resources": [
                        _aggregated("pods", subresources=["status"]),
                        _aggregated("events"),
                        _aggregated("services"),
                        _aggregated("namespaces", scope="Cluster"),
                    ],
                }
            ],
        }
    ],
}
OPENAPI_INDEX = {
    "paths": {
        key: {"serverRelativeURL": f"/openapi/v3/{key}?hash=AB"}
        for key in ("api/v1", "apis/apps/v1", "apis/events.k8s.io/v1", "apis/ray.io/v1")
    }
}


def _names(document: dict) -> list[tuple[str, list[str]]]:
    return [(entry["name"], entry["verbs"]) for entry in document["resources"]]


def test_core_resource_list_keeps_events_read_only():
    assert _names(api_resource_list(CORE_V1, SERVED)) == [("events", ["get", "list", "watch"])]


def test_ray_resource_list_keeps_everything_and_its_status():
    assert api_resource_list(RAY_V1, SERVED) == RAY_V1


def test_group_list_keeps_served_versions_and_moves_the_preferred_one():
    groups = api_group_list(GROUPS, SERVED)["groups"]
    assert [group["name"] for group in groups] == ["events.k8s.io", "ray.io"]
    events = groups[0]
    assert events["versions"] == [{"groupVersion": "events.k8s.io/v1", "version": "v1"}]
    assert events["preferredVersion"] == {"groupVersion": "events.k8s.io/v1", "version": "v1"}


def test_single_group_documents():
    apps = {"kind": "APIGroup", **GROUPS["groups"][0]}
    assert api_group(apps, SERVED)["versions"] == []
    ray = {"kind": "APIGroup", **GROUPS["groups"][2]}
    assert api_group(ray, SERVED) == ray
    assert api_versions({"kind": "APIVersions", "versions": ["v1"]}, SERVED)["versions"] == ["v1"]


def test_aggregated_apis_keep_served_groups_versions_and_subresources():
    items = aggregated_discovery(AGGREGATED_APIS, SERVED)["items"]
    assert [item["metadata"]["name"] for item in items] == ["events.k8s.io", "ray.io"]
    assert [version["version"] for version in items[0]["versions"]] == ["v1"]
    assert items[0]["versions"][0]["resources"][0]["verbs"] == ["get", "list", "watch"]
    assert items[0]["versions"][0]["freshness"] == "Current"
    assert items[1] == AGGREGATED_APIS["items"][2]


def test_aggregated_core_keeps_events_without_subresources():
    resources = aggregated_discovery(AGGREGATED_API, SERVED)["items"][0]["versions"][0]["resources"]
    shown = [(entry["resource"], entry["verbs"]) for entry in resources]
    assert shown == [("events", ["get", "list", "watch"])]
    assert "subresources" not in resources[0]


def test_openapi_index_lists_only_forwarded_documents():
    assert list(openapi_index(OPENAPI_INDEX, SERVED)["paths"]) == ["apis/ray.io/v1"]


def test_rewrite_dispatches_by_kind_and_path_and_leaves_inputs_alone():
    documents = [CORE_V1, RAY_V1, GROUPS, AGGREGATED_APIS, AGGREGATED_API, OPENAPI_INDEX]
    before = copy.deepcopy(documents)
    assert rewrite("/api/v1", CORE_V1, SERVED) == api_resource_list(CORE_V1, SERVED)
    assert rewrite("/apis", AGGREGATED_APIS, SERVED) == aggregated_discovery(AGGREGATED_APIS, SERVED)
    assert rewrite("/openapi/v3/", OPENAPI_INDEX, SERVED) == openapi_index(OPENAPI_INDEX, SERVED)
    assert rewrite("/version", {"major": "1"}, SERVED) == {"major": "1"}
    assert documents == before


def test_list_needs_both_one_namespace_and_all_namespaces():
    only_namespaced = Served((Route("x", READ, "/apis/g/v1/namespaces/{namespace}/things"),))
    assert only_namespaced.verbs("g/v1", "things", True, ["get", "list", "watch"]) == []
    assert only_namespaced.verbs("g/v1", "things", False, ["list"]) == []
    both = Served((*only_namespaced.routes, Route("x", READ, "/apis/g/v1/things")))
    assert both.verbs("g/v1", "things", True, ["get", "list", "watch", "create"]) == ["list", "watch"]


def test_internal_routes_are_not_served():
    assert SERVED.verbs("v1", "configmaps", True, ALL) == []
    assert SERVED.verbs("v1", "namespaces", False, ALL) == []


def test_every_forwarded_group_version_has_its_discovery_document():
    """A route added for a new group-version needs its discovery row too, or only clients of
    aggregated discovery would find it."""
    for route in ROUTES:
        if route.internal or route.name == "discovery" or route.name.startswith("service-proxy"):
            continue
        parts = route.pattern.strip("/").split("/")
        api_version = parts[1] if parts[0] == "api" else "/".join(parts[1:3])
        assert SERVED.document(api_prefix(api_version)), route


@pytest.mark.parametrize(
    ("accept", "sent"),
    [
        ("application/vnd.kubernetes.protobuf", "application/json"),
        ("", "application/json"),
        ("*/*", "application/json"),
        (
            f"application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,{AGGREGATED},"
            "application/json",
            f"{AGGREGATED},application/json",
        ),
    ],
)
def test_json_only(accept, sent):
    assert json_only(accept) == sent


# --- the middleware over HTTP ----------------------------------------------------------------


@pytest.fixture(scope="module")
def bridge_url(fake_upstream):
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, make_app(fake_upstream.url), threaded=True)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def _cluster(call, _number) -> Response:
    """A cluster's discovery: classic or aggregated by Accept, gzip-compressed when allowed."""
    aggregated = "as=APIGroupDiscoveryList" in call.headers.get("Accept", "")
    if aggregated:
        document = AGGREGATED_API
    else:
        document = CORE_V1 if call.path == "/api/v1" else {"kind": "APIVersions", "versions": ["v1"]}
    body = json.dumps(document).encode()
    headers = {"ETag": '"upstream"'}
    if "gzip" in call.headers.get("Accept-Encoding", ""):
        body, headers["Content-Encoding"] = gzip.compress(body), "gzip"
    content_type = AGGREGATED if aggregated else "application/json"
    return Response(body, headers=headers, content_type=content_type)


def test_upstream_is_asked_for_plain_json_and_the_answer_rewritten(bridge_url, upstream):
    upstream.reset(_cluster)
    answer = requests.get(
        bridge_url + "/api",
        timeout=10,
        headers={
            "Accept": "application/vnd.kubernetes.protobuf;g=apidiscovery.k8s.io;v=v2;"
            f"as=APIGroupDiscoveryList,{AGGREGATED},application/json",
            "Accept-Encoding": "gzip",
            "If-None-Match": '"upstream"',
        },
    )
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == AGGREGATED
    assert "ETag" not in answer.headers and "Content-Encoding" not in answer.headers
    resources = answer.json()["items"][0]["versions"][0]["resources"]
    assert [entry["resource"] for entry in resources] == ["events"]
    sent = upstream.calls[0].headers
    assert sent["Accept"] == f"{AGGREGATED},application/json"
    assert sent["Accept-Encoding"] == "identity" and "If-None-Match" not in sent


def test_protobuf_only_client_gets_rewritten_json(bridge_url, upstream):
    upstream.reset(_cluster)
    answer = requests.get(
        bridge_url + "/api/v1", headers={"Accept": "application/vnd.kubernetes.protobuf"}, timeout=10
    )
    assert answer.headers["Content-Type"] == "application/json"
    assert [entry["name"] for entry in answer.json()["resources"]] == ["events"]


def test_compressed_upstream_answer_is_read(bridge_url, upstream):
    def compressed(call, number):
        body = gzip.compress(json.dumps(CORE_V1).encode())
        return Response(body, headers={"Content-Encoding": "gzip"}, content_type="application/json")

    upstream.reset(compressed)
    answer = requests.get(bridge_url + "/api/v1", timeout=10)
    assert [entry["name"] for entry in answer.json()["resources"]] == ["events"]


def test_head_describes_the_rewritten_document(bridge_url, upstream):
    upstream.reset(_cluster)
    full = requests.get(bridge_url + "/api/v1", timeout=10)
    head = requests.head(bridge_url + "/api/v1", timeout=10)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["Content-Length"] == str(len(full.content))


def test_errors_and_unreadable_documents(bridge_url, upstream):
    forbidden = {"kind": "Status", "apiVersion": "v1", "code": 403, "reason": "Forbidden", "message": "no"}
    upstream.reset(lambda call, n: json_answer(403, forbidden))
    answer = requests.get(bridge_url + "/apis", timeout=10)
    assert (answer.status_code, answer.json()) == (403, forbidden)

    upstream.reset(lambda call, n: Response(b"<html>", content_type="text/html"))
    answer = requests.get(bridge_url + "/apis", timeout=10)
    assert answer.status_code == 502
    assert answer.json()["kind"] == "Status" and "discovery document" in answer.json()["message"]
