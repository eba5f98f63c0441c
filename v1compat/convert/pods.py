"""Head and worker groups: v1 group spec + compute template <-> RayCluster group with pod template.

Build side mirrors ``buildHeadPodTemplate`` / ``buildWorkerPodTemplate`` and the group part of
``buildRayClusterSpec`` (apiserver/pkg/util/cluster.go); read side mirrors
``PopulateHeadNodeSpec`` / ``PopulateWorkerNodeSpec`` (apiserver/pkg/model/converter.go).
Dicts are built in Go's JSON field order and without the fields Go's ``omitempty`` drops, so the
CR reads the same as the one the Go server wrote.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from v1compat.convert.constants import (
    COMPUTE_IMAGE_ANNOTATION,
    COMPUTE_TEMPLATE_ANNOTATION,
    CRD_DEFAULT_MAX_REPLICAS,
    CRD_DEFAULT_MIN_REPLICAS,
    CRD_DEFAULT_REPLICAS,
    DEFAULT_IMAGE_REPOSITORY,
    HEAD_CONTAINER,
    HEAD_RESERVED_ENV,
    NODE_DEFAULT_ANNOTATIONS,
    NODE_DEFAULT_LABELS,
    WORKER_CONTAINER,
    WORKER_RESERVED_ENV,
)
from v1compat.convert.environment import (
    env_vars_from_environment,
    environment_from_env_vars,
)
from v1compat.convert.proto import int32_field
from v1compat.convert.security import (
    container_security_context,
    security_context_from_container,
)
from v1compat.convert.templates import container_resources, pod_tolerations
from v1compat.convert.volumes import pod_volumes, volume_mounts, volumes_from_pod_spec

HEAD_PORTS = (
    {"name": "redis", "containerPort": 6379},
    {"name": "head", "containerPort": 10001},
    {"name": "dashboard", "containerPort": 8265},
    {"name": "metrics", "containerPort": 8080},
)
SERVE_PORTS = (
    {"name": "dashboard-agent", "containerPort": 52365},
    {"name": "serve", "containerPort": 8000},
)


def _field_ref(path: str) -> dict[str, Any]:
    return {"fieldRef": {"fieldPath": path}}


def _resource_ref(resource: str) -> dict[str, Any]:
    return {"resourceFieldRef": {"containerName": WORKER_CONTAINER, "resource": resource}}


HEAD_ENV_PREFIX = ({"name": "MY_POD_IP", "valueFrom": _field_ref("status.podIP")},)
WORKER_ENV_PREFIX = (
    {"name": "RAY_DISABLE_DOCKER_CPU_WARNING", "value": "1"},
    {"name": "TYPE", "value": "worker"},
    {"name": "CPU_REQUEST", "valueFrom": _resource_ref("requests.cpu")},
    {"name": "CPU_LIMITS", "valueFrom": _resource_ref("limits.cpu")},
    {"name": "MEMORY_REQUESTS", "valueFrom": _resource_ref("requests.memory")},
    {"name": "MEMORY_LIMITS", "valueFrom": _resource_ref("limits.memory")},
    {"name": "MY_POD_NAME", "valueFrom": _field_ref("metadata.name")},
    {"name": "MY_POD_IP", "valueFrom": _field_ref("status.podIP")},
)
WORKER_PRE_STOP = {"preStop": {"exec": {"command": ["/bin/sh", "-c", "ray stop"]}}}


def default_image(version: str) -> str:
    """constructRayImage: ``rayproject/ray:<version>`` (``rayproject/ray:`` without a version)."""
    return f"{DEFAULT_IMAGE_REPOSITORY}:{version}"


def image_pull_policy(policy: str | None) -> str:
    """Always when the client asked for "always" in any case, IfNotPresent otherwise."""
    return "Always" if (policy or "").lower() == "always" else "IfNotPresent"


def _container(
    name: str,
    group: dict[str, Any],
    version: str,
    env: list[dict[str, Any]],
    ports: list[dict[str, Any]],
    template: dict[str, Any],
    lifecycle: dict[str, Any] | None = None,
) -> dict[str, Any]:
    container: dict[str, Any] = {
        "name": name,
        "image": group.get("image") or default_image(version),
        "ports": ports,
        "env": env,
        "resources": container_resources(template),
    }
    mounts = volume_mounts(group.get("volumes"))
    if mounts:
        container["volumeMounts"] = mounts
    if lifecycle:
        container["lifecycle"] = lifecycle
    container["imagePullPolicy"] = image_pull_policy(group.get("imagePullPolicy"))
    security = container_security_context(group.get("security_context"))
    if security is not None:
        container["securityContext"] = security
    return container


def _pod_template(
    group: dict[str, Any],
    volumes: list[dict[str, Any]],
    container: dict[str, Any],
    template: dict[str, Any],
) -> dict[str, Any]:
    """The parts both pod builders share: annotations, labels, volumes, account, secrets."""
    annotations = {
        COMPUTE_TEMPLATE_ANNOTATION: template.get("name") or "",
        COMPUTE_IMAGE_ANNOTATION: group.get("image") or "",
        **(group.get("annotations") or {}),
    }
    metadata: dict[str, Any] = {"annotations": annotations}
    if group.get("labels"):
        metadata["labels"] = dict(group["labels"])
    spec: dict[str, Any] = {}
    if volumes:
        spec["volumes"] = volumes
    spec["containers"] = [container]
    service_account = group.get("service_account") or ""
    if len(service_account) > 1:
        spec["serviceAccountName"] = service_account
    pull_secret = group.get("image_pull_secret") or ""
    if len(pull_secret) > 1:
        spec["imagePullSecrets"] = [{"name": pull_secret}]
    tolerations = pod_tolerations(template)
    if tolerations:
        spec["tolerations"] = tolerations
    return {"metadata": metadata, "spec": spec}


def head_pod_template(
    head: dict[str, Any],
    version: str,
    envs: dict[str, Any] | None,
    template: dict[str, Any],
    enable_serve_service: bool = False,
) -> dict[str, Any]:
    """buildHeadPodTemplate; raises ConversionError for a bad volume or template."""
    volumes = pod_volumes(head.get("volumes"))  # volume errors come first, as in Go
    env = (
        deepcopy(list(HEAD_ENV_PREFIX))
        + env_vars_from_environment(envs)
        + env_vars_from_environment(head.get("environment"))
    )
    ports = deepcopy(list(HEAD_PORTS)) + (deepcopy(list(SERVE_PORTS)) if enable_serve_service else [])
    container = _container(HEAD_CONTAINER, head, version, env, ports, template)
    return _pod_template(head, volumes, container, template)


def worker_pod_template(
    worker: dict[str, Any], version: str, envs: dict[str, Any] | None, template: dict[str, Any]
) -> dict[str, Any]:
    """buildWorkerPodTemplate; raises ConversionError for a bad volume or template."""
    volumes = pod_volumes(worker.get("volumes"))
    env = (
        deepcopy(list(WORKER_ENV_PREFIX))
        + env_vars_from_environment(envs)
        + env_vars_from_environment(worker.get("environment"))
    )
    ports = [{"containerPort": 80}]
    container = _container(WORKER_CONTAINER, worker, version, env, ports, template, deepcopy(WORKER_PRE_STOP))
    return _pod_template(worker, volumes, container, template)


def head_group_spec(
    head: dict[str, Any],
    version: str,
    envs: dict[str, Any] | None,
    template: dict[str, Any],
    enable_serve_service: bool = False,
) -> dict[str, Any]:
    """The CR ``headGroupSpec``: service type, start params, ingress flag and pod template."""
    spec: dict[str, Any] = {}
    if head.get("service_type"):
        spec["serviceType"] = head["service_type"]
    if head.get("ray_start_params"):
        spec["rayStartParams"] = dict(head["ray_start_params"])
    if head.get("enableIngress"):
        spec["enableIngress"] = True
    spec["template"] = head_pod_template(head, version, envs, template, enable_serve_service)
    return spec


def worker_group_spec(
    worker: dict[str, Any], version: str, envs: dict[str, Any] | None, template: dict[str, Any]
) -> dict[str, Any]:
    """One CR ``workerGroupSpecs`` entry; min/max default to ``replicas`` when 0."""
    replicas = int(worker.get("replicas") or 0)
    spec: dict[str, Any] = {
        "groupName": worker.get("group_name") or "",
        "replicas": replicas,
        "minReplicas": int(worker.get("min_replicas") or 0) or replicas,
        "maxReplicas": int(worker.get("max_replicas") or 0) or replicas,
    }
    if worker.get("ray_start_params"):
        spec["rayStartParams"] = dict(worker["ray_start_params"])
    spec["template"] = worker_pod_template(worker, version, envs, template)
    return spec


# --- read-back -------------------------------------------------------------------------------


def _container_named(pod_spec: dict[str, Any], name: str) -> dict[str, Any] | None:
    """GetContainerByName."""
    for container in pod_spec.get("containers") or []:
        if container.get("name") == name:
            return container
    return None


def _group_from_crd(
    group: dict[str, Any], container_name: str, reserved_env: frozenset[str]
) -> dict[str, Any]:
    """What PopulateHeadNodeSpec and PopulateWorkerNodeSpec share."""
    template = group.get("template") or {}
    metadata = template.get("metadata") or {}
    pod_spec = template.get("spec") or {}
    annotations = metadata.get("annotations") or {}
    result: dict[str, Any] = {
        "ray_start_params": dict(group.get("rayStartParams") or {}),
        "image": annotations.get(COMPUTE_IMAGE_ANNOTATION) or "",
        "compute_template": annotations.get(COMPUTE_TEMPLATE_ANNOTATION) or "",
        "volumes": volumes_from_pod_spec(pod_spec),
    }
    extra_annotations = {k: v for k, v in annotations.items() if k not in NODE_DEFAULT_ANNOTATIONS}
    if extra_annotations:
        result["annotations"] = extra_annotations
    labels = {k: v for k, v in (metadata.get("labels") or {}).items() if k not in NODE_DEFAULT_LABELS}
    if labels:
        result["labels"] = labels
    container = _container_named(pod_spec, container_name)
    if container is not None:
        if container.get("env"):
            result["environment"] = environment_from_env_vars(container["env"], reserved_env)
        security = security_context_from_container(container.get("securityContext"))
        if security is not None:
            result["security_context"] = security
    service_account = pod_spec.get("serviceAccountName") or ""
    if len(service_account) > 1:
        result["service_account"] = service_account
    pull_secrets = pod_spec.get("imagePullSecrets") or []
    if pull_secrets:
        result["image_pull_secret"] = pull_secrets[0].get("name") or ""
    # Go read containers[0] (and panicked on a pod without containers).
    containers = pod_spec.get("containers") or [{}]
    if containers[0].get("imagePullPolicy") == "Always":
        result["imagePullPolicy"] = "Always"
    return result


def head_group_from_crd(head: dict[str, Any]) -> dict[str, Any]:
    """PopulateHeadNodeSpec."""
    result = _group_from_crd(head, HEAD_CONTAINER, HEAD_RESERVED_ENV)
    result["service_type"] = head.get("serviceType") or ""
    if head.get("enableIngress"):
        result["enableIngress"] = True
    return result


def worker_group_from_crd(worker: dict[str, Any]) -> dict[str, Any]:
    """PopulateWorkerNodeSpec; absent replica counts read as the CRD defaults (Go panicked)."""

    def count(key: str, default: int) -> int:
        value = worker.get(key)
        return default if value is None else int32_field(value) or 0

    return {
        "group_name": worker.get("groupName") or "",
        "replicas": count("replicas", CRD_DEFAULT_REPLICAS),
        "min_replicas": count("minReplicas", CRD_DEFAULT_MIN_REPLICAS),
        "max_replicas": count("maxReplicas", CRD_DEFAULT_MAX_REPLICAS),
        **_group_from_crd(worker, WORKER_CONTAINER, WORKER_RESERVED_ENV),
    }
