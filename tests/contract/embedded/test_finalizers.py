"""Finalizers: DELETE marks the object and waits until the last finalizer is removed."""

from __future__ import annotations

import json

from tests.support.asserts import assert_status
from tests.support.factories import RAY, raycluster

MERGE = {"Content-Type": "application/merge-patch+json"}


def _with_finalizer(api, namespace, name="guarded"):
    body = raycluster(name)
    body["metadata"]["finalizers"] = ["ray.io/cleanup"]
    created = api.post(f"{RAY}/namespaces/{namespace}/rayclusters", json=body)
    assert created.status_code == 201, created.text
    return f"{RAY}/namespaces/{namespace}/rayclusters/{name}", created.json()


def test_delete_with_finalizers_marks_the_object(api, namespace):
    path, created = _with_finalizer(api, namespace)
    answer = api.delete(path)
    assert answer.status_code == 200  # apiserver's deleteResource: 202 only for orphanDependents=false
    meta = answer.json()["metadata"]
    assert meta["deletionTimestamp"] and meta["deletionGracePeriodSeconds"] == 0
    assert meta["generation"] == created["metadata"]["generation"] + 1
    assert api.get(path).json()["metadata"]["deletionTimestamp"] == meta["deletionTimestamp"]
    again = api.delete(path, json={"orphanDependents": False})  # deleting again changes nothing
    assert again.status_code == 202
    assert again.json()["metadata"]["resourceVersion"] == meta["resourceVersion"]


def test_removing_the_last_finalizer_deletes_the_object(api, namespace):
    path, created = _with_finalizer(api, namespace)
    api.delete(path)
    events = api.get(
        f"{RAY}/namespaces/{namespace}/rayclusters",
        params={
            "watch": "true",
            "resourceVersion": created["metadata"]["resourceVersion"],
            "timeoutSeconds": 1,
        },
        stream=True,
    )
    removed = api.patch(path, json={"metadata": {"finalizers": None}}, headers=MERGE)
    assert removed.status_code == 200
    assert_status(api.get(path), 404, "NotFound")
    types = [json.loads(line)["type"] for line in events.iter_lines() if line]
    assert types == ["MODIFIED", "DELETED"]


def test_no_new_finalizers_while_being_deleted(api, namespace):
    path, _ = _with_finalizer(api, namespace)
    api.delete(path)
    status = assert_status(
        api.patch(path, json={"metadata": {"finalizers": ["ray.io/cleanup", "other"]}}, headers=MERGE),
        422,
        "Invalid",
        {"name": "guarded", "kind": "RayCluster"},
    )
    assert status["details"]["causes"][0]["field"] == "metadata.finalizers"


def test_delete_collection_waits_for_finalizers_too(api, namespace):
    path, _ = _with_finalizer(api, namespace, "kept")
    api.post(f"{RAY}/namespaces/{namespace}/rayclusters", json=raycluster("gone"))
    answer = api.delete(f"{RAY}/namespaces/{namespace}/rayclusters").json()
    assert sorted(i["metadata"]["name"] for i in answer["items"]) == ["gone", "kept"]
    remaining = api.get(f"{RAY}/namespaces/{namespace}/rayclusters").json()["items"]
    assert [i["metadata"]["name"] for i in remaining] == ["kept"]
    assert remaining[0]["metadata"]["deletionTimestamp"]
