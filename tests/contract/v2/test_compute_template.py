"""Compute templates through the bridge (Flask test client) against the embedded API: what a
user sees is the object Kubernetes stored, so every assertion reads it back from the embedded
API directly, not through the bridge."""

from __future__ import annotations

import json

import pytest
import requests
import yaml

from tests.support.factories import rayjob, unique
from v2proxy.templates import template_to_configmap

NS = "default"


@pytest.fixture(scope="module")
def bridge(embedded):
    from bridge.app import create_app
    from bridge.core.config import BridgeConfig

    app = create_app(BridgeConfig(upstream=embedded.url))
    return app.test_client()


@pytest.fixture(scope="module")
def kube(embedded):
    """The embedded API, called directly (what is really stored)."""
    session = requests.Session()
    session.base_url = embedded.url
    yield session
    session.close()


def k8s(kube, method: str, path: str, **kwargs) -> requests.Response:
    return kube.request(method, kube.base_url + path, timeout=10, **kwargs)


@pytest.fixture(scope="module")
def gpu_template(kube) -> str:
    """A template as the v1 API (and the Go server) writes it."""
    name = unique("gpu-small")
    configmap = template_to_configmap(
        {
            "name": name,
            "cpu": 2,
            "memory": 4,
            "gpu": 1,
            "extended_resources": {"vpc.amazonaws.com/efa": 1},
            "tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}],
        },
        NS,
    )
    answer = k8s(kube, "POST", f"/api/v1/namespaces/{NS}/configmaps", json=configmap)
    assert answer.status_code == 201, answer.text
    return name


def templated_raycluster(name: str, head_template: str | None, worker_template: str | None) -> dict:
    head: dict = {
        "rayStartParams": {},
        "template": {
            "spec": {
                "containers": [
                    {"name": "ray-head", "image": "rayproject/ray:2.41.0"},
                    {"name": "log-shipper", "image": "fluent/fluent-bit:3"},
                ],
                "tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}],
            }
        },
    }
    worker: dict = {
        "groupName": "gpu",
        "replicas": 1,
        "minReplicas": 0,
        "maxReplicas": 2,
        "rayStartParams": {},
        "template": {"spec": {"containers": [{"name": "ray-worker", "image": "rayproject/ray:2.41.0"}]}},
    }
    if head_template:
        head["computeTemplate"] = head_template
    if worker_template:
        worker["computeTemplate"] = worker_template
    return {
        "apiVersion": "ray.io/v1",
        "kind": "RayCluster",
        "metadata": {"name": name},
        "spec": {"headGroupSpec": head, "workerGroupSpecs": [worker]},
    }


def stored(kube, plural: str, name: str) -> requests.Response:
    return k8s(kube, "GET", f"/apis/ray.io/v1/namespaces/{NS}/{plural}/{name}")


def assert_expanded(cluster_spec: dict, template: str) -> None:
    head = cluster_spec["headGroupSpec"]
    worker = cluster_spec["workerGroupSpecs"][0]
    expected = {"cpu": "2", "memory": "4Gi", "nvidia.com/gpu": 1, "vpc.amazonaws.com/efa": 1}
    for grp in (head, worker):
        assert "computeTemplate" not in grp
        assert grp["template"]["metadata"]["annotations"]["ray.io/compute-template"] == template
        ray = grp["template"]["spec"]["containers"][0]
        assert ray["resources"] == {"limits": expected, "requests": expected}
    assert "resources" not in head["template"]["spec"]["containers"][1]  # the sidecar
    # The head already tolerated GPUs: the template's identical toleration is not added twice.
    assert len(head["template"]["spec"]["tolerations"]) == 1
    assert worker["template"]["spec"]["tolerations"] == [
        {"key": "nvidia.com/gpu", "operator": "Exists", "value": "", "effect": "NoSchedule"}
    ]


@pytest.mark.parametrize("content_type", ["application/yaml", "text/yaml"])
def test_yaml_create_expands_templates(bridge, kube, gpu_template, content_type):
    name = unique("yaml")
    body = yaml.safe_dump(templated_raycluster(name, gpu_template, gpu_template))
    answer = bridge.post(f"/apis/ray.io/v1/namespaces/{NS}/rayclusters", data=body, content_type=content_type)
    assert answer.status_code == 201, answer.get_data(as_text=True)
    created = stored(kube, "rayclusters", name)
    assert created.status_code == 200
    assert_expanded(created.json()["spec"], gpu_template)


def test_json_create_without_content_type_expands_templates(bridge, kube, gpu_template):
    name = unique("bare")
    body = json.dumps(templated_raycluster(name, gpu_template, gpu_template)).encode()
    answer = bridge.post(f"/apis/ray.io/v1/namespaces/{NS}/rayclusters", data=body)
    assert answer.status_code == 201, answer.get_data(as_text=True)
    assert_expanded(stored(kube, "rayclusters", name).json()["spec"], gpu_template)


def test_strict_field_validation_accepts_a_template(bridge, kube, gpu_template):
    # Go left ``computeTemplate`` in the body: Strict failed and Warn answered with a warning.
    name = unique("strict")
    answer = bridge.post(
        f"/apis/ray.io/v1/namespaces/{NS}/rayclusters?fieldValidation=Strict",
        json=templated_raycluster(name, gpu_template, gpu_template),
    )
    assert answer.status_code == 201, answer.get_data(as_text=True)
    assert "computeTemplate" not in answer.headers.get("Warning", "")


def test_yaml_without_template_in_any_yaml_type_is_created(bridge, kube):
    name = unique("plain-yaml")
    body = yaml.safe_dump(templated_raycluster(name, None, None))
    answer = bridge.post(
        f"/apis/ray.io/v1/namespaces/{NS}/rayclusters", data=body, content_type="application/x-yaml"
    )
    assert answer.status_code == 201, answer.get_data(as_text=True)
    assert stored(kube, "rayclusters", name).json()["spec"]["workerGroupSpecs"][0]["groupName"] == "gpu"


def test_rayjob_create_expands_templates(bridge, kube, gpu_template):
    name = unique("job")
    cluster = templated_raycluster("unused", gpu_template, gpu_template)
    job = rayjob(name, "python -c 'print(1)'", rayClusterSpec=cluster["spec"])
    answer = bridge.post(f"/apis/ray.io/v1/namespaces/{NS}/rayjobs", json=job)
    assert answer.status_code == 201, answer.get_data(as_text=True)
    assert_expanded(stored(kube, "rayjobs", name).json()["spec"]["rayClusterSpec"], gpu_template)


def test_missing_template_is_422_and_nothing_is_created(bridge, kube, gpu_template):
    name = unique("missing")
    answer = bridge.post(
        f"/apis/ray.io/v1/namespaces/{NS}/rayclusters",
        data=yaml.safe_dump(templated_raycluster(name, gpu_template, "no-such-template")),
        content_type="application/yaml",
    )
    assert answer.status_code == 422
    status = answer.get_json()
    assert status["kind"] == "Status" and status["reason"] == "Invalid"
    assert status["message"] == f'compute template "no-such-template" not found in namespace "{NS}"'
    assert status["details"]["causes"][0]["field"] == "spec.workerGroupSpecs[0].computeTemplate"
    assert stored(kube, "rayclusters", name).status_code == 404


def test_configmap_without_template_label_is_not_a_template(bridge, kube):
    plain = unique("plain-config")
    configmap = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": plain},
        "data": {"cpu": "64", "memory": "512"},
    }
    assert k8s(kube, "POST", f"/api/v1/namespaces/{NS}/configmaps", json=configmap).status_code == 201
    name = unique("unlabelled")
    answer = bridge.post(
        f"/apis/ray.io/v1/namespaces/{NS}/rayclusters", json=templated_raycluster(name, plain, None)
    )
    assert answer.status_code == 422
    assert f'"{plain}"' in answer.get_json()["message"]
    assert stored(kube, "rayclusters", name).status_code == 404


def test_invalid_yaml_is_400_status(bridge):
    answer = bridge.post(
        f"/apis/ray.io/v1/namespaces/{NS}/rayclusters",
        data="spec: [unclosed\n",
        content_type="application/yaml",
    )
    assert answer.status_code == 400
    assert answer.get_json()["reason"] == "BadRequest"


def test_put_expands_templates(bridge, kube, gpu_template):
    name = unique("put")
    created = k8s(
        kube,
        "POST",
        f"/apis/ray.io/v1/namespaces/{NS}/rayclusters",
        json=templated_raycluster(name, None, None),
    )
    assert created.status_code == 201, created.text
    update = templated_raycluster(name, gpu_template, gpu_template)
    update["metadata"]["resourceVersion"] = created.json()["metadata"]["resourceVersion"]
    answer = bridge.put(
        f"/apis/ray.io/v1/namespaces/{NS}/rayclusters/{name}",
        data=yaml.safe_dump(update),
        content_type="application/x-yaml",
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert_expanded(stored(kube, "rayclusters", name).json()["spec"], gpu_template)


def test_put_status_is_not_touched(bridge, kube):
    name = unique("status")
    created = k8s(
        kube,
        "POST",
        f"/apis/ray.io/v1/namespaces/{NS}/rayclusters",
        json=templated_raycluster(name, None, None),
    )
    assert created.status_code == 201, created.text
    update = created.json()
    update["status"] = {"state": "ready"}
    # A template that does not exist: the status subresource never looks it up.
    update["spec"]["headGroupSpec"]["computeTemplate"] = "no-such-template"
    answer = bridge.put(f"/apis/ray.io/v1/namespaces/{NS}/rayclusters/{name}/status", json=update)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert stored(kube, "rayclusters", name).json()["status"]["state"] == "ready"


def _alias_bomb() -> str:
    """Under 600 bytes of YAML that expand to 10**9 values."""
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    return "kind: RayCluster\nmetadata: {name: bomb}\nspec:\n" + "".join(f"  {line}\n" for line in lines)


@pytest.mark.parametrize(
    "body,content_type",
    [(_alias_bomb(), "application/yaml"), ("[" * 100_000 + "]" * 100_000, "application/json"),
     ("a: " + "[" * 100_000, "application/yaml")],
    ids=["yaml-aliases", "deep-json", "deep-yaml"],
)  # fmt: skip
def test_hostile_bodies_are_400_status_and_nothing_is_created(bridge, kube, body, content_type):
    response = bridge.post(
        f"/apis/ray.io/v1/namespaces/{NS}/rayclusters", data=body, content_type=content_type
    )
    assert response.status_code == 400
    assert response.get_json()["reason"] == "BadRequest"
    assert k8s(kube, "GET", f"/apis/ray.io/v1/namespaces/{NS}/rayclusters/bomb").status_code == 404
