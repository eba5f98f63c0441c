"""v1 RayService <-> RayService CR.

Build side mirrors ``NewRayService`` / ``buildRayServiceSpec`` / ``buildRayServiceLabels``
(apiserver/pkg/util/service.go) plus the timestamp annotation ``CreateService`` and
``UpdateRayService`` stamp (apiserver/pkg/manager/resource_manager.go); read side mirrors
``FromCrdToAPIService`` / ``PoplulateRayServiceStatus`` (apiserver/pkg/model/converter.go).

The cluster inside a service is built and read back by the cluster converters, with the one
difference the Go server made: the head always gets the serve ports (``dashboard-agent``
52365 and ``serve`` 8000), whatever the annotations say, and no cluster-level envs exist.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from v1compat.convert.cluster import (
    V1_SPEC_FIELDS,
    cluster_spec_from_raycluster_spec,
    go_time_string,
    raycluster_spec,
    unshown_fields,
)
from v1compat.convert.constants import (
    APP_NAME,
    APP_NAME_LABEL,
    CREATION_TIMESTAMP_ANNOTATION,
    MANAGED_BY,
    MANAGED_BY_LABEL,
    UPDATE_TIMESTAMP_ANNOTATION,
    USER_LABEL,
)
from v1compat.convert.errors import ConversionError
from v1compat.convert.events import cluster_event_from_event
from v1compat.convert.proto import rfc3339_seconds

SERVE_CONFIG_MISSING = "serve configuration is not defined"

# What protojson prints for Timestamp{Seconds: -1}: the Go server's deleteAt of a live service.
NOT_BEING_DELETED = "1969-12-31T23:59:59Z"

# The RayService spec fields a v1 RayService carries (build and read-back).
V1_SERVICE_SPEC_FIELDS = frozenset(
    {
        "serveConfigV2",
        "rayClusterConfig",
        "serviceUnhealthySecondThreshold",
        "deploymentUnhealthySecondThreshold",
    }
)


def service_labels(service: dict[str, Any]) -> dict[str, str]:
    """buildRayServiceLabels: the user and the two labels that mark what the v1 API owns."""
    return {
        USER_LABEL: service.get("user") or "",
        APP_NAME_LABEL: APP_NAME,
        MANAGED_BY_LABEL: MANAGED_BY,
    }


def rayservice_spec(service: dict[str, Any], templates: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """buildRayServiceSpec: the serve config first (it must be set), then the cluster with
    serve ports; the deprecated thresholds only when positive. Raises ConversionError."""
    serve_config = service.get("serve_config_V2") or ""
    if not serve_config:
        raise ConversionError(SERVE_CONFIG_MISSING)
    spec: dict[str, Any] = {
        "serveConfigV2": serve_config,
        "rayClusterConfig": raycluster_spec(
            service.get("cluster_spec") or {},
            service.get("version") or "",
            None,
            templates,
            enable_serve_service=True,
        ),
    }
    for field, key in (
        ("service_unhealthy_second_threshold", "serviceUnhealthySecondThreshold"),
        ("deployment_unhealthy_second_threshold", "deploymentUnhealthySecondThreshold"),
    ):
        value = service.get(field) or 0
        if value > 0:
            spec[key] = value
    return spec


def service_to_rayservice(
    service: dict[str, Any],
    namespace: str,
    templates: dict[str, dict[str, Any]],
    *,
    now: datetime,
    now_nanosecond: int | None = None,
    updating: bool = False,
) -> dict[str, Any]:
    """The RayService the Go server writes for a validated v1 RayService.

    Its only annotation is the time of this write in Go's ``time.String()`` form:
    ``ray.io/creation-timestamp`` on create, ``ray.io/update-timestamp`` when ``updating``
    (Go's update dropped every other annotation, the creation stamp included). Raises
    ``MissingTemplateError`` or ``ConversionError`` like the cluster converter.
    """
    stamp = UPDATE_TIMESTAMP_ANNOTATION if updating else CREATION_TIMESTAMP_ANNOTATION
    spec = rayservice_spec(service, templates)
    return {
        "apiVersion": "ray.io/v1",
        "kind": "RayService",
        "metadata": {
            "name": service.get("name") or "",
            "namespace": namespace,
            "labels": service_labels(service),
            "annotations": {stamp: go_time_string(now, now_nanosecond)},
        },
        "spec": spec,
    }


# --- read-back -------------------------------------------------------------------------------


def unshown_service_spec_fields(cr: dict[str, Any]) -> list[str]:
    """The spec fields of this RayService, and of its RayCluster config, that a v1 read
    cannot show (set through v2, or from a newer CRD): its own, then its cluster spec's, each sorted."""
    spec = cr.get("spec")
    if not isinstance(spec, dict):
        return []
    return unshown_fields(spec, V1_SERVICE_SPEC_FIELDS, "spec") + unshown_fields(
        spec.get("rayClusterConfig"), V1_SPEC_FIELDS, "spec.rayClusterConfig"
    )


def active_cluster_name(cr: dict[str, Any]) -> str:
    """The RayCluster serving now (``status.activeServiceStatus.rayClusterName``), or ""."""
    return str(_active_status(cr).get("rayClusterName") or "")


def _active_status(cr: dict[str, Any]) -> dict[str, Any]:
    status = cr.get("status") or {}
    return status.get("activeServiceStatus") or {}


def _applications(statuses: dict[str, Any]) -> list[dict[str, Any]]:
    """PopulateServeApplicationStatus: one entry per application, its deployments inside.
    Go walked the maps in random order; the bridge keeps the order the CR lists them in."""
    applications = []
    for name, app in statuses.items():
        app = app or {}
        deployments = [
            {
                "deployment_name": deployment_name,
                "status": (deployment or {}).get("status") or "",
                "message": (deployment or {}).get("message") or "",
            }
            for deployment_name, deployment in (app.get("serveDeploymentStatuses") or {}).items()
        ]
        applications.append(
            {
                "name": name,
                "status": app.get("status") or "",
                "message": app.get("message") or "",
                "serve_deployment_status": deployments,
            }
        )
    return applications


def rayservice_status(cr: dict[str, Any], events: list[dict[str, Any]] | None) -> dict[str, Any]:
    """PoplulateRayServiceStatus: the active cluster's name, state and endpoints, the serve
    applications with their deployments, and the events named ``<service>-<event>``. The
    pending cluster (during an upgrade) is not shown, as before."""
    active = _active_status(cr)
    cluster_status = active.get("rayClusterStatus") or {}
    service_name = (cr.get("metadata") or {}).get("name") or ""
    return {
        "ray_service_events": [cluster_event_from_event(event, service_name) for event in events or []],
        "ray_cluster_name": active.get("rayClusterName") or "",
        "ray_cluster_state": cluster_status.get("state") or "",
        "service_endpoint": dict(cluster_status.get("endpoints") or {}),
        "serve_application_status": _applications(active.get("applicationStatuses") or {}),
    }


def rayservice_to_service(cr: dict[str, Any], events: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """FromCrdToAPIService: the v1 RayService for a RayService CR and its events.

    ``version`` comes from the cluster's ``rayVersion``; ``ray_service_status`` is always
    there; ``delete_at`` too: the deletion time, or 1969-12-31T23:59:59Z (Go's -1 seconds)
    while the service is not being deleted.
    """
    metadata = cr.get("metadata") or {}
    spec = cr.get("spec") or {}
    cluster = spec.get("rayClusterConfig") or {}
    deletion = metadata.get("deletionTimestamp")
    return {
        "name": metadata.get("name") or "",
        "namespace": metadata.get("namespace") or "",
        "user": (metadata.get("labels") or {}).get(USER_LABEL) or "",
        "version": cluster.get("rayVersion") or "",
        "serve_config_V2": spec.get("serveConfigV2") or "",
        "service_unhealthy_second_threshold": spec.get("serviceUnhealthySecondThreshold") or 0,
        "deployment_unhealthy_second_threshold": spec.get("deploymentUnhealthySecondThreshold") or 0,
        "cluster_spec": cluster_spec_from_raycluster_spec(cluster),
        "ray_service_status": rayservice_status(cr, events),
        "created_at": rfc3339_seconds(metadata.get("creationTimestamp")),
        "delete_at": rfc3339_seconds(deletion) if deletion else NOT_BEING_DELETED,
    }
