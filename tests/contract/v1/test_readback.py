"""Read-back of hand-edited objects whose values do not fit the v1 types: what the Go converter
did where it answered, a field read as unset where Go failed the whole call, and never a value
outside the field's type (every answer validates against the OpenAPI document's schemas)."""

from __future__ import annotations

from tests.support.factories import raycluster
from tests.support.openapi import component_validator
from v1compat.swagger import whole_document

MANAGED = {"app.kubernetes.io/managed-by": "kuberay-apiserver"}


def assert_fits(message: dict, schema_name: str) -> None:
    component_validator(whole_document(), schema_name).validate(message)


def plant_template(kube, ns: str, name: str, **data: str) -> None:
    configmap = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": name,
            "labels": {"ray.io/config-type": "compute-template", "ray.io/compute-template": name},
        },
        "data": {"name": name, "namespace": ns, **data},
    }
    assert kube.post(f"/api/v1/namespaces/{ns}/configmaps", json=configmap).status_code == 201


def test_template_numbers_read_as_go_parses_them(bridge, kube, ns):
    plant_template(kube, ns, "odd", cpu="-1", memory="99999999999", gpu="2.5", memory_unit="Gi")
    template = bridge.get(f"/apis/v1/namespaces/{ns}/compute_templates/odd").get_json()
    # ParseUint(s, 10, 32) with the error ignored: 0 for a sign or a fraction, saturated when too large
    assert template == {"name": "odd", "namespace": ns, "memory": 2**32 - 1, "memoryUnit": "Gi"}
    assert_fits(template, "ComputeTemplate")


def test_extended_resources_outside_uint32_read_as_zero(bridge, kube, ns):
    plant_template(
        kube,
        ns,
        "extended",
        cpu="1",
        memory="1",
        extended_resources='{"neg": -1, "big": 4294967296, "ok": 7, "text": "3", "half": 1.5, "yes": true}',
        tolerations='[{"key": 5, "operator": "Exists", "effect": "NoSchedule"}, "junk"]',
    )
    template = bridge.get(f"/apis/v1/namespaces/{ns}/compute_templates/extended").get_json()
    # Go's json.Unmarshal into map[string]uint32 keeps each key and zeroes what does not fit
    assert template["extendedResources"] == {"big": 0, "half": 0, "neg": 0, "ok": 7, "text": 0, "yes": 0}
    assert template["tolerations"] == [{"operator": "Exists", "effect": "NoSchedule"}]
    assert_fits(template, "ComputeTemplate")


def test_cluster_int32_fields_outside_int32_read_as_unset(bridge, kube, ns):
    worker = {
        "groupName": "w",
        "replicas": 5_000_000_000,
        "minReplicas": -1,
        "maxReplicas": 2**31,
        "rayStartParams": {},
        "template": {"spec": {"containers": [{"name": "ray-worker", "image": "rayproject/ray:2.9.0"}]}},
    }
    body = raycluster(
        "odd",
        labels=MANAGED,
        workerGroupSpecs=[worker],
        enableInTreeAutoscaling=True,
        autoscalerOptions={"idleTimeoutSeconds": 2**40, "upscalingMode": "Default"},
    )
    created = kube.post(f"/apis/ray.io/v1/namespaces/{ns}/rayclusters", json=body)
    assert created.status_code == 201, created.text
    answer = bridge.get(f"/apis/v1/namespaces/{ns}/clusters/odd")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    cluster = answer.get_json()
    group = cluster["clusterSpec"]["workerGroupSpec"][0]
    assert "replicas" not in group and "maxReplicas" not in group
    assert group["minReplicas"] == -1  # inside int32: as stored
    assert cluster["clusterSpec"]["autoscalerOptions"] == {"upscalingMode": "Default"}
    assert_fits(cluster, "Cluster")
    listed = bridge.get(f"/apis/v1/namespaces/{ns}/clusters").get_json()
    assert [item["name"] for item in listed["clusters"]] == ["odd"]  # Go: the whole list failed
