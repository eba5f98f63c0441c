"""GitOps with compute templates: ``kubectl apply`` (client-side and ``--server-side``) of a
manifest naming ``computeTemplate``, any number of times, through a real ``kuberay-bridge serve``
(gunicorn, gevent) with the embedded API and the KubeRay CRDs; ``curl`` merge and JSON patches.
Every assertion reads what the embedded API stored (the ``kubernetes`` client, not the bridge)."""

from __future__ import annotations

import json
import subprocess

import pytest
import requests
import yaml
from kubernetes import client as k8s

from tests.support.factories import RAYCLUSTERS, unique
from tests.support.fake_upstream import json_answer, running_fake_upstream
from tests.support.kubectl import Kubectl
from v2proxy.templates import template_to_configmap

NS = "default"
SMALL_RESOURCES = {"cpu": "1", "memory": "2Gi"}
LARGE_RESOURCES = {"cpu": "4", "memory": "8Gi", "nvidia.com/gpu": 1}
CLIENT_SIDE, SERVER_SIDE = (), ("--server-side",)
APPLY_MODES = pytest.mark.parametrize("mode", [CLIENT_SIDE, SERVER_SIDE], ids=["client-side", "server-side"])


def pool_toleration(pool: str) -> dict:
    return {"key": "pool", "operator": "Equal", "value": pool, "effect": "NoSchedule"}


@pytest.fixture(scope="module")
def bridge(start_bridge, crd_dir):
    return start_bridge(
        "--upstream",
        "embedded",
        "--embedded-crd-dir",
        str(crd_dir),
        "--workers",
        "2",
        "--worker-class",
        "gevent",
    )


@pytest.fixture(scope="module")
def stored_api(bridge):
    """The embedded API behind the bridge, read with the kubernetes client: what is stored."""
    upstream = requests.get(bridge.url + "/readyz", timeout=10).json()["upstream"]
    assert upstream["mode"] == "embedded"
    configuration = k8s.Configuration()
    configuration.host = upstream["url"]
    with k8s.ApiClient(configuration) as api_client:
        yield k8s.CustomObjectsApi(api_client)


@pytest.fixture(scope="module")
def templates(bridge) -> dict[str, str]:
    """Two compute templates, created through the v1 API as legacy clients do."""
    names = {"small": unique("small"), "large": unique("large")}
    bodies = {
        "small": {"cpu": 1, "memory": 2, "tolerations": [pool_toleration("small")]},
        "large": {"cpu": 4, "memory": 8, "gpu": 1, "tolerations": [pool_toleration("large")]},
    }
    for size, name in names.items():
        answer = requests.post(
            f"{bridge.url}/apis/v1/namespaces/{NS}/compute_templates",
            json={"name": name, "namespace": NS, **bodies[size]},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
    return names


@pytest.fixture(scope="module")
def kubectl(bridge, tmp_path_factory):
    return Kubectl(bridge.url, tmp_path_factory.mktemp("kubectl"), check=False)


def pod(container: str) -> dict:
    return {"spec": {"containers": [{"name": container, "image": "rayproject/ray:2.41.0"}]}}


def manifest(name: str, template: str | None, replicas: int = 1) -> dict:
    head = {"rayStartParams": {}, "template": pod("ray-head")}
    worker = {
        "groupName": "workers",
        "replicas": replicas,
        "minReplicas": 0,
        "maxReplicas": 5,
        "rayStartParams": {},
        "template": pod("ray-worker"),
    }
    if template:
        head["computeTemplate"] = worker["computeTemplate"] = template
    return {
        "apiVersion": "ray.io/v1",
        "kind": "RayCluster",
        "metadata": {"name": name, "namespace": NS},
        "spec": {"headGroupSpec": head, "workerGroupSpecs": [worker]},
    }


def apply(kubectl, tmp_path, document: dict, *flags: str) -> str:
    path = tmp_path / f"{document['metadata']['name']}.yaml"
    path.write_text(yaml.safe_dump(document))
    applied = kubectl("apply", "-f", str(path), *flags)
    assert applied.returncode == 0, applied.stderr
    return applied.stdout


def stored(stored_api, name: str) -> dict:
    return stored_api.get_namespaced_custom_object("ray.io", "v1", NS, "rayclusters", name)


def assert_template(cluster: dict, template: str, resources: dict, pool: str) -> None:
    spec = cluster["spec"]
    assert "computeTemplate" not in json.dumps(spec)
    for group in (spec["headGroupSpec"], *spec["workerGroupSpecs"]):
        pod = group["template"]
        assert pod["metadata"]["annotations"]["ray.io/compute-template"] == template
        assert pod["spec"]["containers"][0]["resources"] == {"limits": resources, "requests": resources}
        assert pod["spec"]["tolerations"] == [pool_toleration(pool)]


@APPLY_MODES
def test_applying_the_same_manifest_three_times_keeps_the_template(
    kubectl, stored_api, templates, tmp_path, mode
):
    document = manifest(unique("thrice"), templates["small"])
    for _ in range(3):
        apply(kubectl, tmp_path, document, *mode)
        assert_template(
            stored(stored_api, document["metadata"]["name"]), templates["small"], SMALL_RESOURCES, "small"
        )


@APPLY_MODES
def test_edits_between_applies_change_what_they_name(kubectl, stored_api, templates, tmp_path, mode):
    name = unique("edited")
    apply(kubectl, tmp_path, manifest(name, templates["small"]), *mode)
    apply(kubectl, tmp_path, manifest(name, templates["small"], replicas=3), *mode)
    cluster = stored(stored_api, name)
    assert cluster["spec"]["workerGroupSpecs"][0]["replicas"] == 3
    assert_template(cluster, templates["small"], SMALL_RESOURCES, "small")

    for _ in range(2):
        apply(kubectl, tmp_path, manifest(name, templates["large"], replicas=3), *mode)
        cluster = stored(stored_api, name)
        assert cluster["spec"]["workerGroupSpecs"][0]["replicas"] == 3
        assert_template(cluster, templates["large"], LARGE_RESOURCES, "large")


def test_a_manifest_that_stops_naming_the_template_takes_it_off(kubectl, stored_api, templates, tmp_path):
    # Client-side only: under server-side apply the API server's field ownership removes what
    # the manager stopped applying (the embedded API does not track managed fields).
    name = unique("released")
    apply(kubectl, tmp_path, manifest(name, templates["small"]))
    apply(kubectl, tmp_path, manifest(name, None))
    spec = stored(stored_api, name)["spec"]
    for group in (spec["headGroupSpec"], *spec["workerGroupSpecs"]):
        assert "ray.io/compute-template" not in group["template"].get("metadata", {}).get("annotations", {})
        assert "resources" not in group["template"]["spec"]["containers"][0]
        assert group["template"]["spec"].get("tolerations", []) == []


@APPLY_MODES
def test_server_dry_run_writes_nothing(kubectl, stored_api, templates, tmp_path, mode):
    name = unique("dry")
    apply(kubectl, tmp_path, manifest(name, templates["small"]), *mode)
    before = stored(stored_api, name)
    edited = manifest(name, templates["large"], replicas=4)
    output = apply(kubectl, tmp_path, edited, *mode, "--dry-run=server")
    assert "(server dry run)" in output
    assert stored(stored_api, name) == before


@APPLY_MODES
def test_a_rayjob_cluster_spec_keeps_its_template_on_every_apply(
    kubectl, stored_api, templates, tmp_path, mode
):
    name = unique("job")
    job = {
        "apiVersion": "ray.io/v1",
        "kind": "RayJob",
        "metadata": {"name": name, "namespace": NS},
        "spec": {
            "entrypoint": "python -c 'print(1)'",
            "rayClusterSpec": manifest(name, templates["small"])["spec"],
        },
    }
    for _ in range(2):
        apply(kubectl, tmp_path, job, *mode)
        stored_job = stored_api.get_namespaced_custom_object("ray.io", "v1", NS, "rayjobs", name)
        assert_template(
            {"spec": stored_job["spec"]["rayClusterSpec"]}, templates["small"], SMALL_RESOURCES, "small"
        )


def curl_patch(url: str, content_type: str, body: object) -> tuple[int, dict]:
    done = subprocess.run(
        ["curl", "-sS", "-X", "PATCH", "-H", f"Content-Type: {content_type}",
         "--data-binary", json.dumps(body), "-w", "\n%{http_code}", "--max-time", "30", url],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    payload, _, code = done.stdout.rpartition("\n")
    return int(code), json.loads(payload)


def create_plain(bridge, name: str) -> str:
    """A cluster without templates; its URL."""
    created = requests.post(bridge.url + RAYCLUSTERS.format(ns=NS), json=manifest(name, None), timeout=10)
    assert created.status_code == 201, created.text
    return f"{bridge.url}{RAYCLUSTERS.format(ns=NS)}/{name}"


def test_curl_merge_patch_naming_a_template_expands_it(bridge, stored_api, templates):
    name = unique("merge")
    url = create_plain(bridge, name)
    worker = manifest(name, templates["small"], replicas=2)["spec"]["workerGroupSpecs"][0]
    code, answer = curl_patch(url, "application/merge-patch+json", {"spec": {"workerGroupSpecs": [worker]}})
    assert code == 200, answer
    cluster = stored(stored_api, name)
    assert answer["metadata"]["resourceVersion"] == cluster["metadata"]["resourceVersion"]
    worker = cluster["spec"]["workerGroupSpecs"][0]
    assert "computeTemplate" not in worker and worker["replicas"] == 2
    assert worker["template"]["spec"]["containers"][0]["resources"]["limits"] == SMALL_RESOURCES
    assert worker["template"]["spec"]["tolerations"] == [pool_toleration("small")]
    assert "resources" not in cluster["spec"]["headGroupSpec"]["template"]["spec"]["containers"][0]


def test_curl_json_patch_naming_a_template_expands_it(bridge, stored_api, templates):
    name = unique("jsonpatch")
    url = create_plain(bridge, name)
    operations = [
        {"op": "add", "path": "/spec/headGroupSpec/computeTemplate", "value": templates["large"]},
        {"op": "add", "path": "/spec/workerGroupSpecs/0/computeTemplate", "value": templates["large"]},
    ]
    code, answer = curl_patch(url, "application/json-patch+json", operations)
    assert code == 200, answer
    assert_template(stored(stored_api, name), templates["large"], LARGE_RESOURCES, "large")


@pytest.mark.parametrize("content_type", ["application/merge-patch+json", "application/json-patch+json"])
def test_a_patch_naming_an_unknown_template_answers_as_a_create(bridge, stored_api, content_type):
    name, missing = unique("unknown"), unique("no-such-template")
    refused_create = requests.post(
        bridge.url + RAYCLUSTERS.format(ns=NS), json=manifest(name, missing), timeout=10
    )
    url = create_plain(bridge, name)
    before = stored(stored_api, name)
    if content_type == "application/merge-patch+json":
        patch: object = {"spec": manifest(name, missing)["spec"]}
    else:
        patch = [
            {"op": "add", "path": f"/spec/{group}/computeTemplate", "value": missing}
            for group in ("headGroupSpec", "workerGroupSpecs/0")
        ]
    code, answer = curl_patch(url, content_type, patch)
    assert refused_create.status_code == 422
    assert (code, answer) == (422, refused_create.json())
    assert stored(stored_api, name) == before


def test_a_strategic_merge_patch_still_gets_the_upstream_415(bridge, templates):
    url = create_plain(bridge, unique("strategic"))
    code, answer = curl_patch(
        url,
        "application/strategic-merge-patch+json",
        {"spec": {"headGroupSpec": {"computeTemplate": templates["small"]}}},
    )
    assert (code, answer["reason"]) == (415, "UnsupportedMediaType")


@pytest.fixture(scope="module")
def recording_upstream():
    with running_fake_upstream() as upstream:
        yield upstream


@pytest.fixture(scope="module")
def bridge_to_recorder(start_bridge, recording_upstream):
    return start_bridge("--upstream", recording_upstream.url, "--workers", "1")


@pytest.mark.parametrize("content_type, patch", [
    ("application/merge-patch+json", {"metadata": {"labels": {"team": "ml"}}, "spec": {"suspend": True}}),
    ("application/json-patch+json", [{"op": "replace", "path": "/spec/suspend", "value": True}]),
    ("application/apply-patch+yaml", {"apiVersion": "ray.io/v1", "kind": "RayCluster",
                                      "metadata": {"name": "plain"}, "spec": {"suspend": True}}),
])  # fmt: skip
def test_a_patch_naming_no_template_is_forwarded_untouched_in_one_call(
    bridge_to_recorder, recording_upstream, content_type, patch
):
    recording_upstream.reset()
    url = f"{bridge_to_recorder.url}{RAYCLUSTERS.format(ns=NS)}/plain?fieldManager=me"
    code, _ = curl_patch(url, content_type, patch)
    assert code == 200
    [call] = recording_upstream.calls
    assert (call.method, call.raw_uri) == ("PATCH", f"{RAYCLUSTERS.format(ns=NS)}/plain?fieldManager=me")
    assert call.headers["Content-Type"] == content_type
    assert call.body == json.dumps(patch).encode()


def optimistic_upstream(conflicts: int):
    """A script for the recording upstream: the live cluster at resourceVersion 5 (then 6, ...
    after each conflict), the "small" template, and ``conflicts`` 409 answers to updates first."""
    state = {"version": 5, "conflicts": conflicts}

    def answer(call, _number):
        if call.method == "GET" and "/configmaps/" in call.path:
            return json_answer(200, template_to_configmap({"name": "small", "cpu": 1, "memory": 2}, NS))
        if call.method == "GET":
            live = manifest("plain", None)
            live["metadata"]["resourceVersion"] = str(state["version"])
            return json_answer(200, live)
        if state["conflicts"]:
            state["conflicts"] -= 1
            state["version"] += 1
            return json_answer(
                409,
                {
                    "kind": "Status",
                    "apiVersion": "v1",
                    "status": "Failure",
                    "code": 409,
                    "reason": "Conflict",
                    "message": "the object has been modified",
                },
            )
        return json_answer(200, json.loads(call.body))

    return answer


def test_an_expanded_patch_is_an_update_at_the_version_read_retried_on_conflict(
    bridge_to_recorder, recording_upstream
):
    recording_upstream.reset(optimistic_upstream(conflicts=1))
    patch = {"spec": {"headGroupSpec": {"computeTemplate": "small"}}}
    answer = requests.patch(
        f"{bridge_to_recorder.url}{RAYCLUSTERS.format(ns=NS)}/plain",
        json=patch,
        headers={"Content-Type": "application/merge-patch+json"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    calls = recording_upstream.calls
    assert [(call.method, call.path.rsplit("/", 2)[-2]) for call in calls] == [
        ("GET", "rayclusters"), ("GET", "configmaps"), ("PUT", "rayclusters"),
        ("GET", "rayclusters"), ("GET", "configmaps"), ("PUT", "rayclusters"),
    ]  # fmt: skip
    written = [json.loads(call.body) for call in calls if call.method == "PUT"]
    assert [body["metadata"]["resourceVersion"] for body in written] == ["5", "6"]
    head = written[-1]["spec"]["headGroupSpec"]
    assert "computeTemplate" not in head
    assert head["template"]["spec"]["containers"][0]["resources"]["limits"] == SMALL_RESOURCES
    assert answer.json() == written[-1]


def test_a_patch_with_its_own_resource_version_gets_the_conflict(bridge_to_recorder, recording_upstream):
    recording_upstream.reset(optimistic_upstream(conflicts=1))
    patch = {"metadata": {"resourceVersion": "4"}, "spec": {"headGroupSpec": {"computeTemplate": "small"}}}
    answer = requests.patch(
        f"{bridge_to_recorder.url}{RAYCLUSTERS.format(ns=NS)}/plain",
        json=patch,
        headers={"Content-Type": "application/merge-patch+json"},
        timeout=30,
    )
    assert (answer.status_code, answer.json()["reason"]) == (409, "Conflict")
    assert [call.method for call in recording_upstream.calls] == ["GET", "GET", "PUT"]
    assert json.loads(recording_upstream.calls[-1].body)["metadata"]["resourceVersion"] == "4"
