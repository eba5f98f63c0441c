"""Clusters over v1: each call becomes RayCluster (and ConfigMap, Event) calls through the V2
pipeline, built and read back by the pure converters of ``v1compat.convert``.

Deliberate differences from the Go server (MIGRATION.md lists them):
- a duplicate cluster is 409 AlreadyExists (Go: 500);
- a cluster naming a missing compute template is 404 NotFound with the Go message (Go: 500);
  a template ConfigMap whose memory is not a quantity is 400 (Go: crash);
- a RayCluster without ``app.kubernetes.io/managed-by=kuberay-apiserver`` is 404 on get and
  delete (Go: 500), and Kubernetes validation failures on create are 400 (Go: 500);
- a cluster with more worker groups or distinct compute templates than the settings
  ``max_worker_groups`` / ``max_compute_templates`` allow is 400 before any upstream call
  (Go: one ConfigMap read per template, however many);
- events are fetched per namespace and joined to each cluster by namespace and name, so
  same-named clusters in two namespaces no longer swap events in list-all, and a list costs one
  events call per namespace on the page instead of one per cluster.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import MultiDict

from bridge.kube.resources import EVENTS_K8S_IO, RAYCLUSTERS
from v1compat import convert, managed, templates_api
from v1compat.convert.constants import MANAGED_BY, MANAGED_BY_SELECTOR
from v1compat.errors import already_exists
from v1compat.managed import ManagedKind, V2Calls
from v1compat.query import LIMIT_CONTINUE, parse_query
from v1compat.templates_api import DEFAULT_FAN_OUT, FanOutLimits
from v1compat.validation import (
    require_cluster_name,
    require_namespace,
    validate_create_cluster,
)
from v1compat.wire import write_failure

CREATE_FAILED = "Create Cluster failed."
BUILD_FAILED = "Failed to create a Ray cluster"
GET_FAILED = "Get cluster failed."
DELETE_LOOKUP_FAILED = "Get cluster failure"
LIST_FAILED = "List clusters failed."
LIST_ALL_FAILED = "List clusters from all namespaces failed."


CLUSTERS = ManagedKind(
    noun="Cluster",
    path=RAYCLUSTERS.get_url,
    selector=MANAGED_BY_SELECTOR,
    owns=convert.is_managed,
    not_owned=lambda name: f"RayCluster with name {name} not managed by {MANAGED_BY}",
    get_failed="Get Cluster failed",
    delete_failed=lambda name: f"Failed to delete cluster {name}.",
)


@dataclass(frozen=True)
class PageQuery:
    """``limit``/``continue`` of a list call, passed verbatim to the Kubernetes list (after the
    managed-by selector ``managed.list_items`` puts first)."""

    limit: int = 0
    continue_token: str = ""

    def as_query(self) -> list[tuple[str, str]]:
        query: list[tuple[str, str]] = []
        if self.limit > 0:
            query.append(("limit", str(self.limit)))
        if self.continue_token:
            query.append(("continue", self.continue_token))
        return query


def page_query(args: MultiDict[str, str]) -> PageQuery:
    """``limit`` and ``continue`` read by grpc-gateway's rules (``v1compat.query``)."""
    values = parse_query(args, LIMIT_CONTINUE)
    return PageQuery(limit=values.get("limit", 0), continue_token=values.get("continue", ""))


# --- create -----------------------------------------------------------------------------------


def create(
    client: V2Calls, namespace: str, cluster: dict[str, Any], limits: FanOutLimits = DEFAULT_FAN_OUT
) -> dict[str, Any]:
    validate_create_cluster(namespace, cluster)
    cluster = {**cluster, "namespace": namespace}
    name = cluster["name"]
    templates = templates_api.resolve(
        client, namespace, cluster, convert.required_templates(cluster), limits, CREATE_FAILED
    )
    raycluster = build_raycluster(cluster, namespace, templates)
    created = client.create(RAYCLUSTERS.get_url(namespace), raycluster)
    if created.status == 409:
        raise already_exists(f"Cluster {name} already exists in namespace {namespace}", CREATE_FAILED)
    if not created.ok:
        raise write_failure(
            created.status,
            created.body,
            f"Failed to create a cluster for ({namespace}/{name})",
            CREATE_FAILED,
        )
    return convert.raycluster_to_cluster(created.body, cluster_events(client, created.body))


def build_raycluster(
    cluster: dict[str, Any],
    namespace: str,
    templates: dict[str, dict[str, Any]],
    clock: Callable[[], int] = time.time_ns,
) -> dict[str, Any]:
    """The RayCluster for a validated v1 Cluster, stamped with ``clock()`` (nanoseconds since
    the epoch: Go's ``time.Now().String()`` shows them); a conversion error becomes the Go
    server's 400 ``Failed to create a Ray cluster`` with its cause, a template missing from
    ``templates`` its 404 ``Compute template ... not found in namespace ...``."""
    now, nanosecond = managed.clock_time(clock)
    with managed.building(namespace, BUILD_FAILED, CREATE_FAILED):
        return convert.cluster_to_raycluster(
            cluster, namespace, templates, now=now, now_nanosecond=nanosecond
        )


# --- read -------------------------------------------------------------------------------------


def get(client: V2Calls, namespace: str, name: str) -> dict[str, Any]:
    require_cluster_name(namespace, name)
    raycluster = managed.fetch(client, CLUSTERS, namespace, name, GET_FAILED)
    _warn_unshown([raycluster])
    return convert.raycluster_to_cluster(raycluster, cluster_events(client, raycluster))


def _warn_unshown(rayclusters: list[dict[str, Any]]) -> None:
    managed.warn_unshown("RayCluster", RAYCLUSTERS.get_url, rayclusters, convert.unshown_spec_fields)


def list_in_namespace(client: V2Calls, namespace: str, page: PageQuery) -> dict[str, Any]:
    require_namespace(namespace)
    return _list(client, namespace, page, LIST_FAILED, f"List RayCluster failed in {namespace}")


def list_all(client: V2Calls, page: PageQuery) -> dict[str, Any]:
    return _list(client, None, page, LIST_ALL_FAILED, "List RayCluster failed in ")


def _list(client: V2Calls, namespace: str | None, page: PageQuery, *context: str) -> dict[str, Any]:
    items, next_page = managed.list_items(client, CLUSTERS, namespace, *context, query=page.as_query())
    _warn_unshown(items)
    clusters = managed.convert_each(items, convert.raycluster_to_cluster, events_of_clusters(client, items))
    return {"clusters": clusters, "continue_": next_page}


def cluster_events(client: V2Calls, raycluster: dict[str, Any]) -> list[dict[str, Any]]:
    """events.k8s.io/v1 Events about this cluster (§9.3); failures only cost the events."""
    return events_of_clusters(client, [raycluster])[0]


def events_of_clusters(client: V2Calls, rayclusters: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The events of each RayCluster, in the order of ``rayclusters``: one events call per
    namespace, however many clusters it holds (a page of 1,000 clusters used to make 1,000).

    The Ray events route narrows every call to ``regarding.apiVersion=ray.io/v1``; a namespace
    with one cluster also asks for its name only. The events of a namespace are then matched to
    clusters by ``regarding.name``, as that field selector matched them, keeping the upstream
    order, so each cluster gets exactly the events a per-cluster call would give it. There is
    no all-namespaces events call: the route table allows namespaced Ray events only, and a
    namespace whose events cannot be read (RBAC, a failure) only costs its clusters' events.
    """
    keys = [_namespace_and_name(raycluster) for raycluster in rayclusters]
    names_by_namespace: dict[str, set[str]] = {}
    for namespace, name in keys:
        names_by_namespace.setdefault(namespace, set()).add(name)
    found: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for namespace, names in names_by_namespace.items():
        for event in _ray_events(client, namespace, names):
            about = event.get("regarding") if isinstance(event, dict) else None
            name = about.get("name") if isinstance(about, dict) else None
            if name in names:
                found.setdefault((namespace, name), []).append(event)
    return [found.get(key, []) for key in keys]


def _namespace_and_name(raycluster: dict[str, Any]) -> tuple[str, str]:
    metadata = raycluster.get("metadata") or {}
    return metadata.get("namespace", ""), metadata.get("name", "")


def _ray_events(client: V2Calls, namespace: str, names: set[str]) -> list[Any]:
    """The Ray events of ``namespace`` (about ``names`` only when it is just one); [] on failure."""
    query = [("fieldSelector", f"regarding.name={next(iter(names))}")] if len(names) == 1 else []
    result = client.list(EVENTS_K8S_IO.get_url(namespace), query=query)
    if not result.ok or not isinstance(result.body, dict):
        return []
    return list(result.body.get("items") or [])


# --- delete -----------------------------------------------------------------------------------


def delete(client: V2Calls, namespace: str, name: str) -> None:
    require_cluster_name(namespace, name)
    managed.delete(client, CLUSTERS, namespace, name, DELETE_LOOKUP_FAILED)
