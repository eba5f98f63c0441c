"""Real clients against a real ``kuberay-bridge serve`` (gunicorn, 2 gevent workers) with the
embedded API as its child process: the official ``kubernetes`` Python client, ``kubectl
--server``, and ``requests`` — including a watch left idle for longer than every timeout the
bridge configures."""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time

import pytest
import requests
from kubernetes import client as k8s
from kubernetes import watch as k8s_watch

from tests.support.factories import RAYCLUSTERS, raycluster, unique
from tests.support.kubectl import Kubectl
from tests.support.metrics import sample
from tests.support.waiting import wait_until

GROUP, VERSION, PLURAL = "ray.io", "v1", "rayclusters"
READ_TIMEOUT = 2  # the bridge's read_timeout and gunicorn timeout are set this small here
WORKER_TIMEOUT = 3


@pytest.fixture(scope="module")
def bridge(start_bridge, crd_dir):
    return start_bridge(
        "--upstream", "embedded",
        "--embedded-crd-dir", str(crd_dir),
        "--workers", "2",
        "--worker-class", "gevent",
        "--read-timeout", str(READ_TIMEOUT),
        "--worker-timeout", str(WORKER_TIMEOUT),
    )  # fmt: skip


@pytest.fixture(scope="module")
def upstream_url(bridge) -> str:
    """The embedded API behind the bridge: "another client" writes there directly."""
    ready = requests.get(bridge.url + "/readyz", timeout=5).json()
    assert ready["upstream"]["mode"] == "embedded"
    return ready["upstream"]["url"]


@pytest.fixture(scope="module")
def api(bridge):
    configuration = k8s.Configuration()
    configuration.host = bridge.url
    with k8s.ApiClient(configuration) as api_client:
        yield k8s.CustomObjectsApi(api_client)


def test_errors_carry_the_reason_phrases_kubernetes_sends(api, bridge):
    with pytest.raises(k8s.ApiException) as missing:
        api.get_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, unique("absent"))
    assert (missing.value.status, missing.value.reason) == (404, "Not Found")
    refused = requests.get(bridge.url + "/api/v1/namespaces/default/secrets", timeout=5)
    assert (refused.status_code, refused.reason) == (404, "Not Found")
    legacy = requests.put(bridge.url + "/apis/v1/namespaces/default/clusters/x", timeout=5)
    assert (legacy.status_code, legacy.reason) == (501, "Not Implemented")


def test_kubernetes_client_crud(api):
    name = unique("py")
    created = api.create_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, raycluster(name))
    assert created["metadata"]["name"] == name
    fetched = api.get_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, name)
    assert fetched["metadata"]["uid"] == created["metadata"]["uid"]

    patched = api.patch_namespaced_custom_object(
        GROUP, VERSION, "default", PLURAL, name, {"metadata": {"labels": {"stage": "patched"}}}
    )
    assert patched["metadata"]["labels"]["stage"] == "patched"
    patched["metadata"]["labels"]["stage"] = "replaced"
    replaced = api.replace_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, name, patched)
    assert replaced["metadata"]["labels"]["stage"] == "replaced"

    api.delete_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, name)
    with pytest.raises(k8s.ApiException) as missing:
        api.get_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, name)
    assert missing.value.status == 404
    assert json.loads(missing.value.body)["reason"] == "NotFound"


def test_kubernetes_client_list_with_selectors_and_pagination(api):
    run = unique("run")
    names = sorted(unique("pg") for _ in range(5))
    for name in names:
        api.create_namespaced_custom_object(
            GROUP, VERSION, "default", PLURAL, raycluster(name, labels={"run": run})
        )
    seen: list[str] = []
    token = None
    while True:
        page = api.list_namespaced_custom_object(
            GROUP, VERSION, "default", PLURAL, label_selector=f"run={run}", limit=2, _continue=token
        )
        seen += [item["metadata"]["name"] for item in page["items"]]
        token = page["metadata"].get("continue")
        if not token:
            break
    assert sorted(seen) == names
    everywhere = api.list_cluster_custom_object(GROUP, VERSION, PLURAL, label_selector=f"run={run}")
    assert sorted(item["metadata"]["name"] for item in everywhere["items"]) == names


def test_kubernetes_client_watch_sees_an_object_created_by_another_client(api, bridge):
    run, name = unique("pywatch"), unique("watched")
    listed = api.list_namespaced_custom_object(GROUP, VERSION, "default", PLURAL, label_selector=f"run={run}")
    created: list[int] = []

    def create_while_watching() -> None:
        # Usually lands while the watch is open (a live event); if the machine is slow and it
        # lands first, the watch from the list's resourceVersion still replays it: no flake.
        time.sleep(0.5)
        answer = requests.post(
            bridge.url + RAYCLUSTERS.format(ns="default"),
            json=raycluster(name, labels={"run": run}),
            timeout=10,
        )
        created.append(answer.status_code)

    creator = threading.Thread(target=create_while_watching, daemon=True)
    creator.start()
    watcher = k8s_watch.Watch()
    seen = []
    for event in watcher.stream(
        api.list_namespaced_custom_object, GROUP, VERSION, "default", PLURAL,
        label_selector=f"run={run}", resource_version=listed["metadata"]["resourceVersion"],
        timeout_seconds=15,
    ):  # fmt: skip
        seen.append((event["type"], event["object"]["metadata"]["name"]))
        watcher.stop()
    creator.join(10)
    assert created == [201]
    assert seen == [("ADDED", name)]


def test_an_idle_watch_outlives_every_bridge_timeout(bridge, upstream_url):
    run = unique("idle")
    url = bridge.url + RAYCLUSTERS.format(ns="default")
    listed = requests.get(url, params={"labelSelector": f"run={run}"}, timeout=10).json()
    query = {
        "watch": "true",
        "labelSelector": f"run={run}",
        "resourceVersion": listed["metadata"]["resourceVersion"],
    }
    with requests.get(url, params=query, stream=True, timeout=(5, 30)) as response:
        assert response.status_code == 200
        time.sleep(max(READ_TIMEOUT, WORKER_TIMEOUT) + 1.5)  # idle past every timeout
        name = unique("late")
        created = requests.post(
            upstream_url + RAYCLUSTERS.format(ns="default"),
            json=raycluster(name, labels={"run": run}),
            timeout=10,
        )
        assert created.status_code == 201, created.text
        event = json.loads(next(response.iter_lines()))
    assert event["type"] == "ADDED" and event["object"]["metadata"]["name"] == name


@pytest.fixture(scope="module")
def kubectl(bridge, tmp_path_factory):
    return Kubectl(bridge.url, tmp_path_factory.mktemp("kube"), check=False)


def test_kubectl_create_get_delete(kubectl):
    name = unique("kubectl")
    manifest = json.dumps(raycluster(name))
    created = kubectl("create", "-n", "default", "-f", "-", stdin=manifest)
    assert created.returncode == 0, created.stderr
    assert f"raycluster.ray.io/{name} created" in created.stdout

    listed = kubectl("get", "rayclusters", "-n", "default", "-o", "json")
    assert listed.returncode == 0, listed.stderr
    assert name in [item["metadata"]["name"] for item in json.loads(listed.stdout)["items"]]
    table = kubectl("get", "rayclusters", "-A")
    assert table.returncode == 0 and name in table.stdout

    deleted = kubectl("delete", "raycluster", name, "-n", "default")
    assert deleted.returncode == 0, deleted.stderr
    missing = kubectl("get", "raycluster", name, "-n", "default")
    assert missing.returncode != 0 and "NotFound" in missing.stderr


def test_kubectl_watch(kubectl, bridge):
    run, name = unique("kwatch"), unique("kwatched")
    process = subprocess.Popen(
        [*kubectl.base, "get", "rayclusters", "-n", "default", "-l", f"run={run}", "--watch", "-o", "name"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()
    try:
        created = requests.post(
            bridge.url + RAYCLUSTERS.format(ns="default"),
            json=raycluster(name, labels={"run": run}),
            timeout=10,
        )
        assert created.status_code == 201
        first = lines.get(timeout=20)
        assert first.strip() == f"raycluster.ray.io/{name}"
    finally:
        process.kill()
        process.wait()


def test_request_log_line_names_the_request_id(bridge):
    response = requests.get(
        bridge.url + RAYCLUSTERS.format(ns="default"), headers={"X-Request-Id": "e2e-log-7"}, timeout=10
    )
    assert response.headers["X-Request-Id"] == "e2e-log-7"

    def logged() -> bool:
        for line in bridge.log().splitlines():
            if '"e2e-log-7"' in line:
                entry = json.loads(line)
                return entry["status"] == 200 and entry["route"] == "ray" and entry["dialect"] == "v2"
        return False

    assert wait_until(logged, deadline_seconds=10)


def test_metrics_add_up_across_workers(bridge):
    labels = {"dialect": "v2", "route": "ray", "method": "GET", "code": "200"}
    name = "kuberay_bridge_requests_total"
    before = sample(requests.get(bridge.url + "/metrics", timeout=10).text, name, **labels)
    for _ in range(10):
        requests.get(bridge.url + RAYCLUSTERS.format(ns="default"), timeout=10).raise_for_status()

    def counted() -> bool:
        text = requests.get(bridge.url + "/metrics", timeout=10).text
        return sample(text, name, **labels) - before == 10

    assert wait_until(counted, deadline_seconds=10)
