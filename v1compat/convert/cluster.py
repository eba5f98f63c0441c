"""v1 Cluster <-> RayCluster CR.

Build side mirrors ``NewRayCluster`` / ``buildRayClusterSpec`` / ``buildRayClusterLabels``
(apiserver/pkg/util/cluster.go) plus the creation-timestamp annotation that ``CreateCluster``
(apiserver/pkg/manager/resource_manager.go) adds; read side mirrors ``FromCrdToAPICluster`` /
``PopulateRayClusterSpec`` (apiserver/pkg/model/converter.go).

``raycluster_spec`` and ``cluster_spec_from_raycluster_spec`` are the parts the RayJob and
RayService converters reuse (Go's ``buildRayClusterSpec`` / ``PopulateRayClusterSpec``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from v1compat.convert.autoscaler import autoscaler_options, autoscaler_options_from_crd
from v1compat.convert.constants import (
    APP_NAME,
    APP_NAME_LABEL,
    CLUSTER_NAME_LABEL,
    CREATION_TIMESTAMP_ANNOTATION,
    ENABLE_SERVE_SERVICE_ANNOTATION,
    ENVIRONMENT_LABEL,
    MANAGED_BY,
    MANAGED_BY_LABEL,
    USER_LABEL,
    VERSION_LABEL,
)
from v1compat.convert.errors import ConversionError
from v1compat.convert.events import cluster_event_from_event
from v1compat.convert.pods import (
    head_group_from_crd,
    head_group_spec,
    worker_group_from_crd,
    worker_group_spec,
)
from v1compat.convert.proto import CLUSTER_ENVIRONMENTS, enum_name, rfc3339_seconds


class MissingTemplateError(ConversionError):
    """A group names a compute template the caller did not resolve."""

    def __init__(self, name: str):
        super().__init__(f"compute template {name} not found")
        self.name = name


def is_managed(cr: dict[str, Any]) -> bool:
    """Whether the v1 API may read or delete this object (the Go server's ownership label)."""
    labels = (cr.get("metadata") or {}).get("labels") or {}
    return labels.get(MANAGED_BY_LABEL) == MANAGED_BY


def required_templates(cluster: dict[str, Any]) -> list[str]:
    """The compute templates a cluster references, in the order Go resolves them.

    ``populateComputeTemplate``: the head's first, then each worker template not seen yet.
    """
    spec = cluster.get("cluster_spec") or {}
    names = [(spec.get("head_group_spec") or {}).get("compute_template") or ""]
    for worker in spec.get("worker_group_spec") or []:
        name = worker.get("compute_template") or ""
        if name not in names:
            names.append(name)
    return names


def go_time_string(moment: datetime, nanosecond: int | None = None) -> str:
    """Go's ``time.Time.String()`` of a UTC time: ``2023-09-25 10:48:35.766443417 +0000 UTC``.

    Go's clock has nanoseconds, a datetime only microseconds: ``nanosecond`` (0..999999999)
    replaces the fraction when given. The fraction drops trailing zeros, and disappears when
    the time is on a whole second.
    """
    utc = moment.astimezone(UTC)
    nanos = utc.microsecond * 1000 if nanosecond is None else nanosecond
    fraction = f"{nanos:09d}".rstrip("0")
    return f"{utc:%Y-%m-%d %H:%M:%S}{'.' + fraction if fraction else ''} +0000 UTC"


def _environment_label(environment: Any) -> str:
    # Go's Environment.String() prints an undefined number as the number.
    return str(enum_name(environment, CLUSTER_ENVIRONMENTS))


def cluster_labels(cluster: dict[str, Any]) -> dict[str, str]:
    """buildRayClusterLabels: always all six, values unsanitised as in Go."""
    return {
        CLUSTER_NAME_LABEL: cluster.get("name") or "",
        USER_LABEL: cluster.get("user") or "",
        VERSION_LABEL: cluster.get("version") or "",
        ENVIRONMENT_LABEL: _environment_label(cluster.get("environment")),
        APP_NAME_LABEL: APP_NAME,
        MANAGED_BY_LABEL: MANAGED_BY,
    }


def _template(templates: dict[str, dict[str, Any]], name: str) -> dict[str, Any]:
    try:
        return templates[name]
    except KeyError:
        raise MissingTemplateError(name) from None


def raycluster_spec(
    cluster_spec: dict[str, Any],
    version: str,
    envs: dict[str, Any] | None,
    templates: dict[str, dict[str, Any]],
    enable_serve_service: bool = False,
) -> dict[str, Any]:
    """buildRayClusterSpec: head, then workers in order, then autoscaling; raises ConversionError."""
    head = cluster_spec.get("head_group_spec") or {}
    head_spec = head_group_spec(
        head, version, envs, _template(templates, head.get("compute_template") or ""), enable_serve_service
    )
    workers = [
        worker_group_spec(worker, version, envs, _template(templates, worker.get("compute_template") or ""))
        for worker in cluster_spec.get("worker_group_spec") or []
    ]
    spec: dict[str, Any] = {}
    if version:
        spec["rayVersion"] = version
    spec["headGroupSpec"] = head_spec
    if workers:
        spec["workerGroupSpecs"] = workers
    if cluster_spec.get("enableInTreeAutoscaling"):
        spec["enableInTreeAutoscaling"] = True
        options = autoscaler_options(cluster_spec.get("autoscalerOptions"))
        if options is not None:
            spec["autoscalerOptions"] = options
    if cluster_spec.get("headServiceAnnotations"):
        spec["headServiceAnnotations"] = dict(cluster_spec["headServiceAnnotations"])
    return spec


def cluster_to_raycluster(
    cluster: dict[str, Any],
    namespace: str,
    templates: dict[str, dict[str, Any]],
    *,
    now: datetime,
    now_nanosecond: int | None = None,
) -> dict[str, Any]:
    """The RayCluster the Go server creates for a validated v1 Cluster
    (``v1compat.validation.validate_create_cluster``).

    ``templates`` maps every name from ``required_templates`` to its template. The annotation
    ``ray.io/creation-timestamp`` is stamped with ``now`` (Go's clock shows nanoseconds: pass
    ``now_nanosecond`` to keep them). Raises MissingTemplateError for a template missing from
    ``templates``, ConversionError with Go's cause for anything else that cannot be built.
    """
    annotations = dict(cluster.get("annotations") or {})
    enable_serve_service = annotations.get(ENABLE_SERVE_SERVICE_ANNOTATION) == "true"
    spec = raycluster_spec(
        cluster.get("cluster_spec") or {},
        cluster.get("version") or "",
        cluster.get("envs"),
        templates,
        enable_serve_service,
    )
    annotations[CREATION_TIMESTAMP_ANNOTATION] = go_time_string(now, now_nanosecond)
    return {
        "apiVersion": "ray.io/v1",
        "kind": "RayCluster",
        "metadata": {
            "name": cluster.get("name") or "",
            "namespace": namespace,
            "labels": cluster_labels(cluster),
            "annotations": annotations,
        },
        "spec": spec,
    }


# --- read-back -------------------------------------------------------------------------------


# The RayCluster spec fields a v1 Cluster carries (build and read-back); any other field a
# newer CRD (or a v2 client) sets is invisible through v1.
V1_SPEC_FIELDS = frozenset(
    {
        "rayVersion",
        "headGroupSpec",
        "workerGroupSpecs",
        "enableInTreeAutoscaling",
        "autoscalerOptions",
        "headServiceAnnotations",
    }
)


def unshown_fields(
    spec: Any, shown: frozenset[str], prefix: str, defaults: dict[str, Any] | None = None
) -> list[str]:
    """The ``<prefix>.<field>`` paths of ``spec`` outside ``shown``, sorted. A field holding
    its CRD default is not one: a v1 re-create gets the same default back."""
    if not isinstance(spec, dict):
        return []
    defaults = defaults or {}
    return sorted(
        f"{prefix}.{key}"
        for key, value in spec.items()
        if key not in shown and value is not None and (key not in defaults or value != defaults[key])
    )


def unshown_spec_fields(cr: dict[str, Any]) -> list[str]:
    """The ``spec.<field>`` paths of this RayCluster that a v1 read cannot show, sorted."""
    return unshown_fields(cr.get("spec"), V1_SPEC_FIELDS, "spec")


def cluster_spec_from_raycluster_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """PopulateRayClusterSpec."""
    result: dict[str, Any] = {"head_group_spec": head_group_from_crd(spec.get("headGroupSpec") or {})}
    workers = [worker_group_from_crd(worker) for worker in spec.get("workerGroupSpecs") or []]
    if workers:
        result["worker_group_spec"] = workers
    if spec.get("enableInTreeAutoscaling"):
        result["enableInTreeAutoscaling"] = True
        options = autoscaler_options_from_crd(spec.get("autoscalerOptions"))
        if options is not None:
            result["autoscalerOptions"] = options
    if spec.get("headServiceAnnotations"):
        result["headServiceAnnotations"] = dict(spec["headServiceAnnotations"])
    return result


def raycluster_to_cluster(cr: dict[str, Any], events: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """FromCrdToAPICluster: the v1 Cluster for a RayCluster and its events.k8s.io/v1 events.

    Never sets ``deleted_at`` or ``envs`` (Go does not): cluster-level envs are only visible
    inside each group's ``environment``.
    """
    metadata = cr.get("metadata") or {}
    labels = metadata.get("labels") or {}
    status = cr.get("status") or {}
    environment = labels.get(ENVIRONMENT_LABEL) or ""
    cluster: dict[str, Any] = {
        "name": metadata.get("name") or "",
        "namespace": metadata.get("namespace") or "",
        "user": labels.get(USER_LABEL) or "",
        "version": labels.get(VERSION_LABEL) or "",
        "environment": environment if environment in CLUSTER_ENVIRONMENTS else CLUSTER_ENVIRONMENTS[0],
        "cluster_spec": cluster_spec_from_raycluster_spec(cr.get("spec") or {}),
        "created_at": rfc3339_seconds(metadata.get("creationTimestamp")),
        "cluster_state": status.get("state") or "",
    }
    if metadata.get("annotations"):
        cluster["annotations"] = dict(metadata["annotations"])
    if events:
        owner = labels.get(CLUSTER_NAME_LABEL) or ""
        cluster["events"] = [cluster_event_from_event(event, owner) for event in events]
    cluster["service_endpoint"] = dict(status.get("endpoints") or {})
    return cluster
