"""The embedded API's dispatch table (``bridge.embedded.api.DISPATCH``).

Every (target, verb) pair the API served before the table existed has its row and reaches its
handler over real HTTP (``requests``); a pair without a row answers as before: 405
MethodNotAllowed on a resource path, 404 NotFound on any other path.
"""

from __future__ import annotations

import pytest

from bridge.embedded import api, create, delete, read, update, watching
from tests.support.asserts import assert_status
from tests.support.factories import RAY, raycluster

# What ``EmbeddedApi.dispatch`` served before the table, and which of its methods served it.
SERVED_BEFORE_THE_TABLE = {
    (api.HEALTH, "GET"): read.health,
    (api.DISCOVERY, "GET"): read.discovery_document,
    (api.COLLECTION, "GET"): read.list_objects,
    (api.COLLECTION, api.WATCH): watching.watch_objects,
    (api.COLLECTION, "POST"): create.create,
    (api.COLLECTION, "DELETE"): delete.delete_collection,
    (api.EVERY_NAMESPACE, "GET"): read.list_objects,
    (api.EVERY_NAMESPACE, api.WATCH): watching.watch_objects,
    (api.OBJECT, "GET"): read.get,
    (api.OBJECT, api.WATCH): watching.watch_objects,
    (api.OBJECT, "PUT"): update.replace,
    (api.OBJECT, "PATCH"): update.patch_object,
    (api.OBJECT, "DELETE"): delete.delete,
    (api.STATUS, "GET"): read.get,
    (api.STATUS, api.WATCH): watching.watch_objects,
    (api.STATUS, "PUT"): update.replace,
    (api.STATUS, "PATCH"): update.patch_object,
    (api.PROXY, api.ANY_METHOD): api.proxy,
}

MERGE_PATCH = {"Content-Type": "application/merge-patch+json"}


def test_the_table_has_a_row_for_every_pair_served_before_and_no_other():
    assert {pair: handler for pair, (_, handler) in api.DISPATCH.items()} == SERVED_BEFORE_THE_TABLE


@pytest.mark.parametrize(
    ("path", "target"),
    [
        ("/healthz", api.HEALTH),
        ("/api", api.DISCOVERY),
        ("/apis/ray.io/v1", api.DISCOVERY),
        ("/nothing/here", api.DISCOVERY),
        ("/api/v1/namespaces/n/configmaps", api.COLLECTION),
        ("/api/v1/namespaces", api.COLLECTION),
        ("/api/v1/configmaps", api.EVERY_NAMESPACE),
        ("/api/v1/namespaces/n/configmaps/c", api.OBJECT),
        ("/api/v1/namespaces/n", api.OBJECT),
        ("/api/v1/namespaces/n/status", api.STATUS),
        (f"{RAY}/namespaces/n/rayclusters/r/status", api.STATUS),
        ("/api/v1/namespaces/n/services/s:8265/proxy/api/", api.PROXY),
    ],
)
def test_a_path_names_its_target(path, target):
    assert api.target_of(path)[0] == target


def _watch_lines(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [line for line in response.iter_lines(decode_unicode=True) if line]


def test_each_pair_reaches_its_handler(api, namespace):
    ns = f"/api/v1/namespaces/{namespace}"
    clusters = f"{RAY}/namespaces/{namespace}/rayclusters"

    assert api.get("/healthz").text == "ok"
    assert api.get("/api").json()["kind"] == "APIVersions"

    created = api.post(f"{ns}/configmaps", json={"metadata": {"name": "c"}, "data": {"a": "1"}})
    assert created.status_code == 201, created.text
    assert api.get(f"{ns}/configmaps").json()["kind"] == "ConfigMapList"
    watched = _watch_lines(
        api.get(f"{ns}/configmaps", params={"watch": "true", "timeoutSeconds": "1"}, stream=True)
    )
    assert any('"ADDED"' in line for line in watched)
    assert (
        api.get("/api/v1/configmaps", params={"fieldSelector": f"metadata.namespace={namespace}"}).json()[
            "items"
        ][0]["metadata"]["name"]
        == "c"
    )
    assert _watch_lines(
        api.get(
            "/api/v1/configmaps",
            params={"watch": "1", "timeoutSeconds": "1", "fieldSelector": f"metadata.namespace={namespace}"},
            stream=True,
        )
    )

    assert api.get(f"{ns}/configmaps/c").json()["data"] == {"a": "1"}
    assert _watch_lines(
        api.get(f"{ns}/configmaps/c", params={"watch": "true", "timeoutSeconds": "1"}, stream=True)
    )
    current = api.get(f"{ns}/configmaps/c").json()
    assert api.put(f"{ns}/configmaps/c", json={**current, "data": {"a": "2"}}).json()["data"] == {"a": "2"}
    assert api.patch(f"{ns}/configmaps/c", data='{"data": {"a": "3"}}', headers=MERGE_PATCH).json()[
        "data"
    ] == {"a": "3"}

    assert api.post(clusters, json=raycluster("r")).status_code == 201
    assert api.get(f"{clusters}/r/status").json()["kind"] == "RayCluster"
    assert _watch_lines(
        api.get(f"{clusters}/r/status", params={"watch": "true", "timeoutSeconds": "1"}, stream=True)
    )
    patched = api.patch(f"{clusters}/r/status", data='{"status": {"state": "ready"}}', headers=MERGE_PATCH)
    assert patched.json()["status"]["state"] == "ready", patched.text
    current = api.get(f"{clusters}/r").json()
    put = api.put(f"{clusters}/r/status", json={**current, "status": {"state": "suspended"}})
    assert put.json()["status"]["state"] == "suspended", put.text

    assert api.delete(f"{ns}/configmaps/c").json()["status"] == "Success"
    assert api.delete(clusters).json()["kind"] == "RayClusterList"
    # No such service: the proxy handler looked it up (a method the table has no row for is 405).
    assert_status(
        api.request("OPTIONS", f"{ns}/services/none/proxy/"),
        404,
        "NotFound",
        {"name": "none", "kind": "services"},
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/v1/namespaces/{ns}/configmaps/c"),  # create names a collection
        ("PUT", "/api/v1/namespaces/{ns}/configmaps"),
        ("PATCH", "/api/v1/namespaces/{ns}/configmaps"),
        ("POST", "/api/v1/configmaps"),  # every namespace: read-only
        ("DELETE", "/api/v1/configmaps"),
        ("DELETE", "/api/v1/namespaces"),  # namespaces do not list deletecollection
        ("DELETE", RAY + "/namespaces/{ns}/rayclusters/r/status"),
        ("POST", RAY + "/namespaces/{ns}/rayclusters/r/status"),
        ("HEAD", "/api/v1/namespaces/{ns}/configmaps/c"),
        ("OPTIONS", "/api/v1/namespaces/{ns}/configmaps"),
        ("TRACE", "/api/v1/namespaces/{ns}/configmaps/c"),
    ],
)
def test_a_method_without_a_row_on_a_resource_is_405(api, namespace, method, path):
    response = api.request(method, path.format(ns=namespace))
    if method == "HEAD":  # no body to read
        assert response.status_code == 405
    else:
        assert_status(response, 405, "MethodNotAllowed")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/healthz"),
        ("DELETE", "/readyz"),
        ("POST", "/api"),
        ("PUT", "/apis/ray.io/v1"),
        ("DELETE", "/version"),
        ("GET", "/nothing/here"),
    ],
)
def test_a_method_without_a_row_elsewhere_is_404(api, method, path):
    assert_status(api.request(method, path), 404, "NotFound")


def test_a_watch_of_health_or_discovery_is_an_ordinary_get(api):
    assert api.get("/healthz", params={"watch": "true"}).text == "ok"
    assert api.get("/api", params={"watch": "true"}).json()["kind"] == "APIVersions"
