"""The Go server's request validation, rule for rule and message for message.

Order matters: the first failing rule wins, as in ``apiserver/pkg/server/validations.go``,
``cluster_server.go`` and ``compute_template_server.go``. Every function takes proto-named
message dicts (absent fields are zero values) and raises ``V1Error`` with the Go text.
"""

from __future__ import annotations

from typing import Any

from v1compat.convert.quantity import QuantityError, parse_quantity
from v1compat.convert.templates import template_memory
from v1compat.errors import invalid_input, invalid_input_with_details

NAMESPACE_EMPTY = "Namespace is empty. Please specify a valid value."
CLUSTER_NAME_EMPTY = "Cluster name is empty. Please specify a valid value."
TEMPLATE_NAME_EMPTY = "Compute template name is empty. Please specify a valid value."
JOB_NAME_EMPTY = "job name is empty. Please specify a valid value."
JOB_NAMESPACE_EMPTY = "job namespace is empty. Please specify a valid value."

VALIDATE_CREATE_CLUSTER = "Validate create cluster request failed."
VALIDATE_CREATE_TEMPLATE = "Validate compute template runtime request failed."
VALIDATE_CREATE_JOB = "Validate job request failed."

_PULL_POLICIES = ("Always", "IfNotPresent")


def require_namespace(namespace: str) -> None:
    if not namespace:
        raise invalid_input(NAMESPACE_EMPTY)


def require_cluster_name(namespace: str, name: str) -> None:
    """Get and Delete cluster: the name is checked before the namespace."""
    if not name:
        raise invalid_input(CLUSTER_NAME_EMPTY)
    require_namespace(namespace)


def require_template_name(namespace: str, name: str) -> None:
    if not name:
        raise invalid_input(TEMPLATE_NAME_EMPTY)
    require_namespace(namespace)


def require_job_namespace(namespace: str) -> None:
    """List jobs: the job server has its own lower-case wording."""
    if not namespace:
        raise invalid_input(JOB_NAMESPACE_EMPTY)


def require_job_name(namespace: str, name: str) -> None:
    """Get and Delete job: the name is checked before the namespace."""
    if not name:
        raise invalid_input(JOB_NAME_EMPTY)
    require_job_namespace(namespace)


def validate_create_template(path_namespace: str, template: dict[str, Any]) -> None:
    """ValidateCreateComputeTemplateRequest."""
    problem = _create_template_problem(path_namespace, template)
    if problem:
        raise invalid_input(problem, VALIDATE_CREATE_TEMPLATE)


def _create_template_problem(path_namespace: str, template: dict[str, Any]) -> str | None:
    if not path_namespace:
        return NAMESPACE_EMPTY
    if template.get("namespace", "") != path_namespace:
        return "The namespace in the request is different from the namespace defined in the compute template."
    if not template.get("name"):
        return TEMPLATE_NAME_EMPTY
    if not template.get("cpu"):
        return "Cpu amount is zero. Please specify a valid value."
    if not template.get("memory"):
        return "Memory amount is zero. Please specify a valid value."
    return None


def validate_template_memory(template: dict[str, Any], *context: str) -> None:
    """The create-time check that ``<memory><memory_unit>`` is a Kubernetes quantity.

    The Go server answered a bad unit (``"GB"``) with 500 ``Failed to convert compute runtime``;
    the error raised here is InvalidArgument under ``context``, since the request is what is wrong.
    """
    memory = template_memory(template)
    try:
        parse_quantity(memory)
    except QuantityError as error:
        name = template.get("name") or ""
        namespace = template.get("namespace") or ""
        raise invalid_input_with_details(
            f"Failed to convert compute runtime ({namespace}/{name})",
            f'memory "{memory}" is not a valid quantity: {error}',
            *context,
        ) from None


def validate_create_cluster(path_namespace: str, cluster: dict[str, Any]) -> None:
    """ValidateCreateClusterRequest, then ValidateClusterSpec, under one wrap."""
    problem = _create_cluster_problem(path_namespace, cluster) or cluster_spec_problem(
        cluster.get("cluster_spec")
    )
    if problem:
        raise invalid_input(problem, VALIDATE_CREATE_CLUSTER)


def _create_cluster_problem(path_namespace: str, cluster: dict[str, Any]) -> str | None:
    if not path_namespace:
        return NAMESPACE_EMPTY
    if cluster.get("namespace", "") != path_namespace:
        return "The namespace in the request is different from the namespace in the cluster definition."
    if not cluster.get("name"):
        return CLUSTER_NAME_EMPTY
    if not cluster.get("user"):
        return "User who create the cluster is empty. Please specify a valid value."
    return None


def cluster_spec_problem(spec: dict[str, Any] | None) -> str | None:
    """ValidateClusterSpec: the message of the first broken rule, or None.

    Shared with jobs and services, which wrap it in their own context.
    """
    if spec is None:
        return "A ClusterSpec object is required. Please specify one."
    head = spec.get("head_group_spec")
    if head is None:
        return "Cluster Spec Object requires HeadGroupSpec to be populated. Please specify one."
    if not head.get("compute_template"):
        return "HeadGroupSpec compute template is empty. Please specify a valid value."
    if not head.get("ray_start_params"):
        return "HeadGroupSpec RayStartParams is empty. Please specify values."
    if head.get("imagePullPolicy") and head["imagePullPolicy"] not in _PULL_POLICIES:
        return "HeadGroupSpec unsupported value for Image pull policy. Please specify Always or IfNotPresent"
    for index, worker in enumerate(spec.get("worker_group_spec") or []):
        problem = _worker_problem(index, worker)
        if problem:
            return problem
    return None


def _worker_problem(index: int, worker: dict[str, Any]) -> str | None:
    if not worker.get("group_name"):
        return f"WorkerNodeSpec {index} group name is empty. Please specify a valid value."
    if not worker.get("compute_template"):
        return f"WorkerNodeSpec {index} compute template is empty. Please specify a valid value."
    max_replicas = worker.get("max_replicas", 0)
    if max_replicas == 0:
        return f"WorkerNodeSpec {index} MaxReplicas can not be 0. Please specify a valid value."
    if worker.get("min_replicas", 0) > max_replicas:
        return f"WorkerNodeSpec {index} MinReplica > MaxReplicas. Please specify a valid value."
    if worker.get("imagePullPolicy") and worker["imagePullPolicy"] not in _PULL_POLICIES:
        return (
            "Worker GroupSpec unsupported value for Image pull policy. Please specify Always or IfNotPresent"
        )
    return None


def validate_create_job(path_namespace: str, job: dict[str, Any]) -> None:
    """ValidateCreateJobRequest: a job with a cluster selector needs no cluster spec;
    ``entrypoint`` and ``version`` are not checked (the Go server did not either).

    A cluster spec sent *with* a selector is checked too: the Go server skipped the rules
    and then crashed on a spec without a head group, or looked up a template named "".
    """
    problem = _create_job_problem(path_namespace, job)
    if problem is None and (not job.get("cluster_selector") or job.get("cluster_spec") is not None):
        problem = cluster_spec_problem(job.get("cluster_spec"))
    if problem:
        raise invalid_input(problem, VALIDATE_CREATE_JOB)


def _create_job_problem(path_namespace: str, job: dict[str, Any]) -> str | None:
    if not path_namespace:
        return NAMESPACE_EMPTY
    if job.get("namespace", "") != path_namespace:
        return "The namespace in the request is different from the namespace in the job definition."
    if not job.get("name"):
        return "Job name is empty. Please specify a valid value."
    if not job.get("user"):
        return "User who create the job is empty. Please specify a valid value."


# --- RayServices (apiserver/pkg/server/serve_server.go) -----------------------------------------

SERVICE_NAME_EMPTY = "Service name is empty. Please specify a valid value."
VALIDATE_CREATE_SERVICE = "Validate create service request failed."
VALIDATE_UPDATE_SERVICE = "Validate update service request failed."
SERVICE_NAME_MISMATCH = "The name in the request path is different from the name in the service definition."


def require_service_name(namespace: str, name: str) -> None:
    """Get and Delete service: the name first, then the namespace, both in lower case."""
    if not name:
        raise invalid_input("ray service name is empty. Please specify a valid value.")
    require_service_namespace(namespace)


def require_service_namespace(namespace: str) -> None:
    if not namespace:
        raise invalid_input("ray service namespace is empty. Please specify a valid value.")


def validate_create_service(path_namespace: str, service: dict[str, Any]) -> None:
    """ValidateCreateServiceRequest, then ValidateClusterSpec, under one wrap."""
    problem = (
        (NAMESPACE_EMPTY if not path_namespace else None)
        or _service_problem(path_namespace, service, "created")
        or cluster_spec_problem(service.get("cluster_spec"))
    )
    if problem:
        raise invalid_input(problem, VALIDATE_CREATE_SERVICE)


def validate_update_service(path_namespace: str, path_name: str, service: dict[str, Any]) -> None:
    """ValidateUpdateServiceRequest, plus one rule of the bridge's: the body names the object
    of the path (Go ignored the path name and updated whatever the body named)."""
    problem = (
        ("Name is empty. Please specify a valid value." if not path_name else None)
        or (NAMESPACE_EMPTY if not path_namespace else None)
        or _service_problem(path_namespace, service, "updated")
        or (SERVICE_NAME_MISMATCH if service.get("name") != path_name else None)
        or cluster_spec_problem(service.get("cluster_spec"))
    )
    if problem:
        raise invalid_input(problem, VALIDATE_UPDATE_SERVICE)


def _service_problem(path_namespace: str, service: dict[str, Any], verb: str) -> str | None:
    if service.get("namespace", "") != path_namespace:
        return "The namespace in the request is different from the namespace in the service definition."
    if not service.get("name"):
        return SERVICE_NAME_EMPTY
    if not service.get("user"):
        return f"User who {verb} the Service is empty. Please specify a valid value."
    return None
