"""The status subresource: the main resource ignores status, ``/status`` changes only status."""

from __future__ import annotations

import json

import pytest

from tests.support.asserts import assert_status
from tests.support.factories import RAY, raycluster

MERGE = {"Content-Type": "application/merge-patch+json"}


@pytest.fixture
def path(api, namespace):
    api.post(f"{RAY}/namespaces/{namespace}/rayclusters", json=raycluster("s"))
    return f"{RAY}/namespaces/{namespace}/rayclusters/s"


def test_create_drops_status(api, namespace):
    body = raycluster("born")
    body["status"] = {"state": "ready"}
    created = api.post(f"{RAY}/namespaces/{namespace}/rayclusters", json=body).json()
    assert "status" not in created


def test_status_put_changes_only_status(api, path):
    obj = api.get(path).json()
    obj["status"] = {"state": "ready"}
    obj["spec"]["rayVersion"] = "9.9.9"
    obj["metadata"]["labels"] = {"sneaky": "yes"}
    updated = api.put(f"{path}/status", json=obj)
    assert updated.status_code == 200, updated.text
    body = updated.json()
    assert body["status"] == {"state": "ready"}
    assert body["spec"]["rayVersion"] == "2.9.0"
    assert "labels" not in body["metadata"]
    assert body["metadata"]["generation"] == 1
    assert int(body["metadata"]["resourceVersion"]) > int(obj["metadata"]["resourceVersion"])


def test_main_put_keeps_stored_status(api, path):
    api.patch(f"{path}/status", json={"status": {"state": "ready"}}, headers=MERGE)
    obj = api.get(path).json()
    obj["status"] = {"state": "failed"}
    obj["spec"]["rayVersion"] = "2.10.0"
    updated = api.put(path, json=obj).json()
    assert updated["status"] == {"state": "ready"}
    assert updated["spec"]["rayVersion"] == "2.10.0"
    assert updated["metadata"]["generation"] == 2


def test_main_patch_ignores_status(api, path):
    api.patch(f"{path}/status", json={"status": {"state": "ready"}}, headers=MERGE)
    patched = api.patch(
        path, json={"status": {"state": "hacked"}, "metadata": {"labels": {"a": "b"}}}, headers=MERGE
    ).json()
    assert patched["status"] == {"state": "ready"}
    assert patched["metadata"]["labels"] == {"a": "b"}


def test_status_patch_does_not_move_generation(api, path):
    patched = api.patch(f"{path}/status", json={"status": {"state": "ready"}}, headers=MERGE).json()
    assert patched["metadata"]["generation"] == 1
    assert api.get(f"{path}/status").json()["status"] == {"state": "ready"}


def test_status_of_missing_object_is_not_found(api, namespace):
    assert_status(
        api.patch(
            f"{RAY}/namespaces/{namespace}/rayclusters/none/status", json={"status": {}}, headers=MERGE
        ),
        404,
        "NotFound",
        {"name": "none", "group": "ray.io", "kind": "rayclusters"},
    )


def test_status_cannot_be_deleted_or_posted(api, path):
    assert_status(api.delete(f"{path}/status"), 405, "MethodNotAllowed")
    assert_status(api.post(f"{path}/status", json={}), 405, "MethodNotAllowed")


def test_update_that_changes_nothing_writes_nothing(api, path):
    """A PUT whose only change is status (ignored), or an empty patch, is a no-op as in
    Kubernetes: same resourceVersion, and a watch from before sees no MODIFIED event."""
    obj = api.get(path).json()
    rv = obj["metadata"]["resourceVersion"]
    obj["status"] = {"state": "ready"}
    assert api.put(path, json=obj).json()["metadata"]["resourceVersion"] == rv
    assert api.patch(path, json={"metadata": {}}, headers=MERGE).json()["metadata"]["resourceVersion"] == rv
    assert api.put(f"{path}/status", json=api.get(path).json()).json()["metadata"]["resourceVersion"] == rv
    marker = api.patch(path, json={"metadata": {"labels": {"seen": "yes"}}}, headers=MERGE).json()
    watched = api.get(
        path.rsplit("/", 1)[0],
        params={"watch": "true", "resourceVersion": rv, "fieldSelector": "metadata.name=s"},
        stream=True,
    )
    first = json.loads(next(line for line in watched.iter_lines() if line))
    watched.close()
    assert first["type"] == "MODIFIED"
    assert first["object"]["metadata"]["resourceVersion"] == marker["metadata"]["resourceVersion"]
