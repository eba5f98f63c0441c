"""kubectl beyond get/create/delete, against a real ``kuberay-bridge serve`` (gunicorn) with
the embedded API (KubeRay CRDs loaded) as its child: discovery lists exactly what the bridge
serves (``api-resources``, ``get all``, ``explain``; the ``kubernetes`` DynamicClient, which
reads the classic per-group documents; a protobuf ``Accept``), and ``describe`` / ``kubectl
events`` show the events of Ray objects, never those of a Pod.

Objects and events are written straight to the embedded API, as the operator would, and read
through the bridge with the real kubectl; each test has its own discovery cache."""

from __future__ import annotations

import itertools
import queue
import subprocess
import threading
from collections.abc import Iterator

import pytest
import requests
from kubernetes import client as k8s
from kubernetes import dynamic

from tests.support.kubectl import Kubectl

_names = itertools.count(1)
SERVED = {
    ("events", "v1"),
    ("events", "events.k8s.io/v1"),
    ("rayclusters", "ray.io/v1"),
    ("rayjobs", "ray.io/v1"),
    ("rayservices", "ray.io/v1"),
}
HEAD = {
    "rayStartParams": {},
    "template": {"spec": {"containers": [{"name": "ray-head", "image": "rayproject/ray:2.9.0"}]}},
}
SPECS = {
    "RayCluster": {"rayVersion": "2.9.0", "headGroupSpec": HEAD},
    "RayJob": {"entrypoint": "python job.py"},
    "RayService": {"rayClusterConfig": {"rayVersion": "2.9.0", "headGroupSpec": HEAD}},
}


@pytest.fixture(scope="module")
def bridge(start_bridge, crd_dir):
    return start_bridge("--upstream", "embedded", "--embedded-crd-dir", str(crd_dir), "--workers", "1")


@pytest.fixture(scope="module")
def upstream_url(bridge) -> str:
    """The embedded API behind the bridge, where the "operator" writes."""
    return requests.get(bridge.url + "/readyz", timeout=5).json()["upstream"]["url"]


@pytest.fixture
def kubectl(bridge, tmp_path) -> Kubectl:
    return Kubectl(bridge.url, tmp_path)


@pytest.fixture
def namespace(upstream_url) -> Iterator[str]:
    name = f"kubectl-{next(_names)}"
    created = requests.post(
        f"{upstream_url}/api/v1/namespaces", json={"metadata": {"name": name}}, timeout=10
    )
    assert created.status_code == 201, created.text
    yield name
    requests.delete(f"{upstream_url}/api/v1/namespaces/{name}", timeout=10)


POD_WATCHED = {"apiVersion": "v1", "kind": "Pod", "name": "watched"}


def create_ray(upstream_url: str, namespace: str, kind: str, name: str) -> dict:
    plural = kind.lower() + "s"
    body = {"apiVersion": "ray.io/v1", "kind": kind, "metadata": {"name": name}, "spec": SPECS[kind]}
    created = requests.post(
        f"{upstream_url}/apis/ray.io/v1/namespaces/{namespace}/{plural}", json=body, timeout=10
    )
    assert created.status_code == 201, created.text
    return created.json()


def create_event(upstream_url: str, namespace: str, about: dict, message: str) -> str:
    """A core Event about ``about`` (apiVersion, kind, name, uid), as a controller writes one."""
    name = f"{about['name']}.{next(_names)}"
    event = {
        "metadata": {"name": name},
        "involvedObject": {**about, "namespace": namespace},
        "reason": "Tested",
        "message": message,
        "type": "Normal",
        "source": {"component": "e2e"},
    }
    created = requests.post(f"{upstream_url}/api/v1/namespaces/{namespace}/events", json=event, timeout=10)
    assert created.status_code == 201, created.text
    return name


def about(obj: dict) -> dict:
    metadata = obj["metadata"]
    return {
        "apiVersion": obj["apiVersion"],
        "kind": obj["kind"],
        "name": metadata["name"],
        "uid": metadata["uid"],
    }


def test_api_resources_lists_exactly_what_the_bridge_serves(kubectl):
    listed = kubectl("api-resources", "--no-headers", "-o", "wide").stdout.splitlines()
    rows = {}
    for line in listed:
        fields = line.split()
        name = fields[0]
        api_version = next(field for field in fields if field == "v1" or "/" in field)
        rows[(name, api_version)] = line
    assert set(rows) == SERVED
    assert " get,list,watch" in rows[("events", "v1")]
    assert "create,delete,deletecollection,get,list,patch,update,watch" in rows[("rayclusters", "ray.io/v1")]


def test_every_listed_resource_can_be_listed(kubectl, namespace):
    names = kubectl("api-resources", "-o", "name").stdout.split()
    assert len(names) == len(SERVED)
    for name in names:
        kubectl("get", name, "-n", namespace)
        kubectl("get", name, "-A")


def test_get_all_shows_the_ray_objects(kubectl, upstream_url, namespace):
    for kind in SPECS:
        create_ray(upstream_url, namespace, kind, f"all-{kind.lower()}")
    shown = kubectl("get", "all", "-A", "-o", "name").stdout.split()
    for kind in SPECS:
        assert f"{kind.lower()}.ray.io/all-{kind.lower()}" in shown
    assert kubectl("get", "all", "-n", namespace).returncode == 0


@pytest.mark.parametrize("kind", sorted(SPECS))
def test_describe_shows_the_events_of_the_ray_object(kubectl, upstream_url, namespace, kind):
    obj = create_ray(upstream_url, namespace, kind, f"described-{kind.lower()}")
    create_event(upstream_url, namespace, about(obj), f"ray event of {kind}")
    pod = {"apiVersion": "v1", "kind": "Pod", "name": obj["metadata"]["name"], "uid": obj["metadata"]["uid"]}
    create_event(upstream_url, namespace, pod, "pod event with the same name and uid")

    described = kubectl("describe", kind.lower(), obj["metadata"]["name"], "-n", namespace).stdout
    events = described.split("\nEvents:", 1)[1]
    assert f"ray event of {kind}" in events
    assert "pod event" not in events


def test_kubectl_events_show_ray_events_only(kubectl, upstream_url, namespace):
    cluster = create_ray(upstream_url, namespace, "RayCluster", "evented")
    create_event(upstream_url, namespace, about(cluster), "the cluster scaled")
    pod_event = create_event(
        upstream_url, namespace, {"apiVersion": "v1", "kind": "Pod", "name": "evented"}, "a pod was scheduled"
    )

    for args in (
        ("events", "-n", namespace),
        ("events", "-n", namespace, "--for", "raycluster/evented"),
        ("events", "-A"),
        ("get", "events", "-n", namespace),
        ("get", "events", "-A"),
        ("get", "events.events.k8s.io", "-A"),
        ("get", "events", "-n", namespace, "--field-selector", "involvedObject.kind=Pod"),
    ):
        shown = kubectl(*args).stdout
        assert "a pod was scheduled" not in shown, args
        if "--field-selector" not in args:
            assert "the cluster scaled" in shown, args

    missing = kubectl("get", "event", pod_event, "-n", namespace, check=False)
    assert missing.returncode == 1 and "NotFound" in missing.stderr
    ray_event = next(
        line.split("/", 1)[1]
        for line in kubectl("get", "events", "-n", namespace, "-o", "name").stdout.split()
    )
    shown = kubectl("get", "event", ray_event, "-n", namespace, "-o", "name").stdout
    assert shown.strip() == f"event/{ray_event}"


def test_watch_of_events_shows_ray_events_only(kubectl, upstream_url, namespace):
    """kubectl prints nothing until its watch is open, so events are written in pairs (a Pod's
    first, then a Ray object's) until lines arrive; every line must name a Ray event."""
    watch = kubectl.command("get", "events", "-n", namespace, "--watch-only", "-o", "name")
    process = subprocess.Popen(
        watch, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=kubectl.env
    )
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line.strip()) for line in process.stdout], daemon=True).start()
    cluster = create_ray(upstream_url, namespace, "RayCluster", "watched")
    ray_events: set[str] = set()
    shown: list[str] = []
    try:
        for _ in range(40):
            create_event(upstream_url, namespace, POD_WATCHED, "pod")
            ray_events.add("event/" + create_event(upstream_url, namespace, about(cluster), "ray"))
            try:
                shown.append(lines.get(timeout=1.5))
                break
            except queue.Empty:
                continue
        while shown:  # the lines already on their way
            try:
                shown.append(lines.get(timeout=3))
            except queue.Empty:
                break
    finally:
        process.kill()
        process.wait()
    assert shown, process.stderr.read()
    assert set(shown) <= ray_events


def test_explain_reads_the_crd_schema(kubectl):
    explained = kubectl("explain", "raycluster.spec").stdout
    assert "KIND:       RayCluster" in explained
    assert "headGroupSpec" in explained


def test_dynamic_client_discovers_only_what_is_served(bridge, tmp_path):
    configuration = k8s.Configuration()
    configuration.host = bridge.url
    with k8s.ApiClient(configuration) as api_client:
        client = dynamic.DynamicClient(api_client, cache_file=str(tmp_path / "discovery.json"))
        found = {
            (resource.name, resource.group_version) for resource in client.resources.search() if resource.name
        }
        assert found == {(name, api_version) for name, api_version in SERVED}
        events = client.resources.get(api_version="v1", kind="Event")
        assert events.verbs == ["get", "list", "watch"]
        with pytest.raises(dynamic.exceptions.ResourceNotFoundError):
            client.resources.get(api_version="v1", kind="Service")


def test_protobuf_accept_is_answered_with_the_rewritten_json(bridge):
    for path in ("/api", "/api/v1", "/apis", "/apis/events.k8s.io/v1"):
        answer = requests.get(
            bridge.url + path, headers={"Accept": "application/vnd.kubernetes.protobuf"}, timeout=10
        )
        assert answer.status_code == 200, path
        assert answer.headers["Content-Type"] == "application/json", path
    resources = requests.get(bridge.url + "/api/v1", timeout=10).json()["resources"]
    assert [resource["name"] for resource in resources] == ["events"]
