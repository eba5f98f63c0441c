"""v1 RayJob <-> RayJob CR.

Build side mirrors ``NewRayJob`` / ``buildRayJobLabels`` (apiserver/pkg/util/job.go); read side
mirrors ``FromCrdToAPIJob`` (apiserver/pkg/model/converter.go). The cluster spec goes through
the cluster converter (``raycluster_spec`` / ``cluster_spec_from_raycluster_spec``) with the job
differences: ``version`` is the Ray version and default image tag, there are no cluster-level
envs and no serve ports.

Two deliberate differences from Go: ``entrypointNumGpus`` reaches the CR (Go assigned it to a
copy and dropped it), and a RayJob whose submitter pod template has no container reads back
with an empty submitter instead of a half-filled message from a recovered panic.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from v1compat.convert.cluster import (
    V1_SPEC_FIELDS,
    cluster_spec_from_raycluster_spec,
    raycluster_spec,
    required_templates,
    unshown_fields,
)
from v1compat.convert.constants import (
    APP_NAME,
    APP_NAME_LABEL,
    CLUSTER_NAME_LABEL,
    MANAGED_BY,
    MANAGED_BY_LABEL,
    USER_LABEL,
)
from v1compat.convert.errors import ConversionError
from v1compat.convert.proto import rfc3339_seconds
from v1compat.convert.quantity import QuantityError, canonical_quantity, read_quantity

SUBMITTER_CONTAINER = "ray-job-submitter"
DEFAULT_SUBMITTER_CPU = "1"
DEFAULT_SUBMITTER_MEMORY = "1Gi"

# The RayJob spec fields a v1 RayJob reads back. ``jobId`` is read from the status, which
# holds the same id once Ray runs the job; ``activeDeadlineSeconds`` is written but, as in
# Go, never read back, so it is one of the fields a v1 read leaves out.
V1_JOB_SPEC_FIELDS = frozenset(
    {
        "entrypoint",
        "metadata",
        "runtimeEnvYAML",
        "shutdownAfterJobFinishes",
        "ttlSecondsAfterFinished",
        "jobId",
        "clusterSelector",
        "rayClusterSpec",
        "submitterPodTemplate",
        "entrypointNumCpus",
        "entrypointNumGpus",
        "entrypointResources",
    }
)
# What the RayJob CRD defaults (Kubernetes fills them in on every create, v1 ones included).
JOB_SPEC_DEFAULTS = {"backoffLimit": 0, "submissionMode": "K8sJobMode"}


def required_job_templates(job: dict[str, Any]) -> list[str]:
    """The compute templates a job needs: those of its cluster spec, none without one
    (``CreateJob`` resolves templates only when ``cluster_spec`` is set)."""
    return required_templates(job) if job.get("cluster_spec") is not None else []


def job_labels(job: dict[str, Any]) -> dict[str, str]:
    """buildRayJobLabels: no version or environment label, unlike a cluster's."""
    return {
        CLUSTER_NAME_LABEL: job.get("name") or "",
        USER_LABEL: job.get("user") or "",
        APP_NAME_LABEL: APP_NAME,
        MANAGED_BY_LABEL: MANAGED_BY,
    }


def _submitter_quantity(value: str, default: str, what: str) -> str:
    if not value:
        return default
    try:
        return canonical_quantity(value)
    except QuantityError as error:
        cause = f"{what} for ray job submitter {value} is not specified correctly: {error}"
        raise ConversionError(cause) from None


def submitter_pod_template(submitter: dict[str, Any]) -> dict[str, Any]:
    """The submitter pod: one container, requests = limits = cpu/memory (defaults 1 / 1Gi)."""
    cpu = _submitter_quantity(submitter.get("cpu") or "", DEFAULT_SUBMITTER_CPU, "cpu")
    memory = _submitter_quantity(submitter.get("memory") or "", DEFAULT_SUBMITTER_MEMORY, "memory")
    container: dict[str, Any] = {"name": SUBMITTER_CONTAINER}
    if submitter.get("image"):
        container["image"] = submitter["image"]
    resources = {"cpu": cpu, "memory": memory}
    container["resources"] = {"limits": dict(resources), "requests": dict(resources)}
    return {"spec": {"containers": [container], "restartPolicy": "Never"}}


def job_to_rayjob(
    job: dict[str, Any], namespace: str, templates: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """The RayJob the Go server creates for a validated v1 RayJob.

    ``templates`` maps every name from ``required_job_templates`` to its template. Raises
    MissingTemplateError for a template missing from ``templates``, ConversionError with Go's
    cause for anything else that cannot be built (a submitter cpu/memory, a volume...).
    """
    spec: dict[str, Any] = {}
    if job.get("entrypoint"):
        spec["entrypoint"] = job["entrypoint"]
    if job.get("metadata"):
        spec["metadata"] = dict(job["metadata"])
    if job.get("runtime_env"):
        spec["runtimeEnvYAML"] = job["runtime_env"]
    if job.get("shutdown_after_job_finishes"):
        spec["shutdownAfterJobFinishes"] = True
    if job.get("ttl_seconds_after_finished"):
        spec["ttlSecondsAfterFinished"] = job["ttl_seconds_after_finished"]
    if job.get("job_id"):
        spec["jobId"] = job["job_id"]
    if job.get("cluster_selector"):
        spec["clusterSelector"] = dict(job["cluster_selector"])
    if job.get("cluster_spec") is not None:
        # buildRayClusterSpec(version, envs=nil, ..., enableServeService=false)
        spec["rayClusterSpec"] = raycluster_spec(
            job["cluster_spec"], job.get("version") or "", None, templates, enable_serve_service=False
        )
    if job.get("jobSubmitter") is not None:
        spec["submitterPodTemplate"] = submitter_pod_template(job["jobSubmitter"])
    if (job.get("entrypointNumCpus") or 0) > 0:
        spec["entrypointNumCpus"] = job["entrypointNumCpus"]
    if (job.get("entrypointNumGpus") or 0) > 0:
        spec["entrypointNumGpus"] = job["entrypointNumGpus"]
    if job.get("entrypointResources"):
        spec["entrypointResources"] = job["entrypointResources"]
    if (job.get("activeDeadlineSeconds") or 0) > 0:
        spec["activeDeadlineSeconds"] = job["activeDeadlineSeconds"]
    metadata: dict[str, Any] = {
        "name": job.get("name") or "",
        "namespace": namespace,
        "labels": job_labels(job),
    }
    if job.get("metadata"):
        metadata["annotations"] = dict(job["metadata"])
    return {"apiVersion": "ray.io/v1", "kind": "RayJob", "metadata": metadata, "spec": spec}


# --- read-back -------------------------------------------------------------------------------


def unshown_job_spec_fields(cr: dict[str, Any]) -> list[str]:
    """The spec fields of this RayJob, and of the RayCluster spec inside it, that a v1 read
    cannot show (set through v2, or from a newer CRD): its own, then its cluster spec's, each sorted."""
    spec = cr.get("spec")
    if not isinstance(spec, dict):
        return []
    return unshown_fields(spec, V1_JOB_SPEC_FIELDS, "spec", JOB_SPEC_DEFAULTS) + unshown_fields(
        spec.get("rayClusterSpec"), V1_SPEC_FIELDS, "spec.rayClusterSpec"
    )


def _limit_text(value: Any) -> str:
    """``Quantity.String()`` of a stored limit; a list of RayJobs holds a handful of distinct
    submitter limits, so their parses are cached."""
    return _string_limit_text(value) if isinstance(value, str) else read_quantity(value)


@lru_cache(maxsize=256)
def _string_limit_text(value: str) -> str:
    return read_quantity(value)


def _submitter_from_template(template: dict[str, Any]) -> dict[str, Any]:
    """The v1 jobSubmitter of a submitter pod template: cpu/memory only when not the defaults."""
    containers = (template.get("spec") or {}).get("containers") or []
    if not containers:
        return {}
    container = containers[0] or {}
    submitter: dict[str, Any] = {"image": container.get("image") or ""}
    limits = (container.get("resources") or {}).get("limits") or {}
    for key, default in (("cpu", DEFAULT_SUBMITTER_CPU), ("memory", DEFAULT_SUBMITTER_MEMORY)):
        value = _limit_text(limits.get(key))
        if value != default:
            submitter[key] = value
    return submitter


def _positive(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


def rayjob_to_job(cr: dict[str, Any]) -> dict[str, Any]:
    """FromCrdToAPIJob: the v1 RayJob for a RayJob CR.

    ``version`` is the cluster spec's Ray version ("" with a cluster selector), ``job_id`` the
    one in the status (the id Ray gave the job), and ``activeDeadlineSeconds`` is not read back.
    """
    metadata = cr.get("metadata") or {}
    labels = metadata.get("labels") or {}
    spec = cr.get("spec") or {}
    status = cr.get("status") or {}
    cluster_spec = spec.get("rayClusterSpec")
    job: dict[str, Any] = {
        "name": metadata.get("name") or "",
        "namespace": metadata.get("namespace") or "",
        "user": labels.get(USER_LABEL) or "",
        "version": (cluster_spec or {}).get("rayVersion") or "",
        "entrypoint": spec.get("entrypoint") or "",
        "metadata": dict(spec.get("metadata") or {}),
        "runtime_env": spec.get("runtimeEnvYAML") or "",
        "job_id": status.get("jobId") or "",
        "shutdown_after_job_finishes": bool(spec.get("shutdownAfterJobFinishes")),
        "cluster_selector": dict(spec.get("clusterSelector") or {}),
        "ttl_seconds_after_finished": spec.get("ttlSecondsAfterFinished") or 0,
        "created_at": rfc3339_seconds(metadata.get("creationTimestamp")),
        "job_status": status.get("jobStatus") or "",
        "job_deployment_status": status.get("jobDeploymentStatus") or "",
        "message": status.get("message") or "",
    }
    if isinstance(cluster_spec, dict):
        job["cluster_spec"] = cluster_spec_from_raycluster_spec(cluster_spec)
    if metadata.get("deletionTimestamp"):
        job["delete_at"] = rfc3339_seconds(metadata["deletionTimestamp"])
    if isinstance(spec.get("submitterPodTemplate"), dict):
        job["jobSubmitter"] = _submitter_from_template(spec["submitterPodTemplate"])
    for key in ("entrypointNumCpus", "entrypointNumGpus"):
        if _positive(spec.get(key)):
            job[key] = spec[key]
    if spec.get("entrypointResources"):
        job["entrypointResources"] = spec["entrypointResources"]
    if status.get("startTime"):
        job["start_time"] = rfc3339_seconds(status["startTime"])
    if status.get("endTime"):
        job["end_time"] = rfc3339_seconds(status["endTime"])
    if status.get("rayClusterName"):
        job["ray_cluster_name"] = status["rayClusterName"]
    return job
