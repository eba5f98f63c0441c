"""v1 Cluster -> RayCluster CR -> v1 Cluster (§5, §6), checked against the spec's own example,
the KubeRay example requests and the RayCluster CRD schema."""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime
from functools import cache
from typing import Any

import pytest
import yaml

from tests.support import factories
from tests.support.repo import CRD_DIR, SHARED_DIR
from v1compat.clusters_api import build_raycluster
from v1compat.convert import (
    MANAGED_BY_SELECTOR,
    cluster_to_raycluster,
    go_time_string,
    is_managed,
    raycluster_to_cluster,
    required_templates,
    unshown_spec_fields,
)
from v1compat.errors import Code, V1Error
from v1compat.validation import validate_create_cluster

NOW = datetime(2025, 1, 1, 0, 0, 0, 123456, tzinfo=UTC)
NOW_NANOSECONDS = 1735689600_123456000
NOW_TEXT = "2025-01-01 00:00:00.123456 +0000 UTC"
DEFAULT_TEMPLATE = {
    "name": "default-template",
    "namespace": "ns",
    "cpu": 2,
    "memory": 4,
    "gpu": 0,
    "gpu_accelerator": "",
    "memory_unit": "Gi",
}
TEMPLATES = {"default-template": DEFAULT_TEMPLATE}

# --- helpers -----------------------------------------------------------------------------------

# The JSON names in the example requests whose proto names differ (what V1b's schemas translate).
_PROTO_NAMES = {
    "clusterSpec": "cluster_spec",
    "headGroupSpec": "head_group_spec",
    "workerGroupSpec": "worker_group_spec",
    "computeTemplate": "compute_template",
    "rayStartParams": "ray_start_params",
    "serviceType": "service_type",
    "groupName": "group_name",
    "minReplicas": "min_replicas",
    "maxReplicas": "max_replicas",
    "mountPath": "mount_path",
    "volumeType": "volume_type",
}
_STRING_MAPS = {"rayStartParams", "items", "annotations", "labels", "values"}
_ENV_SOURCES = ("CONFIGMAP", "SECRET", "RESOURCEFIELD", "FIELD")


def to_message(value: Any, key: str = "") -> Any:
    """An example request body as the message dict V1b's schema loads (proto names, enum names)."""
    if key in _STRING_MAPS:
        return dict(value)
    if key == "valuesFrom":
        return {name: to_message(entry) for name, entry in value.items()}
    if key == "source" and isinstance(value, int):
        return _ENV_SOURCES[value]
    if isinstance(value, dict):
        return {_PROTO_NAMES.get(k, k): to_message(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [to_message(item) for item in value]
    return value


def example(name: str) -> dict[str, Any]:
    return to_message(factories.example(name))


def build(cluster: dict[str, Any], templates: dict[str, dict[str, Any]] = TEMPLATES) -> dict[str, Any]:
    return cluster_to_raycluster(cluster, cluster.get("namespace", "ns"), templates, now=NOW)


def build_for_the_api(
    cluster: dict[str, Any], templates: dict[str, dict[str, Any]] = TEMPLATES
) -> dict[str, Any]:
    """The orchestration layer's build: conversion errors become the Go server's V1Errors."""
    return build_raycluster(cluster, cluster.get("namespace", "ns"), templates, clock=lambda: NOW_NANOSECONDS)


def minimal(**head: Any) -> dict[str, Any]:
    return {
        "name": "c",
        "namespace": "ns",
        "user": "u",
        "cluster_spec": {
            "head_group_spec": {
                "compute_template": "default-template",
                "ray_start_params": {"a": "b"},
                **head,
            }
        },
    }


def with_worker(**worker: Any) -> dict[str, Any]:
    cluster = minimal()
    cluster["cluster_spec"]["worker_group_spec"] = [
        {
            "group_name": "wg",
            "compute_template": "default-template",
            "replicas": 1,
            "max_replicas": 3,
            **worker,
        }
    ]
    return cluster


def head_container(cr: dict[str, Any]) -> dict[str, Any]:
    return cr["spec"]["headGroupSpec"]["template"]["spec"]["containers"][0]


def worker_container(cr: dict[str, Any], index: int = 0) -> dict[str, Any]:
    return cr["spec"]["workerGroupSpecs"][index]["template"]["spec"]["containers"][0]


def stored(cr: dict[str, Any], **status: Any) -> dict[str, Any]:
    """The CR as the API server returns it after create."""
    cr = copy.deepcopy(cr)
    cr["metadata"]["creationTimestamp"] = "2025-01-01T00:00:01Z"
    cr["metadata"]["uid"] = "0b9f6b6c"
    if status:
        cr["status"] = status
    return cr


@cache
def raycluster_schema() -> dict[str, Any]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    crd = yaml.load((CRD_DIR / "ray.io_rayclusters.yaml").read_text(), Loader=loader)
    version = next(v for v in crd["spec"]["versions"] if v["name"] == "v1")
    return version["schema"]["openAPIV3Schema"]


def crd_violations(cr: dict[str, Any]) -> list[str]:
    """What the API server would reject or prune in a RayCluster (metadata is not in the CRD)."""
    problems = (
        [] if (cr["apiVersion"], cr["kind"]) == ("ray.io/v1", "RayCluster") else ["bad apiVersion/kind"]
    )
    return problems + schema_violations(cr["spec"], raycluster_schema()["properties"]["spec"], ".spec")


def schema_violations(value: Any, schema: dict[str, Any], path: str) -> list[str]:
    """Structural-schema validation: types, required, enums, patterns, and unknown fields."""
    if schema.get("x-kubernetes-int-or-string"):
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            return [f"{path}: not int-or-string"]
        if isinstance(value, str) and "pattern" in schema and not re.search(schema["pattern"], value):
            return [f"{path}: {value!r} does not match {schema['pattern']}"]
        return []
    kind = schema.get("type")
    if kind == "object":
        if not isinstance(value, dict):
            return [f"{path}: not an object"]
        problems = [f"{path}.{key}: required" for key in schema.get("required", []) if key not in value]
        for key, item in value.items():
            if key in schema.get("properties", {}):
                problems += schema_violations(item, schema["properties"][key], f"{path}.{key}")
            elif isinstance(schema.get("additionalProperties"), dict):
                problems += schema_violations(item, schema["additionalProperties"], f"{path}.{key}")
            elif not schema.get("x-kubernetes-preserve-unknown-fields"):
                problems.append(f"{path}.{key}: unknown field (would be pruned)")
        return problems
    if kind == "array":
        if not isinstance(value, list):
            return [f"{path}: not an array"]
        return [
            p
            for i, item in enumerate(value)
            for p in schema_violations(item, schema.get("items", {}), f"{path}[{i}]")
        ]
    if kind == "string":
        if not isinstance(value, str):
            return [f"{path}: not a string"]
        if "enum" in schema and value not in schema["enum"]:
            return [f"{path}: {value!r} not in {schema['enum']}"]
        if "pattern" in schema and not re.search(schema["pattern"], value):
            return [f"{path}: {value!r} does not match {schema['pattern']}"]
        return []
    if kind == "integer":
        return [] if isinstance(value, int) and not isinstance(value, bool) else [f"{path}: not an integer"]
    if kind == "boolean":
        return [] if isinstance(value, bool) else [f"{path}: not a boolean"]
    return []


# --- the spec's example (§5.10) ----------------------------------------------------------------


def spec_example() -> tuple[dict[str, Any], dict[str, Any]]:
    """The request and the CR printed in §5.10 of the contract, read from the spec itself."""
    text = (SHARED_DIR / "spec" / "v1-contract.md").read_text()
    section = text[text.index("### 5.10") : text.index("## 6.")]
    request, written = re.findall(r"```json\n(.*?)\n```", section, re.S)
    return json.loads(request), json.loads(written)


def test_spec_example_builds_the_cr_the_spec_shows() -> None:
    request, expected = spec_example()
    cr = cluster_to_raycluster(
        to_message(request),
        "ray-system",
        {"default-template": {**DEFAULT_TEMPLATE, "namespace": "ray-system"}},
        now=NOW,
    )
    expected["metadata"]["annotations"]["ray.io/creation-timestamp"] = NOW_TEXT
    assert cr["metadata"] == expected["metadata"]
    assert cr["spec"]["rayVersion"] == expected["spec"]["rayVersion"]
    assert cr["spec"]["headGroupSpec"] == expected["spec"]["headGroupSpec"]
    assert cr["spec"]["workerGroupSpecs"] == expected["spec"]["workerGroupSpecs"]
    assert cr == expected


def test_spec_example_reads_back_as_the_go_server_answers() -> None:
    request, _ = spec_example()
    cr = cluster_to_raycluster(
        to_message(request), "ray-system", {"default-template": DEFAULT_TEMPLATE}, now=NOW
    )
    endpoints = {"dashboard": "31476", "head": "31850", "metrics": "32189", "redis": "30736"}
    cluster = raycluster_to_cluster(stored(cr, state="ready", endpoints=endpoints))
    assert cluster == {
        "name": "test-cluster",
        "namespace": "ray-system",
        "user": "3cpo",
        "version": "2.46.0",
        "environment": "DEV",
        "created_at": "2025-01-01T00:00:01Z",
        "cluster_state": "ready",
        "annotations": {"ray.io/creation-timestamp": NOW_TEXT},
        "service_endpoint": endpoints,
        "cluster_spec": {
            "head_group_spec": {
                "compute_template": "default-template",
                "image": "rayproject/ray:2.46.0",
                "service_type": "NodePort",
                "ray_start_params": {"dashboard-host": "0.0.0.0"},
                "volumes": [],
                "environment": {"values": {}, "valuesFrom": {}},
            },
            "worker_group_spec": [
                {
                    "group_name": "small-wg",
                    "compute_template": "default-template",
                    "image": "",  # the default image was used
                    "replicas": 1,
                    "min_replicas": 1,  # 0 cannot be expressed: it became replicas
                    "max_replicas": 5,
                    "ray_start_params": {"node-ip-address": "$MY_POD_IP"},
                    "volumes": [],
                    "environment": {"values": {}, "valuesFrom": {}},
                }
            ],
        },
    }


# --- the KubeRay example requests --------------------------------------------------------------

EXAMPLE_FILES = ["autoscaling_clusters.json", "ha_clusters.json", "jobsubmission_clusters.json"]


@pytest.mark.parametrize("name", EXAMPLE_FILES)
def test_examples_build_crs_the_crd_accepts(name: str) -> None:
    cr = build(example(name))
    assert crd_violations(cr) == []
    assert cr["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "kuberay-apiserver"
    assert is_managed(cr)


def test_autoscaling_example() -> None:
    cr = build(example("autoscaling_clusters.json"))
    spec = cr["spec"]
    assert "rayVersion" not in spec  # no version in the request
    assert cr["metadata"]["labels"]["ray.io/version"] == ""
    assert spec["enableInTreeAutoscaling"] is True
    assert spec["autoscalerOptions"] == {
        "idleTimeoutSeconds": 30,
        "upscalingMode": "Default",
        "resources": {
            "limits": {"cpu": "500m", "memory": "512Mi"},
            "requests": {"cpu": "500m", "memory": "512Mi"},
        },
    }
    assert spec["headGroupSpec"]["template"]["spec"]["volumes"] == [
        {
            "name": "code-sample",
            "configMap": {
                "name": "ray-example",
                "items": [
                    {"key": "detached_actor.py", "path": "detached_actor.py"},
                    {"key": "terminate_detached_actor.py", "path": "terminate_detached_actor.py"},
                ],
            },
        }
    ]
    assert head_container(cr)["volumeMounts"] == [{"name": "code-sample", "mountPath": "/home/ray/samples"}]
    worker = spec["workerGroupSpecs"][0]
    assert (worker["replicas"], worker["minReplicas"], worker["maxReplicas"]) == (0, 0, 5)
    assert worker_container(cr)["image"] == "rayproject/ray:2.46.0-py310"
    assert "volumes" not in worker["template"]["spec"]


def test_ha_example() -> None:
    cr = build(example("ha_clusters.json"))
    assert cr["metadata"]["annotations"] == {
        "ray.io/ft-enabled": "true",
        "ray.io/creation-timestamp": NOW_TEXT,
    }
    assert head_container(cr)["env"] == [
        {"name": "MY_POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
        {"name": "RAY_REDIS_ADDRESS", "value": "redis.default.svc.cluster.local:6379"},
        {
            "name": "REDIS_PASSWORD",
            "valueFrom": {"secretKeyRef": {"name": "redis-password-secret", "key": "password"}},
        },
    ]
    worker = cr["spec"]["workerGroupSpecs"][0]
    assert (worker["replicas"], worker["minReplicas"], worker["maxReplicas"]) == (1, 1, 5)


def test_jobsubmission_example() -> None:
    cr = build(example("jobsubmission_clusters.json"))
    assert cr["spec"]["headGroupSpec"]["rayStartParams"] == {"dashboard-host": "0.0.0.0"}
    worker = cr["spec"]["workerGroupSpecs"][0]
    assert (worker["replicas"], worker["minReplicas"], worker["maxReplicas"]) == (1, 1, 1)


# (example, what the Go server does not give back)
@pytest.mark.parametrize("name", EXAMPLE_FILES)
def test_examples_round_trip_with_only_the_documented_losses(name: str) -> None:
    request = example(name)
    back = raycluster_to_cluster(stored(build(request)))
    expected = copy.deepcopy(request)
    expected.setdefault("environment", "DEV")
    expected.setdefault("version", "")
    expected["annotations"] = {**request.get("annotations", {}), "ray.io/creation-timestamp": NOW_TEXT}
    spec = expected["cluster_spec"]
    for group in [spec["head_group_spec"], *spec["worker_group_spec"]]:
        group.setdefault("environment", {"values": {}, "valuesFrom": {}})  # always read back
        group["environment"].setdefault("values", {})
        group["environment"].setdefault("valuesFrom", {})
        group.setdefault("volumes", [])
        group.setdefault("ray_start_params", {})
    spec["head_group_spec"].setdefault("service_type", "")
    for worker in spec["worker_group_spec"]:
        worker["min_replicas"] = worker["min_replicas"] or worker["replicas"]  # 0 became replicas
    for key in ("annotations", "cluster_spec", "environment", "name", "namespace", "user", "version"):
        assert back[key] == expected[key], key


# --- labels, annotations, images, groups -------------------------------------------------------


@pytest.mark.parametrize(
    ("environment", "label", "read_back"),
    [
        (None, "DEV", "DEV"),
        ("TESTING", "TESTING", "TESTING"),
        ("STAGING", "STAGING", "STAGING"),
        ("PRODUCTION", "PRODUCTION", "PRODUCTION"),
        (7, "7", "DEV"),
    ],
)
def test_labels(environment: Any, label: str, read_back: str) -> None:
    cluster = {
        **minimal(),
        "version": "2.9.0",
        **({"environment": environment} if environment is not None else {}),
    }
    cr = build(cluster)
    assert cr["metadata"]["labels"] == {
        "ray.io/cluster-name": "c",
        "ray.io/user": "u",
        "ray.io/version": "2.9.0",
        "ray.io/environment": label,
        "app.kubernetes.io/name": "kuberay",
        "app.kubernetes.io/managed-by": "kuberay-apiserver",
    }
    back = raycluster_to_cluster(stored(cr))
    assert (back["user"], back["version"], back["environment"]) == ("u", "2.9.0", read_back)


def test_creation_timestamp_uses_go_time_format() -> None:
    assert go_time_string(NOW) == "2025-01-01 00:00:00.123456 +0000 UTC"
    assert (
        go_time_string(datetime(2023, 9, 25, 10, 48, 35, 120000, tzinfo=UTC))
        == "2023-09-25 10:48:35.12 +0000 UTC"
    )
    assert go_time_string(datetime(2023, 9, 25, 10, 48, 35, tzinfo=UTC)) == "2023-09-25 10:48:35 +0000 UTC"
    assert (
        go_time_string(datetime(2023, 9, 25, 10, 48, 35, tzinfo=UTC), 766443417)
        == "2023-09-25 10:48:35.766443417 +0000 UTC"
    )
    stamped = build_raycluster(minimal(), "ns", TEMPLATES)["metadata"]["annotations"][
        "ray.io/creation-timestamp"
    ]
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,9})? \+0000 UTC", stamped)


def test_request_annotations_are_kept_and_read_back_whole() -> None:
    cluster = {**minimal(), "annotations": {"kubernetes.io/ingress.class": "nginx"}}
    cr = build(cluster)
    assert cr["metadata"]["annotations"] == {
        "kubernetes.io/ingress.class": "nginx",
        "ray.io/creation-timestamp": NOW_TEXT,
    }
    assert cluster["annotations"] == {"kubernetes.io/ingress.class": "nginx"}  # the request is not mutated
    planted = stored(cr)
    planted["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"] = "{}"
    assert raycluster_to_cluster(planted)["annotations"] == {**planted["metadata"]["annotations"]}


@pytest.mark.parametrize(
    ("version", "head_image", "image", "image_annotation"),
    [
        ("2.46.0", "", "rayproject/ray:2.46.0", ""),
        ("", "", "rayproject/ray:", ""),
        ("2.46.0", "my/ray:custom", "my/ray:custom", "my/ray:custom"),
    ],
)
def test_image_defaults(version: str, head_image: str, image: str, image_annotation: str) -> None:
    cluster = {**with_worker(**({"image": head_image} if head_image else {})), "version": version}
    if head_image:
        cluster["cluster_spec"]["head_group_spec"]["image"] = head_image
    cr = build(cluster)
    for container, group in (
        (head_container(cr), cr["spec"]["headGroupSpec"]),
        (worker_container(cr), cr["spec"]["workerGroupSpecs"][0]),
    ):
        assert container["image"] == image
        assert group["template"]["metadata"]["annotations"]["ray.io/compute-image"] == image_annotation
    back = raycluster_to_cluster(stored(cr))["cluster_spec"]
    assert back["head_group_spec"]["image"] == image_annotation == back["worker_group_spec"][0]["image"]


@pytest.mark.parametrize(
    ("policy", "written", "read_back"),
    [
        ("Always", "Always", "Always"),
        ("always", "Always", "Always"),
        ("IfNotPresent", "IfNotPresent", None),
        ("", "IfNotPresent", None),
    ],
)
def test_image_pull_policy(policy: str, written: str, read_back: str | None) -> None:
    cluster = with_worker(imagePullPolicy=policy)
    cluster["cluster_spec"]["head_group_spec"]["imagePullPolicy"] = policy
    cr = build(cluster)
    assert head_container(cr)["imagePullPolicy"] == written == worker_container(cr)["imagePullPolicy"]
    back = raycluster_to_cluster(stored(cr))["cluster_spec"]
    assert (
        back["head_group_spec"].get("imagePullPolicy")
        == read_back
        == back["worker_group_spec"][0].get("imagePullPolicy")
    )


@pytest.mark.parametrize(
    ("account", "secret", "written_account", "written_secrets"),
    [
        ("ray-sa", "regcred", "ray-sa", [{"name": "regcred"}]),
        ("a", "r", None, None),  # Go only sets them when longer than one character
        ("", "", None, None),
    ],
)
def test_service_account_and_pull_secret(
    account: str, secret: str, written_account: str | None, written_secrets: Any
) -> None:
    cluster = with_worker(service_account=account, image_pull_secret=secret)
    cluster["cluster_spec"]["head_group_spec"].update(service_account=account, image_pull_secret=secret)
    cr = build(cluster)
    back = raycluster_to_cluster(stored(cr))["cluster_spec"]
    for pod, group in (
        (cr["spec"]["headGroupSpec"]["template"]["spec"], back["head_group_spec"]),
        (cr["spec"]["workerGroupSpecs"][0]["template"]["spec"], back["worker_group_spec"][0]),
    ):
        assert pod.get("serviceAccountName") == written_account
        assert pod.get("imagePullSecrets") == written_secrets
        assert group.get("service_account") == written_account
        assert group.get("image_pull_secret") == (secret if written_secrets else None)


@pytest.mark.parametrize(
    ("service_type", "ingress"), [("NodePort", True), ("LoadBalancer", False), ("", False)]
)
def test_service_type_and_ingress(service_type: str, ingress: bool) -> None:
    cr = build(minimal(service_type=service_type, enableIngress=ingress))
    head = cr["spec"]["headGroupSpec"]
    assert head.get("serviceType") == (service_type or None)
    assert head.get("enableIngress") == (True if ingress else None)
    back = raycluster_to_cluster(stored(cr))["cluster_spec"]["head_group_spec"]
    assert back["service_type"] == service_type
    assert back.get("enableIngress", False) is ingress


def test_head_service_annotations() -> None:
    cluster = minimal()
    cluster["cluster_spec"]["headServiceAnnotations"] = {
        "service.beta.kubernetes.io/aws-load-balancer-internal": "true"
    }
    cr = build(cluster)
    assert cr["spec"]["headServiceAnnotations"] == {
        "service.beta.kubernetes.io/aws-load-balancer-internal": "true"
    }
    assert (
        raycluster_to_cluster(stored(cr))["cluster_spec"]["headServiceAnnotations"]
        == cluster["cluster_spec"]["headServiceAnnotations"]
    )


@pytest.mark.parametrize(
    ("value", "serve_ports"), [("true", True), ("True", False), ("false", False), (None, False)]
)
def test_serve_service_annotation_adds_serve_ports(value: str | None, serve_ports: bool) -> None:
    cluster = {**minimal(), **({"annotations": {"ray.io/enable-serve-service": value}} if value else {})}
    ports = head_container(build(cluster))["ports"]
    base = [
        {"name": "redis", "containerPort": 6379},
        {"name": "head", "containerPort": 10001},
        {"name": "dashboard", "containerPort": 8265},
        {"name": "metrics", "containerPort": 8080},
    ]
    serve = [{"name": "dashboard-agent", "containerPort": 52365}, {"name": "serve", "containerPort": 8000}]
    assert ports == base + (serve if serve_ports else [])


def test_group_annotations_and_labels() -> None:
    cluster = with_worker(
        annotations={"ray.io/compute-image": "overridden", "team": "a"}, labels={"tier": "gpu"}
    )
    cluster["cluster_spec"]["head_group_spec"].update(
        annotations={"prometheus.io/scrape": "true"}, labels={"app": "x"}
    )
    cr = build(cluster)
    head_meta = cr["spec"]["headGroupSpec"]["template"]["metadata"]
    worker_meta = cr["spec"]["workerGroupSpecs"][0]["template"]["metadata"]
    assert head_meta == {
        "annotations": {
            "ray.io/compute-template": "default-template",
            "ray.io/compute-image": "",
            "prometheus.io/scrape": "true",
        },
        "labels": {"app": "x"},
    }
    assert worker_meta["annotations"] == {
        "ray.io/compute-template": "default-template",
        "ray.io/compute-image": "overridden",
        "team": "a",
    }
    # the operator adds its own labels/annotations to pod templates; they are hidden on read-back
    planted = stored(cr)
    planted["spec"]["headGroupSpec"]["template"]["metadata"]["labels"].update(
        {"ray.io/node-type": "head", "ray.io/cluster": "c"}
    )
    planted["spec"]["headGroupSpec"]["template"]["metadata"]["annotations"]["ray.io/ft-enabled"] = "true"
    back = raycluster_to_cluster(planted)["cluster_spec"]
    assert back["head_group_spec"]["annotations"] == {"prometheus.io/scrape": "true"}
    assert back["head_group_spec"]["labels"] == {"app": "x"}
    assert back["worker_group_spec"][0]["annotations"] == {"team": "a"}
    assert back["worker_group_spec"][0]["image"] == "overridden"
    assert back["worker_group_spec"][0]["labels"] == {"tier": "gpu"}


def test_cluster_envs_go_to_every_container_before_the_group_environment() -> None:
    cluster = with_worker(environment={"values": {"W": "1"}})
    cluster["envs"] = {
        "values": {"SHARED": "x"},
        "valuesFrom": {"TOKEN": {"source": "SECRET", "name": "s", "key": "t"}},
    }
    cluster["cluster_spec"]["head_group_spec"]["environment"] = {"values": {"H": "1"}}
    cr = build(cluster)
    shared = [
        {"name": "SHARED", "value": "x"},
        {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "s", "key": "t"}}},
    ]
    assert head_container(cr)["env"][1:] == shared + [{"name": "H", "value": "1"}]
    assert [e["name"] for e in worker_container(cr)["env"]] == [
        "RAY_DISABLE_DOCKER_CPU_WARNING",
        "TYPE",
        "CPU_REQUEST",
        "CPU_LIMITS",
        "MEMORY_REQUESTS",
        "MEMORY_LIMITS",
        "MY_POD_NAME",
        "MY_POD_IP",
        "SHARED",
        "TOKEN",
        "W",
    ]
    back = raycluster_to_cluster(stored(cr))
    assert "envs" not in back  # lost: only visible inside each group
    assert back["cluster_spec"]["head_group_spec"]["environment"] == {
        "values": {"SHARED": "x", "H": "1"},
        "valuesFrom": {"TOKEN": {"source": "SECRET", "name": "s", "key": "t"}},
    }


def test_each_group_gets_its_own_template_resources_and_tolerations() -> None:
    gpu = {
        "name": "gpu-template",
        "namespace": "ns",
        "cpu": 8,
        "memory": 32,
        "memory_unit": "Gi",
        "gpu": 1,
        "gpu_accelerator": "",
        "extended_resources": {"vpc.amazonaws.com/efa": 1},
        "tolerations": [
            {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"},
            {"key": "pool", "operator": "Equal", "value": "gpu", "effect": ""},
        ],
    }
    cluster = with_worker(compute_template="gpu-template")
    cr = build(cluster, {**TEMPLATES, "gpu-template": gpu})
    assert head_container(cr)["resources"]["limits"] == {"cpu": "2", "memory": "4Gi"}
    assert "tolerations" not in cr["spec"]["headGroupSpec"]["template"]["spec"]
    worker = cr["spec"]["workerGroupSpecs"][0]
    limits = {"cpu": "8", "memory": "32Gi", "nvidia.com/gpu": "1", "vpc.amazonaws.com/efa": "1"}
    assert worker_container(cr)["resources"] == {"limits": limits, "requests": limits}
    assert worker["template"]["spec"]["tolerations"] == [
        {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"},
        {"key": "pool", "operator": "Equal", "value": "gpu", "effect": "PreferNoSchedule"},
    ]
    assert worker["template"]["metadata"]["annotations"]["ray.io/compute-template"] == "gpu-template"
    assert (
        raycluster_to_cluster(stored(cr))["cluster_spec"]["worker_group_spec"][0]["compute_template"]
        == "gpu-template"
    )
    assert crd_violations(cr) == []


@pytest.mark.parametrize(
    ("replicas", "min_replicas", "max_replicas", "written"),
    [(1, 0, 5, (1, 1, 5)), (2, 1, 4, (2, 1, 4)), (0, 0, 5, (0, 0, 5)), (3, 0, 0, (3, 3, 3))],
)
def test_worker_replicas(
    replicas: int, min_replicas: int, max_replicas: int, written: tuple[int, int, int]
) -> None:
    cr = build(with_worker(replicas=replicas, min_replicas=min_replicas, max_replicas=max_replicas))
    worker = cr["spec"]["workerGroupSpecs"][0]
    assert (worker["replicas"], worker["minReplicas"], worker["maxReplicas"]) == written
    back = raycluster_to_cluster(stored(cr))["cluster_spec"]["worker_group_spec"][0]
    assert (back["replicas"], back["min_replicas"], back["max_replicas"]) == written


def test_worker_container_fixed_parts() -> None:
    container = worker_container(build(with_worker()))
    assert container["name"] == "ray-worker"
    assert container["ports"] == [{"containerPort": 80}]
    assert container["lifecycle"] == {"preStop": {"exec": {"command": ["/bin/sh", "-c", "ray stop"]}}}
    assert container["env"][2:6] == [
        {
            "name": "CPU_REQUEST",
            "valueFrom": {"resourceFieldRef": {"containerName": "ray-worker", "resource": "requests.cpu"}},
        },
        {
            "name": "CPU_LIMITS",
            "valueFrom": {"resourceFieldRef": {"containerName": "ray-worker", "resource": "limits.cpu"}},
        },
        {
            "name": "MEMORY_REQUESTS",
            "valueFrom": {"resourceFieldRef": {"containerName": "ray-worker", "resource": "requests.memory"}},
        },
        {
            "name": "MEMORY_LIMITS",
            "valueFrom": {"resourceFieldRef": {"containerName": "ray-worker", "resource": "limits.memory"}},
        },
    ]


@pytest.mark.parametrize(
    ("enabled", "options", "expected"),
    [
        (
            True,
            {"idleTimeoutSeconds": 60, "upscalingMode": "Aggressive"},
            {"idleTimeoutSeconds": 60, "upscalingMode": "Aggressive"},
        ),
        (True, None, None),  # enabled without options: no autoscalerOptions
        (True, {}, {}),  # options given but empty: written empty
        (False, {"idleTimeoutSeconds": 60}, None),  # ignored when autoscaling is off
    ],
)
def test_autoscaling_switch(
    enabled: bool, options: dict[str, Any] | None, expected: dict[str, Any] | None
) -> None:
    cluster = minimal()
    cluster["cluster_spec"]["enableInTreeAutoscaling"] = enabled
    if options is not None:
        cluster["cluster_spec"]["autoscalerOptions"] = options
    cr = build(cluster)
    assert cr["spec"].get("enableInTreeAutoscaling") == (True if enabled else None)
    assert cr["spec"].get("autoscalerOptions") == expected
    back = raycluster_to_cluster(stored(cr))["cluster_spec"]
    assert back.get("enableInTreeAutoscaling", False) is enabled
    assert back.get("autoscalerOptions") == expected


def test_security_context_in_both_groups() -> None:
    security = {"capabilities": {"add": ["SYS_PTRACE"]}, "privileged": False}
    cluster = with_worker(security_context=security)
    cluster["cluster_spec"]["head_group_spec"]["security_context"] = security
    cr = build(cluster)
    assert head_container(cr)["securityContext"] == {
        "capabilities": {"add": ["SYS_PTRACE"]},
        "privileged": False,
    }
    assert worker_container(cr)["securityContext"] == head_container(cr)["securityContext"]
    back = raycluster_to_cluster(stored(cr))["cluster_spec"]
    assert (
        back["head_group_spec"]["security_context"]
        == security
        == back["worker_group_spec"][0]["security_context"]
    )
    assert "securityContext" not in head_container(build(minimal()))


def test_every_volume_type_in_a_cluster_passes_the_crd_schema() -> None:
    volumes = [
        {
            "name": "pvc",
            "mount_path": "/a",
            "source": "claim",
            "read_only": True,
            "mount_propagation_mode": "HOSTTOCONTAINER",
        },
        {
            "name": "hp",
            "mount_path": "/b",
            "volume_type": "HOST_PATH",
            "source": "/tmp",
            "host_path_type": "FILE",
        },
        {
            "name": "eph",
            "mount_path": "/c",
            "volume_type": "EPHEMERAL",
            "storage": "5Gi",
            "storageClassName": "std",
            "accessMode": "ROX",
        },
        {"name": "cm", "mount_path": "/d", "volume_type": "CONFIGMAP", "source": "cm", "items": {"k": "p"}},
        {"name": "sec", "mount_path": "/e", "volume_type": "SECRET", "source": "s", "items": {"k": "p"}},
        {"name": "ed", "mount_path": "/f", "volume_type": "EMPTY_DIR", "storage": "1Gi"},
    ]
    cr = build(with_worker(volumes=volumes))
    assert crd_violations(cr) == []
    assert [v["name"] for v in cr["spec"]["workerGroupSpecs"][0]["template"]["spec"]["volumes"]] == [
        v["name"] for v in volumes
    ]
    back = raycluster_to_cluster(stored(cr))["cluster_spec"]["worker_group_spec"][0]["volumes"]
    assert [(v["name"], v["volume_type"]) for v in back] == [
        ("pvc", "PERSISTENT_VOLUME_CLAIM"),
        ("hp", "HOST_PATH"),
        ("eph", "EPHEMERAL"),
        ("cm", "CONFIGMAP"),
        ("sec", "SECRET"),
        ("ed", "EMPTY_DIR"),
    ]


def test_schema_check_catches_what_the_api_server_would_reject() -> None:
    cr = build(minimal())
    cr["spec"]["headGroupSpec"]["template"]["spec"]["containers"][0]["imagePulPolicy"] = "Always"
    cr["spec"]["autoscalerOptions"] = {"upscalingMode": "Fast"}
    assert crd_violations(cr) == [
        ".spec.headGroupSpec.template.spec.containers[0].imagePulPolicy: unknown field (would be pruned)",
        ".spec.autoscalerOptions.upscalingMode: 'Fast' not in ['Default', 'Aggressive', 'Conservative']",
    ]


# --- conversion-time errors (§3.4) and crash paths (§14) ----------------------------------------

_WRAP = (
    "Failed to create a Ray cluster: Create Cluster failed.: "
    "InvalidInputError: Failed to create a Ray cluster: "
)


@pytest.mark.parametrize(
    ("mutate", "cause"),
    [
        (
            lambda c: c["cluster_spec"]["head_group_spec"].update(
                volumes=[{"name": "e", "mount_path": "/e", "volume_type": "EPHEMERAL"}]
            ),
            "storage for ephemeral volume is empty",
        ),
        (
            lambda c: c["cluster_spec"]["worker_group_spec"][0].update(
                volumes=[{"name": "e", "mount_path": "/e", "volume_type": "EPHEMERAL", "storage": "10 GB"}]
            ),
            "storage for ephemeral volume is not specified correctly",
        ),
        (
            lambda c: c["cluster_spec"]["worker_group_spec"][0].update(
                volumes=[{"name": "d", "mount_path": "/d", "volume_type": "EMPTY_DIR", "storage": "1GB"}]
            ),
            "storage for empty dir volume is not specified correctly",
        ),
        (
            lambda c: c["cluster_spec"].update(
                enableInTreeAutoscaling=True, autoscalerOptions={"cpu": "one"}
            ),
            "cpu for autoscaler is not specified correctly",
        ),
        (
            lambda c: c["cluster_spec"].update(
                enableInTreeAutoscaling=True, autoscalerOptions={"memory": "1 Gi"}
            ),
            "memory for autoscaler is not specified correctly",
        ),
    ],
    ids=["ephemeral-empty", "ephemeral-bad", "empty-dir-bad", "autoscaler-cpu", "autoscaler-memory"],
)
def test_conversion_errors(mutate: Any, cause: str) -> None:
    cluster = with_worker()
    mutate(cluster)
    with pytest.raises(V1Error) as raised:
        build_for_the_api(cluster)
    assert raised.value.code == Code.INVALID_ARGUMENT
    assert raised.value.http_status == 400
    assert raised.value.message == _WRAP + cause


def test_autoscaler_errors_only_when_autoscaling_is_on() -> None:
    cluster = minimal()
    cluster["cluster_spec"]["autoscalerOptions"] = {"cpu": "one"}
    assert "autoscalerOptions" not in build(cluster)["spec"]


def test_stored_template_with_a_bad_memory_unit_is_a_clear_400() -> None:
    broken = {**DEFAULT_TEMPLATE, "memory_unit": "GB"}
    with pytest.raises(V1Error) as raised:
        build_for_the_api(minimal(), {"default-template": broken})
    assert raised.value.code == Code.INVALID_ARGUMENT
    assert raised.value.message == _WRAP + (
        'memory "4GB" of compute template default-template is not a valid quantity: '
        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
    )


def test_template_missing_from_the_resolved_map_is_not_found() -> None:
    with pytest.raises(V1Error) as raised:
        build_for_the_api(with_worker(compute_template="elsewhere"))
    assert raised.value.code == Code.NOT_FOUND
    assert "elsewhere" in raised.value.message


@pytest.mark.parametrize(
    ("cluster", "message"),
    [
        (
            {"name": "c", "namespace": "ns", "user": "u"},
            "A ClusterSpec object is required. Please specify one.",
        ),
        (
            {"name": "c", "namespace": "ns", "user": "u", "cluster_spec": {}},
            "Cluster Spec Object requires HeadGroupSpec to be populated. Please specify one.",
        ),
    ],
)
def test_unvalidated_requests_fail_cleanly(cluster: dict[str, Any], message: str) -> None:
    with pytest.raises(V1Error) as raised:
        validate_create_cluster("ns", cluster)
    assert raised.value.code == Code.INVALID_ARGUMENT
    assert raised.value.message.startswith(
        message + ": Validate create cluster request failed.: Invalid input error: "
    )


def test_required_templates_head_first_then_distinct_workers() -> None:
    cluster = minimal(compute_template="head-t")
    cluster["cluster_spec"]["worker_group_spec"] = [
        {"compute_template": "w1"},
        {"compute_template": "head-t"},
        {"compute_template": "w2"},
        {"compute_template": "w1"},
    ]
    assert required_templates(cluster) == ["head-t", "w1", "w2"]


# --- read-back of objects the v1 API did not build ---------------------------------------------


def test_read_back_of_a_minimal_cr_with_missing_pointers() -> None:
    cr = {
        "apiVersion": "ray.io/v1",
        "kind": "RayCluster",
        "metadata": {"name": "v2made", "namespace": "ns", "creationTimestamp": "2025-02-03T04:05:06Z"},
        "spec": {
            "rayVersion": "2.40.0",
            "headGroupSpec": {"template": {"spec": {"containers": []}}},
            "workerGroupSpecs": [
                {
                    "groupName": "g",
                    "template": {"spec": {"containers": [{"name": "ray-worker", "image": "x"}]}},
                }
            ],
        },
        "status": {"state": "suspended"},
    }
    cluster = raycluster_to_cluster(cr)
    assert cluster["version"] == ""  # from the label, not spec.rayVersion
    assert cluster["environment"] == "DEV"
    assert cluster["created_at"] == "2025-02-03T04:05:06Z"
    assert cluster["cluster_state"] == "suspended"
    assert "annotations" not in cluster
    assert "environment" not in cluster["cluster_spec"]["head_group_spec"]  # no env at all
    worker = cluster["cluster_spec"]["worker_group_spec"][0]
    assert (worker["replicas"], worker["min_replicas"], worker["max_replicas"]) == (
        0,
        0,
        2147483647,
    )  # CRD defaults
    assert not is_managed(cr)


def test_events_are_attached_with_the_cluster_name_label() -> None:
    cr = stored(build(minimal()))
    event = {
        "metadata": {"name": "c.1", "creationTimestamp": "2025-01-01T00:00:02Z"},
        "regarding": {"name": "c"},
        "reason": "Created",
        "note": "head pod created",
        "type": "Normal",
        "eventTime": "2025-01-01T00:00:02.5Z",
    }
    cluster = raycluster_to_cluster(cr, [event])
    assert cluster["events"] == [
        {
            "id": "c.1",
            "name": "c-c.1",
            "created_at": "2025-01-01T00:00:02Z",
            "first_timestamp": "2025-01-01T00:00:02Z",
            "last_timestamp": "2025-01-01T00:00:02Z",
            "reason": "Created",
            "message": "head pod created",
            "type": "Normal",
            "count": 0,
        }
    ]
    assert "events" not in raycluster_to_cluster(cr, [])
    assert "deleted_at" not in cluster


def test_managed_by_selector() -> None:
    assert MANAGED_BY_SELECTOR == "app.kubernetes.io/managed-by=kuberay-apiserver"


# --- the whole message, both ways ---------------------------------------------------------------

EVERYTHING = {
    "name": "full",
    "namespace": "ns",
    "user": "alice",
    "version": "2.46.0",
    "environment": "STAGING",
    "annotations": {"kubernetes.io/ingress.class": "nginx"},
    "cluster_spec": {
        "head_group_spec": {
            "compute_template": "default-template",
            "image": "rayproject/ray:2.46.0-py310",
            "service_type": "ClusterIP",
            "enableIngress": True,
            "ray_start_params": {"dashboard-host": "0.0.0.0", "num-cpus": "0"},
            "volumes": [
                {
                    "name": "data",
                    "mount_path": "/data",
                    "volume_type": "PERSISTENT_VOLUME_CLAIM",
                    "source": "claim",
                    "read_only": True,
                    "mount_propagation_mode": "HOSTTOCONTAINER",
                },
                {
                    "name": "code",
                    "mount_path": "/code",
                    "volume_type": "CONFIGMAP",
                    "source": "code",
                    "items": {"a.py": "a.py"},
                },
            ],
            "service_account": "ray-head-sa",
            "image_pull_secret": "regcred",
            "environment": {
                "values": {"RAY_LOG": "debug"},
                "valuesFrom": {
                    "CM": {"source": "CONFIGMAP", "name": "cm", "key": "k"},
                    "CPU": {"source": "RESOURCEFIELD", "name": "ray-head", "key": "limits.cpu"},
                    "NS": {"source": "FIELD", "key": "metadata.namespace"},
                },
            },
            "annotations": {"prometheus.io/scrape": "true"},
            "labels": {"team": "ml"},
            "imagePullPolicy": "Always",
            "security_context": {
                "capabilities": {"add": ["SYS_PTRACE"], "drop": ["NET_RAW"]},
                "privileged": False,
            },
        },
        "worker_group_spec": [
            {
                "group_name": "gpu",
                "compute_template": "default-template",
                "image": "rayproject/ray:2.46.0-gpu",
                "replicas": 2,
                "min_replicas": 1,
                "max_replicas": 5,
                "ray_start_params": {"num-gpus": "1"},
                "volumes": [
                    {
                        "name": "dev",
                        "mount_path": "/dev/shm2",
                        "volume_type": "HOST_PATH",
                        "source": "/dev/shm",
                        "host_path_type": "FILE",
                        "mount_propagation_mode": "BIDIRECTIONAL",
                    },
                    {
                        "name": "creds",
                        "mount_path": "/creds",
                        "volume_type": "SECRET",
                        "source": "s3",
                        "items": {"key": "k"},
                    },
                    {
                        "name": "scratch",
                        "mount_path": "/scratch",
                        "volume_type": "EPHEMERAL",
                        "storage": "50Gi",
                        "storageClassName": "fast",
                        "accessMode": "RWX",
                        "mount_propagation_mode": "HOSTTOCONTAINER",
                    },
                    {"name": "cache", "mount_path": "/cache", "volume_type": "EMPTY_DIR", "storage": "2Gi"},
                ],
                "service_account": "ray-worker-sa",
                "image_pull_secret": "regcred",
                "environment": {
                    "values": {"W": "1"},
                    "valuesFrom": {"S": {"source": "SECRET", "name": "s", "key": "k"}},
                },
                "annotations": {"sidecar.istio.io/inject": "false"},
                "labels": {"pool": "gpu"},
                "imagePullPolicy": "Always",
                "security_context": {"capabilities": {}},
            }
        ],
        "enableInTreeAutoscaling": True,
        "autoscalerOptions": {
            "idleTimeoutSeconds": 120,
            "upscalingMode": "Conservative",
            "image": "rayproject/ray:2.46.0",
            "imagePullPolicy": "Always",
            "cpu": "1",
            "memory": "1Gi",
            "envs": {"values": {"AUTOSCALER_LOG_LEVEL": "debug"}},
        },
        "headServiceAnnotations": {"service.beta.kubernetes.io/aws-load-balancer-internal": "true"},
    },
}


def test_every_field_the_go_server_round_trips_comes_back() -> None:
    cr = build(EVERYTHING)
    assert crd_violations(cr) == []
    back = raycluster_to_cluster(stored(cr, state="ready", endpoints={"dashboard": "8265"}))
    expected = copy.deepcopy(EVERYTHING)
    # What the server adds:
    expected["annotations"]["ray.io/creation-timestamp"] = NOW_TEXT
    expected.update(
        created_at="2025-01-01T00:00:01Z", cluster_state="ready", service_endpoint={"dashboard": "8265"}
    )
    # Nothing else: every field above is one the Go server gives back (losses: next test).
    assert back == expected


@pytest.mark.parametrize(
    ("field", "sent", "read_back"),
    [  # §6.7: what the Go server does not give back, and what it gives instead
        (("envs",), {"values": {"X": "1"}}, None),
        (("deleted_at",), "2025-01-01T00:00:00Z", None),
        (("environment",), "DEV", "DEV"),  # emitted as 0, i.e. omitted, by the schema layer
        (("cluster_spec", "head_group_spec", "image"), "", ""),  # default image reads back empty
        (("cluster_spec", "head_group_spec", "imagePullPolicy"), "IfNotPresent", None),
        (("cluster_spec", "head_group_spec", "service_account"), "x", None),
        (("cluster_spec", "head_group_spec", "image_pull_secret"), "x", None),
        (
            ("cluster_spec", "head_group_spec", "environment"),
            {"values": {"MY_POD_IP": "spoof"}},
            {"values": {}, "valuesFrom": {}},
        ),
        (("cluster_spec", "head_group_spec", "annotations"), {"ray.io/ft-enabled": "true"}, None),
        (("cluster_spec", "head_group_spec", "labels"), {"ray.io/node-type": "head"}, None),
        (
            ("cluster_spec", "head_group_spec", "volumes"),
            [
                {
                    "name": "c",
                    "mount_path": "/c",
                    "volume_type": "CONFIGMAP",
                    "source": "c",
                    "read_only": True,
                    "mount_propagation_mode": "BIDIRECTIONAL",
                }
            ],
            [{"name": "c", "mount_path": "/c", "volume_type": "CONFIGMAP", "source": "c"}],
        ),
        (
            ("cluster_spec", "head_group_spec", "volumes"),
            [
                {
                    "name": "h",
                    "mount_path": "/h",
                    "volume_type": "HOST_PATH",
                    "source": "/h",
                    "read_only": True,
                }
            ],
            [
                {
                    "name": "h",
                    "mount_path": "/h",
                    "volume_type": "HOST_PATH",
                    "source": "/h",
                    "host_path_type": "DIRECTORY",
                    "mount_propagation_mode": "NONE",
                }
            ],
        ),
    ],
)
def test_documented_losses(field: tuple[str, ...], sent: Any, read_back: Any) -> None:
    cluster = minimal()
    target = cluster
    for key in field[:-1]:
        target = target[key]
    target[field[-1]] = sent
    back: Any = raycluster_to_cluster(stored(build(cluster)))
    for key in field:
        back = back.get(key) if isinstance(back, dict) else None
    assert back == read_back


def test_volume_errors_win_over_a_broken_template_as_in_go() -> None:
    cluster = minimal(volumes=[{"name": "e", "mount_path": "/e", "volume_type": "EPHEMERAL"}])
    with pytest.raises(V1Error) as raised:
        build_for_the_api(cluster, {"default-template": {**DEFAULT_TEMPLATE, "memory_unit": "GB"}})
    assert raised.value.message == _WRAP + "storage for ephemeral volume is empty"


def test_the_creation_timestamp_has_nanoseconds_like_gos_clock() -> None:
    """Go's ``time.Now().String()`` shows nanoseconds (``.766443417``), not microseconds."""
    stamped = build_raycluster(minimal(), "ns", TEMPLATES, clock=lambda: 1695638915_766443417)
    stamped = stamped["metadata"]["annotations"]
    assert stamped["ray.io/creation-timestamp"] == "2023-09-25 10:48:35.766443417 +0000 UTC"


def test_unshown_spec_fields_are_those_a_v1_cluster_does_not_carry():

    cr = {
        "spec": {
            "headGroupSpec": {},
            "workerGroupSpecs": [],
            "suspend": False,
            "upgradeStrategy": {},
            "x": None,
        }
    }
    assert unshown_spec_fields(cr) == ["spec.suspend", "spec.upgradeStrategy"]
    assert unshown_spec_fields({}) == []
