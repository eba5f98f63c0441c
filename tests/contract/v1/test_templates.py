"""Compute templates over v1 HTTP against the embedded Kubernetes API: bodies field by field,
every error message, the stored ConfigMap byte for byte, and sharing with the v2 middleware."""

from __future__ import annotations

import json

from tests.support.asserts import v1_error
from tests.support.factories import create_template, template_body

CT = "/apis/v1/namespaces/{ns}/compute_templates"


def test_create_answers_the_stored_template_with_the_default_memory_unit(bridge, ns):
    answer = bridge.post(CT.format(ns=ns), json=template_body(ns))
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.get_json() == {
        "name": "default-template",
        "namespace": ns,
        "cpu": 2,
        "memory": 4,
        "memoryUnit": "Gi",
    }


def test_the_configmap_is_the_go_servers_byte_for_byte(bridge, kube, ns):
    create_template(
        bridge,
        ns,
        "gpu-template",
        gpu=1,
        gpuAccelerator="Tesla-V100",
        memoryUnit="Mi",
        extendedResources={"vpc.amazonaws.com/efa": 32},
        tolerations=[{"key": "blah1", "operator": "Exists", "effect": "NoExecute"}],
    )
    stored = kube.get(f"/api/v1/namespaces/{ns}/configmaps/gpu-template").json()
    assert stored["metadata"]["labels"] == {
        "ray.io/config-type": "compute-template",
        "ray.io/compute-template": "gpu-template",
    }
    assert stored["data"] == {
        "name": "gpu-template",
        "namespace": ns,
        "cpu": "2",
        "memory": "4",
        "memory_unit": "Mi",
        "gpu": "1",
        "gpu_accelerator": "Tesla-V100",
        "extended_resources": '{"vpc.amazonaws.com/efa":32}',
        "tolerations": '[{"key":"blah1","operator":"Exists","effect":"NoExecute"}]',
    }


def test_minimal_template_stores_go_zero_values(bridge, kube, ns):
    create_template(bridge, ns, "plain")
    data = kube.get(f"/api/v1/namespaces/{ns}/configmaps/plain").json()["data"]
    assert data["gpu"] == "0" and data["gpu_accelerator"] == ""
    assert data["extended_resources"] == "null" and "tolerations" not in data


def test_an_empty_extended_resources_map_is_stored_as_go_did(bridge, kube, ns):
    """protojson allocates a map for ``{}`` and ``encoding/json`` writes it as ``{}``;
    only an absent (or null) map is ``null``."""
    create_template(bridge, ns, "empty-map", extendedResources={}, tolerations=[])
    create_template(bridge, ns, "null-map", extendedResources=None)
    stored = {
        name: kube.get(f"/api/v1/namespaces/{ns}/configmaps/{name}").json()["data"]
        for name in ("empty-map", "null-map")
    }
    assert stored["empty-map"]["extended_resources"] == "{}"
    assert "tolerations" not in stored["empty-map"]
    assert stored["null-map"]["extended_resources"] == "null"
    assert bridge.get(CT.format(ns=ns) + "/empty-map").get_json() == {
        "name": "empty-map",
        "namespace": ns,
        "cpu": 2,
        "memory": 4,
        "memoryUnit": "Gi",
    }


def test_get_list_and_list_all_read_back_every_field(bridge, ns, kube):
    other = kube.create_namespace(f"{ns}-other")
    created = create_template(
        bridge,
        ns,
        "full",
        gpu=2,
        gpu_accelerator="nvidia.com/a100",
        extended_resources={"efa": 1},
        tolerations=[{"key": "k", "operator": "Equal", "value": "v", "effect": "NoSchedule"}],
    )
    assert created == {
        "name": "full",
        "namespace": ns,
        "cpu": 2,
        "memory": 4,
        "gpu": 2,
        "gpuAccelerator": "nvidia.com/a100",
        "tolerations": [{"key": "k", "operator": "Equal", "value": "v", "effect": "NoSchedule"}],
        "extendedResources": {"efa": 1},
        "memoryUnit": "Gi",
    }
    create_template(bridge, other, "elsewhere")
    assert bridge.get(f"{CT.format(ns=ns)}/full").get_json() == created
    assert bridge.get(CT.format(ns=ns)).get_json() == {"computeTemplates": [created]}
    everywhere = bridge.get("/apis/v1/compute_templates").get_json()["computeTemplates"]
    assert created in everywhere
    assert {"name": "elsewhere", "namespace": other} == {
        k: v
        for k, v in next(t for t in everywhere if t["name"] == "elsewhere").items()
        if k in ("name", "namespace")
    }


def test_list_all_is_one_cluster_wide_configmap_list(app, ns, monkeypatch):
    from v2proxy.client import V2Client

    calls = []
    original = V2Client.request

    def recording(self, method, path, query=None, body=None, **kwargs):
        calls.append((method, path, list(query or [])))
        return original(self, method, path, query=query, body=body, **kwargs)

    monkeypatch.setattr(V2Client, "request", recording)
    assert app.test_client().get("/apis/v1/compute_templates").status_code == 200
    assert calls == [
        ("GET", "/api/v1/configmaps", [("labelSelector", "ray.io/config-type=compute-template")])
    ]


def test_empty_lists_keep_their_key(bridge, ns):
    assert bridge.get(CT.format(ns=ns)).get_json() == {"computeTemplates": []}


def test_delete_removes_the_configmap(bridge, kube, ns):
    create_template(bridge, ns)
    answer = bridge.delete(f"{CT.format(ns=ns)}/default-template")
    assert answer.status_code == 200 and answer.get_json() == {}
    assert kube.get(f"/api/v1/namespaces/{ns}/configmaps/default-template").status_code == 404


def test_a_plain_configmap_is_not_a_template(bridge, kube, ns):
    """Go read or deleted any ConfigMap of that name (kube-root-ca.crt); the bridge says 404."""
    plain = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "kube-root-ca.crt"},
        "data": {"ca.crt": "x"},
    }
    assert kube.post(f"/api/v1/namespaces/{ns}/configmaps", json=plain).status_code == 201
    for method in ("GET", "DELETE"):
        answer = bridge.open(f"{CT.format(ns=ns)}/kube-root-ca.crt", method=method)
        message = v1_error(answer, 404, 5)
        assert message.startswith("Compute template kube-root-ca.crt not found: ")
    assert kube.get(f"/api/v1/namespaces/{ns}/configmaps/kube-root-ca.crt").status_code == 200
    assert bridge.get(CT.format(ns=ns)).get_json() == {"computeTemplates": []}


def test_not_found_messages(bridge, ns):
    v1_error(
        bridge.get(f"{CT.format(ns=ns)}/nope"),
        404,
        5,
        "Compute template nope not found: Get compute template failed.: NotFoundError: "
        'Compute template nope not found: configmaps "nope" not found',
    )
    v1_error(
        bridge.delete(f"{CT.format(ns=ns)}/nope"),
        404,
        5,
        "Compute template nope not found: Get compute template failure: NotFoundError: "
        'Compute template nope not found: configmaps "nope" not found',
    )


def test_duplicate_is_409_with_the_go_message(bridge, ns):
    create_template(bridge, ns)
    v1_error(
        bridge.post(CT.format(ns=ns), json=template_body(ns)),
        409,
        6,
        f"Compute template with name default-template already exists in namespace {ns}: "
        "Create compute template failed.: Already exist error: Compute template with name "
        f"default-template already exists in namespace {ns}",
    )


def test_any_configmap_of_that_name_blocks_a_create(bridge, kube, ns):
    plain = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "taken"}}
    kube.post(f"/api/v1/namespaces/{ns}/configmaps", json=plain)
    v1_error(bridge.post(CT.format(ns=ns), json=template_body(ns, "taken")), 409, 6)


WRAP = "Validate compute template runtime request failed."


def invalid(message: str, *wraps: str) -> str:
    return ": ".join([message, *wraps, f"Invalid input error: {message}"])


def test_validation_messages_in_order(bridge, ns):
    cases = [
        (
            {"name": "t", "cpu": 1, "memory": 1},
            "The namespace in the request is different from the namespace defined in the compute template.",
        ),
        (
            {"namespace": ns, "cpu": 1, "memory": 1},
            "Compute template name is empty. Please specify a valid value.",
        ),
        ({"namespace": ns, "name": "t", "memory": 1}, "Cpu amount is zero. Please specify a valid value."),
        ({"namespace": ns, "name": "t", "cpu": 1}, "Memory amount is zero. Please specify a valid value."),
    ]
    for body, message in cases:
        v1_error(bridge.post(CT.format(ns=ns), json=body), 400, 3, invalid(message, WRAP))
    # an empty body is {} (as grpc-gateway): the namespace rule fails first
    v1_error(bridge.post(CT.format(ns=ns)), 400, 3, invalid(cases[0][1], WRAP))


def test_a_memory_unit_that_is_no_quantity_is_400_and_writes_nothing(bridge, kube, ns):
    answer = bridge.post(CT.format(ns=ns), json=template_body(ns, "bad-unit", memoryUnit="GB"))
    message = v1_error(answer, 400, 3)
    assert message.startswith(
        f"Failed to convert compute runtime ({ns}/bad-unit): Create compute template failed.: "
    )
    assert kube.get(f"/api/v1/namespaces/{ns}/configmaps/bad-unit").status_code == 404


def test_empty_name_segment_is_400_and_empty_namespace_is_404(bridge, ns):
    empty = invalid("Compute template name is empty. Please specify a valid value.")
    v1_error(bridge.get(f"{CT.format(ns=ns)}/"), 400, 3, empty)
    v1_error(bridge.delete(f"{CT.format(ns=ns)}/"), 400, 3, empty)
    v1_error(bridge.get("/apis/v1/namespaces//compute_templates"), 404, 5, "Not Found")
    v1_error(bridge.post("/apis/v1/namespaces//compute_templates", json={}), 404, 5, "Not Found")


def test_an_absolute_form_request_target_is_the_path_it_names(bridge, ns):
    """``GET http://host/apis/v1/...`` (what a client configured with the bridge as its HTTP
    proxy sends; gunicorn keeps it in RAW_URI): the scheme's ``//`` is no empty segment."""
    path = CT.format(ns=ns)
    answer = bridge.get(path, environ_overrides={"RAW_URI": f"http://localhost:31888{path}"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.get_json() == {"computeTemplates": []}


def test_a_v1_template_feeds_the_v2_compute_template_middleware(bridge, kube, ns):
    create_template(bridge, ns, "shared", memoryUnit="Mi", gpu=1)
    raycluster = {
        "apiVersion": "ray.io/v1",
        "kind": "RayCluster",
        "metadata": {"name": "from-v2"},
        "spec": {
            "headGroupSpec": {
                "rayStartParams": {},
                "computeTemplate": "shared",
                "template": {
                    "spec": {"containers": [{"name": "ray-head", "image": "rayproject/ray:2.46.0"}]}
                },
            }
        },
    }
    answer = bridge.post(
        f"/apis/ray.io/v1/namespaces/{ns}/rayclusters",
        data=json.dumps(raycluster),
        content_type="application/json",
    )
    assert answer.status_code == 201, answer.get_data(as_text=True)
    stored = kube.get(f"/apis/ray.io/v1/namespaces/{ns}/rayclusters/from-v2").json()
    resources = stored["spec"]["headGroupSpec"]["template"]["spec"]["containers"][0]["resources"]
    limits = {name: str(value) for name, value in resources["limits"].items()}
    assert limits == {"cpu": "2", "memory": "4Mi", "nvidia.com/gpu": "1"}


def test_a_template_written_for_v2_reads_back_through_v1(bridge, kube, ns):
    from v2proxy.templates import template_to_configmap

    configmap = template_to_configmap({"name": "ops", "cpu": 8, "memory": 32}, ns)
    assert kube.post(f"/api/v1/namespaces/{ns}/configmaps", json=configmap).status_code == 201
    assert bridge.get(f"{CT.format(ns=ns)}/ops").get_json() == {
        "name": "ops",
        "namespace": ns,
        "cpu": 8,
        "memory": 32,
        "memoryUnit": "Gi",
    }


def test_create_in_a_namespace_that_does_not_exist_is_404_and_creates_nothing(bridge, kube):
    """Go answered 500 (Internal); the request names a missing namespace, so NotFound."""
    answer = bridge.post(CT.format(ns="no-such-ns"), json=template_body("no-such-ns"))
    v1_error(
        answer,
        404,
        5,
        "Failed to create a compute runtime for (no-such-ns/default-template): "
        "Create compute template failed.: NotFoundError: Failed to create a compute runtime for "
        '(no-such-ns/default-template): namespaces "no-such-ns" not found',
    )
    assert kube.get("/api/v1/namespaces/no-such-ns/configmaps/default-template").status_code == 404


def test_a_name_kubernetes_rejects_is_400_and_creates_nothing(bridge, kube, ns):
    """Go answered 500; the name is the client's mistake (not a DNS subdomain, or too long for
    the ``ray.io/compute-template`` label)."""
    for name in ("Upper", "a" * 64):
        answer = bridge.post(CT.format(ns=ns), json=template_body(ns, name))
        message = v1_error(answer, 400, 3)
        assert message.startswith(
            f"Failed to create a compute runtime for ({ns}/{name}): Create compute template failed.: "
            f"InvalidInputError: Failed to create a compute runtime for ({ns}/{name}): ConfigMap"
        ), message
    templates = kube.get(
        f"/api/v1/namespaces/{ns}/configmaps", params={"labelSelector": "ray.io/config-type"}
    )
    assert templates.json()["items"] == []
