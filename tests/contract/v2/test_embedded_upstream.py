"""Contract: the bridge app in front of the embedded Kubernetes API behaves like the Kubernetes
API for ray.io resources (CRUD, selectors, pagination, watch, discovery), and V2Client gives
v1compat the same calls without an HTTP hop, limited to the table."""

from __future__ import annotations

import json

import pytest

from tests.support.factories import RAYCLUSTERS, raycluster, unique
from tests.support.live_server import make_app
from tests.support.waiting import free_port
from v2proxy.client import V2Client

NS_RC = RAYCLUSTERS.format(ns="default")


@pytest.fixture(scope="module")
def app(embedded):
    return make_app(embedded.url)


@pytest.fixture
def client(app):
    return app.test_client()


def test_create_get_patch_replace_delete(client):
    name = unique("crud")
    created = client.post(NS_RC, json=raycluster(name))
    assert created.status_code == 201
    assert created.get_json()["metadata"]["name"] == name

    fetched = client.get(f"{NS_RC}/{name}")
    assert fetched.status_code == 200 and fetched.get_json()["kind"] == "RayCluster"

    patched = client.patch(
        f"{NS_RC}/{name}",
        data=json.dumps({"metadata": {"annotations": {"example.com/purpose": "model-training"}}}),
        content_type="application/merge-patch+json",
    )
    assert patched.status_code == 200
    assert patched.get_json()["metadata"]["annotations"]["example.com/purpose"] == "model-training"

    replacement = patched.get_json()
    replacement["metadata"]["labels"] = {"replaced": "yes"}
    replaced = client.put(f"{NS_RC}/{name}", json=replacement)
    assert replaced.status_code == 200 and replaced.get_json()["metadata"]["labels"] == {"replaced": "yes"}

    stale = client.put(f"{NS_RC}/{name}", json=replacement)  # the old resourceVersion
    assert stale.status_code == 409 and stale.get_json()["reason"] == "Conflict"

    assert client.delete(f"{NS_RC}/{name}").status_code == 200
    gone = client.get(f"{NS_RC}/{name}")
    assert gone.status_code == 404
    assert gone.get_json()["kind"] == "Status" and gone.get_json()["reason"] == "NotFound"


def test_duplicate_create_is_the_upstream_409(client):
    name = unique("dup")
    assert client.post(NS_RC, json=raycluster(name)).status_code == 201
    again = client.post(NS_RC, json=raycluster(name))
    assert again.status_code == 409 and again.get_json()["reason"] == "AlreadyExists"


def test_list_with_selectors_and_pagination(client):
    run = unique("run")
    names = [unique("page") for _ in range(5)]
    for name in names:
        assert client.post(NS_RC, json=raycluster(name, labels={"run": run})).status_code == 201
    client.post(NS_RC, json=raycluster(unique("other"), labels={"run": "other"}))

    seen: list[str] = []
    token = None
    pages = 0
    while True:
        query = {"labelSelector": f"run={run}", "limit": "2"}
        if token:
            query["continue"] = token
        page = client.get(NS_RC, query_string=query).get_json()
        pages += 1
        seen += [item["metadata"]["name"] for item in page["items"]]
        token = page["metadata"].get("continue")
        if not token:
            break
    assert sorted(seen) == sorted(names)
    assert pages == 3

    everywhere = client.get("/apis/ray.io/v1/rayclusters", query_string={"labelSelector": f"run={run}"})
    assert sorted(i["metadata"]["name"] for i in everywhere.get_json()["items"]) == sorted(names)
    by_name = client.get(NS_RC, query_string={"fieldSelector": f"metadata.name={names[0]}"})
    assert [i["metadata"]["name"] for i in by_name.get_json()["items"]] == [names[0]]


def test_watch_streams_events(client, embedded):
    import requests

    listed = client.get(NS_RC).get_json()
    name = unique("watched")
    requests.post(embedded.url + NS_RC, json=raycluster(name), timeout=10).raise_for_status()
    response = client.get(
        NS_RC,
        query_string={
            "watch": "true",
            "resourceVersion": listed["metadata"]["resourceVersion"],
            "timeoutSeconds": "5",
        },
        buffered=False,
    )
    assert response.status_code == 200
    buffer = b""
    for chunk in response.response:
        buffer += chunk
        if b"\n" in buffer:
            break
    response.close()
    event = json.loads(buffer.split(b"\n", 1)[0])
    assert event["type"] == "ADDED" and event["object"]["metadata"]["name"] == name


def test_discovery_for_kubectl(client):
    assert client.get("/version").get_json()["major"]
    assert "v1" in client.get("/api").get_json()["versions"]
    groups = {g["name"] for g in client.get("/apis").get_json()["groups"]}
    assert "ray.io" in groups
    assert client.get("/apis/ray.io").get_json()["name"] == "ray.io"
    resources = {r["name"] for r in client.get("/apis/ray.io/v1").get_json()["resources"]}
    assert {"rayclusters", "rayjobs", "rayservices"} <= resources


# --- V2Client ---------------------------------------------------------------------------


@pytest.fixture
def v2(app):
    with app.test_request_context("/apis/v1/namespaces/default/clusters"):
        from flask import g

        g.request_id = "v2client-test"
        yield V2Client.from_request(dialect="v1")


def test_v2client_crud_and_results(v2):
    name = unique("client")
    created = v2.create(NS_RC, raycluster(name))
    assert created.status == 201 and created.ok and created.body["metadata"]["name"] == name
    assert v2.get(f"{NS_RC}/{name}").body["metadata"]["name"] == name
    listed = v2.list(NS_RC, query=[("fieldSelector", f"metadata.name={name}")])
    assert [i["metadata"]["name"] for i in listed.body["items"]] == [name]
    patched = v2.patch(f"{NS_RC}/{name}", {"metadata": {"labels": {"x": "y"}}})
    assert patched.ok and patched.body["metadata"]["labels"] == {"x": "y"}
    unlabelled = {**patched.body, "metadata": {**patched.body["metadata"], "labels": {}}}
    updated = v2.update(f"{NS_RC}/{name}", unlabelled)
    assert updated.ok
    assert v2.delete(f"{NS_RC}/{name}").ok
    missing = v2.get(f"{NS_RC}/{name}")
    assert missing.status == 404 and not missing.ok and missing.body["reason"] == "NotFound"


def test_v2client_reaches_the_internal_rows(v2):
    name = unique("template")
    configmap = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"cpu": "2"}}
    assert v2.create("/api/v1/namespaces/default/configmaps", configmap).status == 201
    assert v2.get(f"/api/v1/namespaces/default/configmaps/{name}").body["data"] == {"cpu": "2"}
    assert v2.list("/api/v1/configmaps", query=[("fieldSelector", f"metadata.name={name}")]).ok
    assert v2.delete(f"/api/v1/namespaces/default/configmaps/{name}").ok
    assert v2.list("/api/v1/namespaces").ok


@pytest.mark.parametrize(
    "method,path,code",
    [
        ("GET", "/api/v1/namespaces/default/secrets", 404),
        ("GET", "/api/v1/pods", 404),
        ("GET", "/apis/ray.io/v1/namespaces/default/rayclusters/..", 404),
        ("GET", "/apis/ray.io/v1/namespaces/default/rayclusters/%2e%2e", 404),
        ("GET", "/apis/ray.io/v1/namespaces/default/rayclusters/a%2F..%2F..%2Fsecrets", 404),
        ("PUT", "/api/v1/namespaces/default/configmaps/x", 405),
        ("POST", "/api/v1/namespaces", 405),
    ],
)
def test_v2client_refuses_what_the_table_does_not_allow(v2, method, path, code):
    result = v2.request(method, path, body={} if method in ("PUT", "POST") else None)
    assert result.status == code
    assert result.body["kind"] == "Status"


def test_strategic_merge_patch_on_a_custom_resource_is_the_upstream_415_status(client):
    name = unique("smp")
    assert client.post(NS_RC, json=raycluster(name)).status_code == 201
    response = client.patch(
        f"{NS_RC}/{name}",
        data=json.dumps({"metadata": {"labels": {"a": "b"}}}),
        content_type="application/strategic-merge-patch+json",
    )
    assert response.status_code == 415
    assert response.get_json()["kind"] == "Status"
    assert response.get_json()["reason"] == "UnsupportedMediaType"
    assert "a" not in client.get(f"{NS_RC}/{name}").get_json()["metadata"].get("labels", {})


def test_v2client_reports_a_dead_upstream_as_a_502_result():
    app = make_app(f"http://127.0.0.1:{free_port()}", retry_max=0)
    with app.test_request_context("/apis/v1/namespaces/default/clusters"):
        result = V2Client.from_request().get(NS_RC)
    assert result.status == 502 and not result.ok
    assert result.body["kind"] == "Status" and "upstream unreachable" in result.body["message"]
