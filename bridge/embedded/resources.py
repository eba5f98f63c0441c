"""The resources the embedded Kubernetes API serves: one table, read by routing and discovery."""

from __future__ import annotations

from dataclasses import dataclass, field

from bridge.kube import resources as kube

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")


@dataclass(frozen=True)
class Resource(kube.Resource):
    """A resource the embedded API serves: its Kubernetes identity and URLs
    (``bridge.kube.resources``) plus what discovery and routing need."""

    kind: str
    singular: str
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ALL_VERBS
    # Another resource whose objects this one shows (events.k8s.io/v1 events are core events).
    view_of: str | None = None
    printer_columns: tuple[dict, ...] = field(default=())

    @property
    def key(self) -> str:
        """Unique name of the resource, e.g. ``ray.io/v1/rayclusters`` or ``v1/configmaps``."""
        return f"{self.api_version}/{self.plural}"

    @property
    def storage_key(self) -> str:
        """Where objects live: views share the storage of the resource they show."""
        return self.view_of or self.key


RESOURCES: tuple[Resource, ...] = (
    Resource(
        "ray.io",
        "v1",
        "rayclusters",
        "RayCluster",
        "raycluster",
        categories=("all",),
        subresources=("status",),
    ),
    Resource("ray.io", "v1", "rayjobs", "RayJob", "rayjob", categories=("all",), subresources=("status",)),
    Resource(
        "ray.io",
        "v1",
        "rayservices",
        "RayService",
        "rayservice",
        categories=("all",),
        subresources=("status",),
    ),
    Resource("", "v1", "configmaps", "ConfigMap", "configmap", short_names=("cm",)),
    Resource(
        "",
        "v1",
        "services",
        "Service",
        "service",
        short_names=("svc",),
        categories=("all",),
        subresources=("status", "proxy"),
    ),
    Resource(
        "",
        "v1",
        "namespaces",
        "Namespace",
        "namespace",
        namespaced=False,
        short_names=("ns",),
        subresources=("status",),
        verbs=("create", "delete", "get", "list", "patch", "update", "watch"),
    ),
    Resource("", "v1", "events", "Event", "event", short_names=("ev",)),
    Resource("events.k8s.io", "v1", "events", "Event", "event", short_names=("ev",), view_of="v1/events"),
)

BY_KEY = {resource.key: resource for resource in RESOURCES}


def lookup(group: str, version: str, plural: str) -> Resource | None:
    api_version = f"{group}/{version}" if group else version
    return BY_KEY.get(f"{api_version}/{plural}")


def group_versions() -> dict[str, list[Resource]]:
    """Resources by apiVersion, in table order."""
    grouped: dict[str, list[Resource]] = {}
    for resource in RESOURCES:
        grouped.setdefault(resource.api_version, []).append(resource)
    return grouped
