"""Discovery documents, built from the resource table, that real clients can use."""

from __future__ import annotations

import pytest
from kubernetes import client, dynamic

from bridge.embedded.discovery import AGGREGATED_V2, discovery
from tests.support.factories import raycluster

KUBECTL_ACCEPT = (
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,"
    "application/json"
)


def document(path: str, accept: str = "application/json") -> dict:
    found = discovery(path, accept)
    assert found is not None, path
    body, content_type = found
    assert content_type == "application/json"
    return body


def by_name(resource_list: dict) -> dict[str, dict]:
    return {entry["name"]: entry for entry in resource_list["resources"]}


def test_version_looks_like_a_1_32_server():
    version = document("/version")
    assert (version["major"], version["minor"], version["gitVersion"]) == ("1", "32", "v1.32.0")
    assert set(version) >= {"gitCommit", "gitTreeState", "buildDate", "goVersion", "compiler", "platform"}


def test_legacy_core_documents():
    assert document("/api") == {
        "kind": "APIVersions",
        "apiVersion": "v1",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [],
    }
    core = document("/api/v1")
    assert (core["kind"], core["groupVersion"]) == ("APIResourceList", "v1")
    resources = by_name(core)
    assert resources["services"] == {
        "name": "services",
        "singularName": "service",
        "namespaced": True,
        "kind": "Service",
        "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
        "shortNames": ["svc"],
        "categories": ["all"],
    }
    assert resources["services/proxy"]["kind"] == "ServiceProxyOptions"
    assert resources["services/proxy"]["verbs"] == ["create", "delete", "get", "patch", "update"]
    assert resources["namespaces"]["namespaced"] is False
    assert resources["configmaps"]["shortNames"] == ["cm"]
    assert "events" in resources


def test_group_documents():
    groups = {group["name"]: group for group in document("/apis")["groups"]}
    assert set(groups) == {"ray.io", "events.k8s.io"}
    assert groups["ray.io"]["preferredVersion"] == {"groupVersion": "ray.io/v1", "version": "v1"}
    ray = document("/apis/ray.io/")
    assert (ray["kind"], ray["name"], ray["versions"]) == (
        "APIGroup",
        "ray.io",
        [{"groupVersion": "ray.io/v1", "version": "v1"}],
    )


def test_ray_resources():
    resources = by_name(document("/apis/ray.io/v1"))
    assert set(resources) == {
        "rayclusters",
        "rayclusters/status",
        "rayjobs",
        "rayjobs/status",
        "rayservices",
        "rayservices/status",
    }
    cluster = resources["rayclusters"]
    assert (cluster["kind"], cluster["singularName"], cluster["namespaced"]) == (
        "RayCluster",
        "raycluster",
        True,
    )
    assert cluster["categories"] == ["all"]
    assert "watch" in cluster["verbs"] and "deletecollection" in cluster["verbs"]
    assert resources["rayclusters/status"]["verbs"] == ["get", "patch", "update"]
    events = by_name(document("/apis/events.k8s.io/v1"))
    assert events["events"]["kind"] == "Event" and events["events"]["shortNames"] == ["ev"]


def test_aggregated_discovery_when_asked_for():
    body, content_type = discovery("/apis", KUBECTL_ACCEPT)
    assert content_type == AGGREGATED_V2
    assert (body["kind"], body["apiVersion"]) == ("APIGroupDiscoveryList", "apidiscovery.k8s.io/v2")
    groups = {item["metadata"]["name"]: item for item in body["items"]}
    ray_v1 = groups["ray.io"]["versions"][0]
    assert ray_v1["version"] == "v1" and ray_v1["freshness"] == "Current"
    cluster = next(r for r in ray_v1["resources"] if r["resource"] == "rayclusters")
    assert cluster["responseKind"] == {"group": "ray.io", "version": "v1", "kind": "RayCluster"}
    assert cluster["scope"] == "Namespaced" and cluster["singularResource"] == "raycluster"
    assert cluster["subresources"][0]["subresource"] == "status"

    core, content_type = discovery("/api", KUBECTL_ACCEPT)
    assert content_type == AGGREGATED_V2
    [legacy] = core["items"]
    namespaces = next(r for r in legacy["versions"][0]["resources"] if r["resource"] == "namespaces")
    assert namespaces["scope"] == "Cluster"
    services = next(r for r in legacy["versions"][0]["resources"] if r["resource"] == "services")
    proxy = next(s for s in services["subresources"] if s["subresource"] == "proxy")
    assert proxy["responseKind"]["kind"] == "ServiceProxyOptions"


def test_legacy_when_aggregated_is_not_first_choice():
    assert (
        discovery(
            "/apis", "application/json, application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
        )[1]
        == "application/json"
    )
    assert discovery("/apis", "*/*")[0]["kind"] == "APIGroupList"
    assert discovery("/apis", "")[0]["kind"] == "APIGroupList"


@pytest.mark.parametrize(
    "path",
    [
        "/apis/ray.io/v1/rayclusters",
        "/apis/nope",
        "/apis/ray.io/v2",
        "/api/v2",
        "/healthz",
        "/openapi/v2",
        "/openapi/v3/apis/nope/v1",
    ],
)
def test_other_paths_are_not_discovery(path):
    assert discovery(path, "application/json") is None


def test_openapi_v3_tells_kubectl_that_field_validation_is_supported():
    index = document("/openapi/v3")
    url = index["paths"]["apis/ray.io/v1"]["serverRelativeURL"]
    assert url.startswith("/openapi/v3/apis/ray.io/v1?hash=")
    spec = document("/openapi/v3/apis/ray.io/v1")
    patch = spec["paths"]["/apis/ray.io/v1/namespaces/{namespace}/rayclusters/{name}"]["patch"]
    assert patch["x-kubernetes-group-version-kind"] == {
        "group": "ray.io",
        "version": "v1",
        "kind": "RayCluster",
    }
    assert {"name": "fieldValidation", "in": "query"}.items() <= patch["parameters"][2].items()
    assert "/api/v1/namespaces/{name}" in document("/openapi/v3/api/v1")["paths"]


def test_openapi_v3_publishes_loaded_crd_schemas(api):
    spec = api.get("/openapi/v3/apis/ray.io/v1").json()  # the embedded fixture has loaded the CRDs
    cluster = spec["components"]["schemas"]["io.ray.v1.RayCluster"]
    assert cluster["x-kubernetes-group-version-kind"] == [
        {"group": "ray.io", "version": "v1", "kind": "RayCluster"}
    ]
    assert "workerGroupSpecs" in cluster["properties"]["spec"]["properties"]


# -- real clients ---------------------------------------------------------------------------


def test_kubernetes_client_reads_versions_and_groups(api_client):
    assert client.VersionApi(api_client).get_code().git_version == "v1.32.0"
    assert client.CoreApi(api_client).get_api_versions().versions == ["v1"]
    groups = {group.name for group in client.ApisApi(api_client).get_api_versions().groups}
    assert groups == {"ray.io", "events.k8s.io"}
    resources = client.CustomObjectsApi(api_client).get_api_resources("ray.io", "v1").resources
    assert "rayclusters" in {resource.name for resource in resources}


def test_dynamic_client_finds_and_uses_rayclusters(api_client, namespace, tmp_path):
    dyn = dynamic.DynamicClient(api_client, cache_file=str(tmp_path / "discovery.json"))
    rayclusters = dyn.resources.get(api_version="ray.io/v1", kind="RayCluster")
    assert (rayclusters.name, rayclusters.namespaced) == ("rayclusters", True)
    rayclusters.create(body=raycluster("dyn"), namespace=namespace)
    listed = rayclusters.get(namespace=namespace)
    assert [item.metadata.name for item in listed.items] == ["dyn"]

    events = dyn.resources.get(api_version="events.k8s.io/v1", kind="Event")
    assert events.get(namespace=namespace).items == []
    services = dyn.resources.get(api_version="v1", kind="Service")
    assert set(services.subresources) == {"status", "proxy"}


def test_server_answers_aggregated_discovery_with_its_content_type(api):
    answer = api.get("/apis", headers={"Accept": KUBECTL_ACCEPT})
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == AGGREGATED_V2
    assert answer.json()["kind"] == "APIGroupDiscoveryList"
    assert api.get("/apis").json()["kind"] == "APIGroupList"
