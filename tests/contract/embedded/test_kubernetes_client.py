"""The official ``kubernetes`` Python client works against the embedded API unchanged."""

from __future__ import annotations

import threading

import pytest
from kubernetes import client, watch
from kubernetes.client.rest import ApiException

from tests.support.factories import raycluster


def test_custom_objects_crud(api_client, namespace):
    custom = client.CustomObjectsApi(api_client)
    args = ("ray.io", "v1", namespace, "rayclusters")
    created = custom.create_namespaced_custom_object(*args, raycluster("k8s-client"))
    assert created["metadata"]["generation"] == 1

    listed = custom.list_namespaced_custom_object(*args)
    assert [item["metadata"]["name"] for item in listed["items"]] == ["k8s-client"]

    patched = custom.patch_namespaced_custom_object(
        *args, "k8s-client", {"metadata": {"labels": {"via": "client"}}}
    )
    assert patched["metadata"]["labels"] == {"via": "client"}

    fetched = custom.get_namespaced_custom_object(*args, "k8s-client")
    fetched["spec"]["rayVersion"] = "2.10.0"
    replaced = custom.replace_namespaced_custom_object(*args, "k8s-client", fetched)
    assert replaced["metadata"]["generation"] == 2

    status = custom.patch_namespaced_custom_object_status(*args, "k8s-client", {"status": {"state": "ready"}})
    assert status["status"] == {"state": "ready"}

    custom.delete_namespaced_custom_object(*args, "k8s-client")
    with pytest.raises(ApiException) as missing:
        custom.get_namespaced_custom_object(*args, "k8s-client")
    assert missing.value.status == 404


def test_core_configmaps_and_namespaces(api_client):
    core = client.CoreV1Api(api_client)
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name="typed-client")))
    try:
        assert core.read_namespace("typed-client").status.phase == "Active"
        body = client.V1ConfigMap(
            metadata=client.V1ObjectMeta(name="settings", labels={"a": "b"}), data={"key": "value"}
        )
        core.create_namespaced_config_map("typed-client", body)
        listed = core.list_namespaced_config_map("typed-client", label_selector="a=b")
        assert [cm.data for cm in listed.items] == [{"key": "value"}]
        assert listed.metadata.resource_version.isdigit()
        status = core.delete_namespaced_config_map("settings", "typed-client")
        assert status["status"] == "Success"
        with pytest.raises(ApiException) as conflict:
            core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name="typed-client")))
        assert conflict.value.status == 409
    finally:
        core.delete_namespace("typed-client")
    with pytest.raises(ApiException) as gone:
        core.read_namespace("typed-client")
    assert gone.value.status == 404


def test_watch_sees_an_object_created_by_another_client(api_client, api, namespace):
    core = client.CoreV1Api(api_client)
    start_rv = core.list_namespaced_config_map(namespace).metadata.resource_version

    def create_later():
        api.post(f"/api/v1/namespaces/{namespace}/configmaps", json={"metadata": {"name": "seen"}})

    creator = threading.Timer(0.2, create_later)
    creator.start()
    seen = []
    stream = watch.Watch()
    for event in stream.stream(
        core.list_namespaced_config_map, namespace, resource_version=start_rv, timeout_seconds=20
    ):
        seen.append((event["type"], event["object"].metadata.name))
        stream.stop()
    creator.join()
    assert seen == [("ADDED", "seen")]


def test_watch_of_custom_objects_reports_changes_in_order(api_client, api, namespace):
    custom = client.CustomObjectsApi(api_client)
    args = ("ray.io", "v1", namespace, "rayclusters")
    created = custom.create_namespaced_custom_object(*args, raycluster("w"))

    def change_later():
        custom.patch_namespaced_custom_object(*args, "w", {"metadata": {"labels": {"x": "1"}}})
        custom.delete_namespaced_custom_object(*args, "w")

    changer = threading.Timer(0.2, change_later)
    changer.start()
    seen = []
    stream = watch.Watch()
    since = str(int(created["metadata"]["resourceVersion"]) - 1)  # just before the create
    for event in stream.stream(
        custom.list_namespaced_custom_object, *args, resource_version=since, timeout_seconds=20
    ):
        seen.append(event["type"])
        if event["type"] == "DELETED":
            stream.stop()
    changer.join()
    assert seen == ["ADDED", "MODIFIED", "DELETED"]


def test_watch_from_a_compacted_resource_version_raises_410(crd_dir):
    from bridge.embedded import start

    with start(history=3) as server:
        configuration = client.Configuration()
        configuration.host = server.url
        with client.ApiClient(configuration) as api_client:
            core = client.CoreV1Api(api_client)
            first = core.create_namespaced_config_map(
                "default", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="c0"))
            )
            for i in range(1, 6):
                core.create_namespaced_config_map(
                    "default", client.V1ConfigMap(metadata=client.V1ObjectMeta(name=f"c{i}"))
                )
            stream = watch.Watch()
            with pytest.raises(ApiException) as too_old:
                for _ in stream.stream(
                    core.list_namespaced_config_map,
                    "default",
                    resource_version=first.metadata.resource_version,
                    timeout_seconds=10,
                ):
                    pass
            assert too_old.value.status == 410
