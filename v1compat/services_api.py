"""RayServices over v1: each call becomes RayService (and ConfigMap, Event) calls through the
v2 pipeline, built and read back by ``v1compat.convert.service``.

Deliberate differences from the Go server (MIGRATION.md, section "RayServices"):
- PUT is an optimistic update: the object is read, rebuilt from the request, and written
  back with the ``resourceVersion`` that was read, so a change made in between answers 409
  Aborted instead of being overwritten (Go: any update failure was 500); the path name must
  be the body name (400; Go ignored the path name and updated what the body named);
- a duplicate service is 409 AlreadyExists, a missing compute template 404 NotFound, an
  unmanaged RayService 404 NotFound (Go: 500 for all three); a conversion error on PUT is
  400 like on POST (Go: 500);
- events come per namespace, joined to each service by name (its own and its active
  cluster's), as ``clusters_api`` does for clusters.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

from werkzeug.datastructures import MultiDict

from bridge.kube.resources import RAYSERVICES
from v1compat import clusters_api, convert, managed, templates_api
from v1compat.clusters_api import PageQuery
from v1compat.convert.constants import MANAGED_BY, MANAGED_BY_SELECTOR
from v1compat.errors import Code, V1Error, already_exists, not_found
from v1compat.managed import ManagedKind, Result, V2Calls
from v1compat.query import PAGE_SIZE_TOKEN, parse_query
from v1compat.templates_api import DEFAULT_FAN_OUT, FanOutLimits
from v1compat.validation import (
    require_service_name,
    require_service_namespace,
    validate_create_service,
    validate_update_service,
)
from v1compat.wire import k8s_message, write_failure

CREATE_FAILED = "Create ray service failed."
UPDATE_FAILED = "Update ray service failed."
BUILD_FAILED = "Failed to create a Ray Service"
GET_FAILED = "get ray service failed"
DELETE_LOOKUP_FAILED = "delete ray service failure"
LIST_FAILED = "failed to list rayservice."
LIST_ALL_FAILED = "list all services failed."

SERVICES = ManagedKind(
    noun="Service",
    path=RAYSERVICES.get_url,
    selector=MANAGED_BY_SELECTOR,
    owns=convert.is_managed,
    not_owned=lambda name: f"RayService with name {name} not managed by {MANAGED_BY}",
    get_failed="get service failed",
    delete_failed=lambda name: f"failed to delete ray service {name}.",
)

Clock = Callable[[], int]  # nanoseconds since the epoch, like time.time_ns


class V2Writes(V2Calls, Protocol):
    """The v2 calls of a service update: those of every kind, and a full replace."""

    def update(self, path: str, body: Any) -> Result: ...


# grpc-gateway accepted each query parameter under its proto name or its JSON name.
def page_query(args: MultiDict[str, str]) -> PageQuery:
    """``page_size``/``page_token`` (or ``pageSize``/``pageToken``), read by grpc-gateway's
    rules (``v1compat.query``), as the Kubernetes ``limit``/``continue``."""
    values = parse_query(args, PAGE_SIZE_TOKEN)
    return PageQuery(limit=values.get("page_size", 0), continue_token=values.get("page_token", ""))


# --- create and update ------------------------------------------------------------------------


def create(
    client: V2Calls,
    namespace: str,
    service: dict[str, Any],
    clock: Clock = time.time_ns,
    limits: FanOutLimits = DEFAULT_FAN_OUT,
) -> dict[str, Any]:
    validate_create_service(namespace, service)
    service = {**service, "namespace": namespace}
    name = service["name"]
    templates = templates_api.resolve(
        client, namespace, service, convert.required_templates(service), limits, CREATE_FAILED
    )
    rayservice = build_rayservice(service, namespace, templates, CREATE_FAILED, clock)
    created = client.create(RAYSERVICES.get_url(namespace), rayservice)
    if created.status == 409:
        raise already_exists(f"Service {name} already exists in namespace {namespace}", CREATE_FAILED)
    if not created.ok:
        raise write_failure(
            created.status, created.body, f"Failed to create service for ({namespace}/{name})", CREATE_FAILED
        )
    return convert.rayservice_to_service(created.body, service_events(client, created.body))


def update(
    client: V2Writes,
    namespace: str,
    name: str,
    service: dict[str, Any],
    clock: Clock = time.time_ns,
    limits: FanOutLimits = DEFAULT_FAN_OUT,
) -> dict[str, Any]:
    """Replace the service's spec (and, as Go did, its labels and annotations) with the one
    the request describes, only if nobody changed the object since it was read."""
    validate_update_service(namespace, name, service)
    templates_api.check_fan_out(service, convert.required_templates(service), limits)  # before the read
    service = {**service, "namespace": namespace}
    lookup = f"Update service fail, no service named: {name} "
    existing = managed.fetch(client, SERVICES, namespace, name, UPDATE_FAILED, lookup)
    templates = templates_api.resolve(
        client, namespace, service, convert.required_templates(service), limits, UPDATE_FAILED
    )
    rebuilt = build_rayservice(service, namespace, templates, UPDATE_FAILED, clock, updating=True)
    metadata = _replaced_metadata(existing.get("metadata") or {}, rebuilt["metadata"])
    replacement = {**rebuilt, "metadata": metadata}
    result = client.update(RAYSERVICES.get_url(namespace, name), replacement)
    if result.status == 409:
        raise V1Error(
            Code.ABORTED,
            f"Service {name} was changed by another client since it was read; read it again and "
            f"retry the update: {UPDATE_FAILED}: {k8s_message(result.status, result.body)}",
        )
    if result.status == 404:
        raise not_found(f"Service {name} not found", k8s_message(result.status, result.body), UPDATE_FAILED)
    if not result.ok:
        raise write_failure(
            result.status, result.body, f"Failed to update service for ({namespace}/{name})", UPDATE_FAILED
        )
    return convert.rayservice_to_service(result.body, service_events(client, result.body))


def _replaced_metadata(existing: dict[str, Any], rebuilt: dict[str, Any]) -> dict[str, Any]:
    """The object's own metadata (uid, resourceVersion, finalizers, owners) with the labels
    and annotations Go rebuilt: Kubernetes refuses the write if ``resourceVersion`` is stale.
    Keeping the rest means the replace never strips what the operator or others put there."""
    kept = {key: value for key, value in existing.items() if key not in ("managedFields",)}
    return {**kept, "labels": rebuilt["labels"], "annotations": rebuilt["annotations"]}


def build_rayservice(
    service: dict[str, Any],
    namespace: str,
    templates: dict[str, dict[str, Any]],
    context: str,
    clock: Clock = time.time_ns,
    *,
    updating: bool = False,
) -> dict[str, Any]:
    """The RayService for a validated v1 RayService, stamped with ``clock()``; a conversion
    error is the Go 400 ``Failed to create a Ray Service`` with its cause."""
    now, nanosecond = managed.clock_time(clock)
    with managed.building(namespace, BUILD_FAILED, context):
        return convert.service_to_rayservice(
            service, namespace, templates, now=now, now_nanosecond=nanosecond, updating=updating
        )


# --- read -------------------------------------------------------------------------------------


def get(client: V2Calls, namespace: str, name: str) -> dict[str, Any]:
    require_service_name(namespace, name)
    rayservice = managed.fetch(client, SERVICES, namespace, name, GET_FAILED)
    _warn_unshown([rayservice])
    return convert.rayservice_to_service(rayservice, service_events(client, rayservice))


def list_in_namespace(client: V2Calls, namespace: str, page: PageQuery) -> dict[str, Any]:
    require_service_namespace(namespace)
    return _list(client, namespace, page, LIST_FAILED, f"List RayService failed in {namespace}")


def list_all(client: V2Calls, page: PageQuery) -> dict[str, Any]:
    return _list(client, None, page, LIST_ALL_FAILED, "List RayService failed in ")


def _list(client: V2Calls, namespace: str | None, page: PageQuery, *context: str) -> dict[str, Any]:
    items, next_page = managed.list_items(client, SERVICES, namespace, *context, query=page.as_query())
    _warn_unshown(items)
    services = managed.convert_each(items, convert.rayservice_to_service, events_of_services(client, items))
    return {"services": services, "next_page_token": next_page}


def _warn_unshown(rayservices: list[dict[str, Any]]) -> None:
    managed.warn_unshown("RayService", RAYSERVICES.get_url, rayservices, convert.unshown_service_spec_fields)


def service_events(client: V2Calls, rayservice: dict[str, Any]) -> list[dict[str, Any]]:
    """The events of one RayService (§9.3); failures only cost the events."""
    return events_of_services(client, [rayservice])[0]


def events_of_services(client: V2Calls, rayservices: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The events of each RayService, in order: those about the service, then those about its
    active RayCluster (GetServiceEvents). One events call per namespace, through the same
    join ``clusters_api.events_of_clusters`` makes for clusters."""
    subjects = []
    for rayservice in rayservices:
        metadata = rayservice.get("metadata") or {}
        namespace = metadata.get("namespace") or ""
        names = [metadata.get("name") or "", convert.active_cluster_name(rayservice)]
        subjects.append([(namespace, name) for name in names if name])
    about = [{"metadata": {"namespace": ns, "name": name}} for pairs in subjects for ns, name in pairs]
    found = iter(clusters_api.events_of_clusters(client, about))
    return [[event for _ in pairs for event in next(found)] for pairs in subjects]


# --- delete -----------------------------------------------------------------------------------


def delete(client: V2Calls, namespace: str, name: str) -> None:
    require_service_name(namespace, name)
    managed.delete(client, SERVICES, namespace, name, DELETE_LOOKUP_FAILED)
