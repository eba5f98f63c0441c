"""PATCH in the media types Kubernetes accepts, and 415 where it refuses."""

from __future__ import annotations

import pytest

from bridge.kube.patch import merge_patch
from tests.support.asserts import assert_status
from tests.support.factories import RAY, raycluster

MERGE = {"Content-Type": "application/merge-patch+json"}
JSON_PATCH = {"Content-Type": "application/json-patch+json"}
STRATEGIC = {"Content-Type": "application/strategic-merge-patch+json"}


@pytest.fixture
def cluster(api, namespace):
    body = raycluster("p")
    body["metadata"]["labels"] = {"keep": "yes", "drop": "yes"}
    api.post(f"{RAY}/namespaces/{namespace}/rayclusters", json=body)
    return f"{RAY}/namespaces/{namespace}/rayclusters/p"


def test_merge_patch_merges_and_null_deletes(api, cluster):
    patched = api.patch(cluster, json={"metadata": {"labels": {"drop": None, "new": "1"}}}, headers=MERGE)
    assert patched.status_code == 200
    assert patched.json()["metadata"]["labels"] == {"keep": "yes", "new": "1"}
    assert api.get(cluster).json()["metadata"]["labels"] == {"keep": "yes", "new": "1"}


def test_merge_patch_of_spec_moves_generation(api, cluster):
    patched = api.patch(cluster, json={"spec": {"rayVersion": "2.10.0"}}, headers=MERGE).json()
    assert patched["metadata"]["generation"] == 2
    assert patched["spec"]["headGroupSpec"]["rayStartParams"] == {}


def test_json_patch_operations(api, cluster):
    ops = [
        {"op": "test", "path": "/metadata/labels/keep", "value": "yes"},
        {"op": "add", "path": "/metadata/labels/added", "value": "a"},
        {"op": "remove", "path": "/metadata/labels/drop"},
        {"op": "replace", "path": "/spec/rayVersion", "value": "2.11.0"},
        {"op": "copy", "from": "/metadata/labels/keep", "path": "/metadata/labels/copied"},
        {"op": "move", "from": "/metadata/labels/copied", "path": "/metadata/labels/moved"},
    ]
    patched = api.patch(cluster, json=ops, headers=JSON_PATCH)
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert body["metadata"]["labels"] == {"keep": "yes", "added": "a", "moved": "yes"}
    assert body["spec"]["rayVersion"] == "2.11.0"


def test_failed_json_patch_test_is_invalid_and_changes_nothing(api, cluster):
    before = api.get(cluster).json()
    ops = [
        {"op": "replace", "path": "/spec/rayVersion", "value": "3.0.0"},
        {"op": "test", "path": "/metadata/labels/keep", "value": "no"},
    ]
    status = assert_status(
        api.patch(cluster, json=ops, headers=JSON_PATCH),
        422,
        "Invalid",
        message="the server rejected our request due to an error in our request",
    )
    assert "is not equal to tested value no" in status["details"]["causes"][0]["message"]
    assert api.get(cluster).json() == before


def test_malformed_json_patch_is_bad_request(api, cluster):
    assert_status(
        api.patch(cluster, json=[{"op": "explode", "path": "/x"}], headers=JSON_PATCH), 400, "BadRequest"
    )
    assert_status(api.patch(cluster, data=b"{not json", headers=MERGE), 400, "BadRequest")


def test_strategic_merge_patch_on_custom_resource_is_unsupported(api, cluster):
    status = assert_status(
        api.patch(cluster, json={"metadata": {"labels": {"x": "y"}}}, headers=STRATEGIC),
        415,
        "UnsupportedMediaType",
    )
    assert status["message"] == (
        "the body of the request was in an unknown format - accepted media types "
        "include: application/json-patch+json, application/merge-patch+json, "
        "application/apply-patch+yaml"
    )


def test_strategic_merge_patch_on_configmap_merges(api, namespace):
    api.post(
        f"/api/v1/namespaces/{namespace}/configmaps", json={"metadata": {"name": "s"}, "data": {"a": "1"}}
    )
    patched = api.patch(
        f"/api/v1/namespaces/{namespace}/configmaps/s", json={"data": {"b": "2"}}, headers=STRATEGIC
    )
    assert patched.status_code == 200
    assert patched.json()["data"] == {"a": "1", "b": "2"}


def test_patch_with_stale_resource_version_is_conflict(api, cluster):
    stale = api.get(cluster).json()["metadata"]["resourceVersion"]
    api.patch(cluster, json={"metadata": {"labels": {"bump": "1"}}}, headers=MERGE)
    assert_status(
        api.patch(
            cluster, json={"metadata": {"resourceVersion": stale, "labels": {"x": "y"}}}, headers=MERGE
        ),
        409,
        "Conflict",
        {"name": "p", "group": "ray.io", "kind": "rayclusters"},
    )


def test_patch_of_missing_object_is_not_found(api, namespace):
    assert_status(
        api.patch(f"{RAY}/namespaces/{namespace}/rayclusters/none", json={}, headers=MERGE),
        404,
        "NotFound",
        {"name": "none", "group": "ray.io", "kind": "rayclusters"},
    )


def test_patch_without_patch_media_type_is_unsupported(api, cluster):
    assert_status(
        api.patch(cluster, json={}, headers={"Content-Type": "application/json"}), 415, "UnsupportedMediaType"
    )


def test_patch_cannot_change_server_owned_metadata(api, cluster):
    before = api.get(cluster).json()["metadata"]
    patched = api.patch(
        cluster, json={"metadata": {"creationTimestamp": "2000-01-01T00:00:00Z"}}, headers=MERGE
    ).json()["metadata"]
    assert patched["creationTimestamp"] == before["creationTimestamp"]
    status = assert_status(
        api.patch(cluster, json={"metadata": {"uid": "forged"}}, headers=MERGE),
        409,
        "Conflict",
        {"name": "p", "group": "ray.io", "kind": "rayclusters"},
    )
    assert status["message"].endswith(
        f"Precondition failed: UID in precondition: forged, UID in object meta: {before['uid']}"
    )
    assert api.get(cluster).json()["metadata"]["uid"] == before["uid"]


def test_dry_run_patch_stores_nothing(api, cluster):
    before = api.get(cluster).json()
    dry = api.patch(cluster, params={"dryRun": "All"}, json={"spec": {"rayVersion": "9"}}, headers=MERGE)
    assert dry.json()["spec"]["rayVersion"] == "9"
    assert api.get(cluster).json() == before


def test_events_k8s_io_patch_applies_to_the_converted_form(api, namespace):
    api.post(
        f"/api/v1/namespaces/{namespace}/events",
        json={
            "metadata": {"name": "ev"},
            "message": "first",
            "reason": "R",
            "type": "Normal",
            "involvedObject": {"kind": "RayJob", "name": "j", "namespace": namespace},
        },
    )
    patched = api.patch(
        f"/apis/events.k8s.io/v1/namespaces/{namespace}/events/ev", json={"note": "second"}, headers=MERGE
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["note"] == "second"
    assert api.get(f"/api/v1/namespaces/{namespace}/events/ev").json()["message"] == "second"


def test_merge_patch_rfc7386_examples():
    assert merge_patch({"a": "b"}, {"a": "c"}) == {"a": "c"}
    assert merge_patch({"a": "b"}, {"b": "c"}) == {"a": "b", "b": "c"}
    assert merge_patch({"a": "b"}, {"a": None}) == {}
    assert merge_patch({"a": [{"b": "c"}]}, {"a": [1]}) == {"a": [1]}
    assert merge_patch({"e": None}, {"a": 1}) == {"e": None, "a": 1}
    assert merge_patch({}, {"a": {"bb": {"ccc": None}}}) == {"a": {"bb": {}}}


APPLY = {"Content-Type": "application/apply-patch+yaml"}


def test_server_side_apply_creates_then_updates(api, namespace):
    path = f"/api/v1/namespaces/{namespace}/configmaps/applied"
    manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  a: '1'\n"
    created = api.patch(path, params={"fieldManager": "me"}, data=manifest, headers=APPLY)
    assert created.status_code == 201, created.text
    assert created.json()["data"] == {"a": "1"}
    updated = api.patch(
        path, params={"fieldManager": "me"}, data=manifest.replace("'1'", "'2'"), headers=APPLY
    )
    assert updated.status_code == 200
    assert updated.json()["data"] == {"a": "2"}
    assert updated.json()["metadata"]["uid"] == created.json()["metadata"]["uid"]


def test_server_side_apply_needs_a_field_manager(api, namespace):
    status = assert_status(
        api.patch(f"/api/v1/namespaces/{namespace}/configmaps/x", data="metadata: {name: x}", headers=APPLY),
        422,
        "Invalid",
        {"kind": "PatchOptions", "group": "meta.k8s.io"},
    )
    assert status["details"]["causes"][0]["field"] == "fieldManager"


def test_strategic_merge_patch_merges_service_ports_by_port(api, namespace):
    path = f"/api/v1/namespaces/{namespace}/services/smp"
    api.post(
        f"/api/v1/namespaces/{namespace}/services",
        json={
            "metadata": {"name": "smp"},
            "spec": {"ports": [{"name": "http", "port": 80}, {"name": "dash", "port": 8265}]},
        },
    )
    # What kubectl apply sends when one port changes and another goes away.
    patch = {
        "spec": {
            "$setElementOrder/ports": [{"port": 8265}, {"port": 443}],
            "ports": [
                {"port": 8265, "name": "dashboard"},
                {"port": 443, "name": "tls"},
                {"port": 80, "$patch": "delete"},
            ],
        }
    }
    patched = api.patch(path, json=patch, headers=STRATEGIC)
    assert patched.status_code == 200, patched.text
    ports = patched.json()["spec"]["ports"]
    assert [(p["port"], p["name"]) for p in ports] == [(8265, "dashboard"), (443, "tls")]
    assert ports[0]["targetPort"] == 8265 and ports[1]["protocol"] == "TCP"
    assert "$setElementOrder/ports" not in patched.json()["spec"]


def test_strategic_merge_patch_directives():
    from bridge.embedded.strategic import strategic_merge

    current = {
        "metadata": {"finalizers": ["a"], "labels": {"x": "1", "y": "2"}},
        "data": {"k": "v", "old": "o"},
    }
    patched = strategic_merge(
        current,
        {
            "metadata": {
                "finalizers": ["b"],
                "$deleteFromPrimitiveList/finalizers": ["a"],
                "labels": {"$patch": "replace", "z": "3"},
            },
            "data": {"$retainKeys": ["k", "new"], "new": "n"},
        },
    )
    assert patched == {
        "metadata": {"finalizers": ["b"], "labels": {"z": "3"}},
        "data": {"k": "v", "new": "n"},
    }
    assert strategic_merge(current, {"data": {"$patch": "delete"}}) == {"metadata": current["metadata"]}
