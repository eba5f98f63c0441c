"""The v1 deprecation policy: which headers every v1 response carries, and which v2 call
replaces each v1 call.

Clients learn about the deprecation the standard ways, so generic tooling notices it too:
``Deprecation`` (RFC 9745, a structured-field date ``@<unix seconds>``), ``Sunset`` (RFC 8594,
an HTTP-date, only when a removal date is configured), ``Link`` with ``rel="successor-version"``
(the v2 call that replaces *this* call) and ``rel="deprecation"`` (the migration guide), and a
``Warning: 299`` header naming the v2 call, as the Kubernetes API server does for deprecated
API versions (kubectl and client-go print those warnings).

Each row of the v1 route table (``v1compat.routes.ROUTES``) names its successor with one of
the builders below, so the table can be read, tested and documented (MIGRATION.md) route by
route.
"""

from __future__ import annotations

import calendar
import datetime as _dt
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formatdate

from bridge.core.config import SERVED_GUIDE_PATH, BridgeConfig
from bridge.kube.resources import CONFIGMAPS, RAYCLUSTERS, RAYJOBS, RAYSERVICES, SERVICES, quote_segment
from bridge.kube.services import dashboard_service_id
from bridge.kube.warnings import warning_299

V1_PREFIX = "/apis/v1"
DEFAULT_DEPRECATED_SINCE = _dt.date(2026, 8, 19)

_RAY = RAYCLUSTERS.prefix
_RAY_RESOURCES = {resource.plural: resource for resource in (RAYCLUSTERS, RAYJOBS, RAYSERVICES)}
_MANAGED_ONLY = "?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dkuberay-apiserver"


@dataclass(frozen=True)
class Successor:
    """The v2 call that replaces a v1 call.

    ``served_by_bridge`` is False for compute templates: v2 has no template endpoint, a
    template is a ConfigMap that operators manage with the Kubernetes API (kubectl), and the
    bridge never exposes ConfigMaps; the ``Link`` then points to the guide's section.
    """

    method: str
    path: str
    served_by_bridge: bool = True
    guide_section: str = ""

    def describe(self) -> str:
        text = f"{self.method} {self.path}"
        if not self.served_by_bridge:
            text += " on the Kubernetes API (a ConfigMap labelled ray.io/config-type=compute-template)"
        return text


SuccessorOf = Callable[..., Successor]
"""Builds the successor of one v1 route from its method and its path values (as decoded: the
builders quote each segment once, through ``bridge.kube.resources``)."""


def ray(plural: str) -> SuccessorOf:
    """The same call on the ray.io CR: ``POST .../namespaces/ns/rayclusters``, ``GET .../c``."""

    def build(method: str, namespace: str | None = None, name: str | None = None) -> Successor:
        return Successor(method, _RAY_RESOURCES[plural].get_url(namespace, name))

    return build


def ray_list(plural: str) -> SuccessorOf:
    """A v1 list shows only what the v1 API manages; the v2 list that returns the same set
    carries the managed-by selector (the client adds its own ``limit``/``continue``)."""

    def build(method: str, namespace: str | None = None) -> Successor:
        listed = ray(plural)(method, namespace)
        return Successor(method, listed.path + _MANAGED_ONLY)

    return build


def configmaps(method: str, namespace: str | None = None, name: str | None = None) -> Successor:
    """Compute templates are ConfigMaps on the Kubernetes API (not served by the bridge)."""
    path = CONFIGMAPS.get_url(namespace, name)
    return Successor(method, path, served_by_bridge=False, guide_section="compute-templates")


def dashboard(rest: str = "") -> SuccessorOf:
    """Job submissions go to the Ray dashboard's job API through the head service proxy;
    ``rest`` is formatted with the path values (``"{submission}/logs"``)."""

    def build(method: str, namespace: str, cluster: str, **values: str) -> Successor:
        service = SERVICES.get_url(namespace, dashboard_service_id(cluster), "proxy")
        jobs = "/".join(quote_segment(segment) for segment in f"api/jobs/{rest.format(**values)}".split("/"))
        return Successor(method, f"{service}/{jobs}")

    return build


def successor_for(method: str, build: SuccessorOf, values: dict[str, str]) -> Successor | None:
    """The successor of a matched v1 route, or None when a path value is empty (no v1 call:
    the Go server answered "name is empty" or 404 there)."""
    if not all(values.values()):
        return None
    # The path arrives decoded; the successor is a URI again (a name holding a euro sign or ">"
    # would otherwise break the Link header or make the response unsendable): the builders
    # quote each segment once.
    return build(method, **values)


def is_v1_path(path: str) -> bool:
    return path == V1_PREFIX or path.startswith(V1_PREFIX + "/")


def deprecation_headers(config: BridgeConfig, successor: Successor | None) -> list[tuple[str, str]]:
    """Every header a v1 response carries to say it is deprecated, in a stable order;
    ``successor`` is the v2 call replacing the matched v1 route (None: no known v1 call)."""
    since = config.v1_deprecated_since or DEFAULT_DEPRECATED_SINCE
    headers = [("Deprecation", f"@{_unix_seconds(since)}")]
    if config.v1_sunset:
        headers.append(("Sunset", formatdate(_unix_seconds(config.v1_sunset), usegmt=True)))
    guide = guide_url(config)
    links = []
    if successor is not None:
        target = successor.path
        if not successor.served_by_bridge:
            target = guide_url(config, successor.guide_section)
        links.append(f'<{target}>; rel="successor-version"')
    links.append(f'<{guide}>; rel="deprecation"')
    headers.append(("Link", ", ".join(links)))
    if successor is not None:
        advice = f"use {successor.describe()} instead"
    else:
        advice = f"use the KubeRay v2 API ({_RAY}) instead"
    headers.append(("Warning", warning_299(f"KubeRay APIServer v1 is deprecated; {advice}")))
    return headers


def guide_url(config: BridgeConfig, section: str = "") -> str:
    """The migration guide: the copy the bridge serves (``SERVED_GUIDE_PATH``, relative, so
    it resolves against whatever host the client reached the bridge by), with ``section`` as
    its anchor; a configured URL is used as given, without an anchor that page may not have."""
    if config.migration_guide_url:
        return config.migration_guide_url
    return f"{SERVED_GUIDE_PATH}#{section}" if section else SERVED_GUIDE_PATH


def _unix_seconds(day: _dt.date) -> int:
    return calendar.timegm(day.timetuple())
