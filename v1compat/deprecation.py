"""The v1 deprecation policy: which headers every v1 response carries, and which v2 call
replaces each v1 call.

Clients learn about the deprecation the standard ways, so generic tooling notices it too:
``Deprecation`` (RFC 9745, a structured-field date ``@<unix seconds>``), ``Sunset`` (RFC 8594,
an HTTP-date, only when a removal date is configured), ``Link`` with ``rel="successor-version"``
(the v2 call that replaces *this* call) and ``rel="deprecation"`` (the migration guide), and a
``Warning: 299`` header naming the v2 call, as the Kubernetes API server does for deprecated
API versions (kubectl and client-go print those warnings).

The successor table is a pure function of method and path so it can be read, tested and
documented (MIGRATION.md) route by route.
"""

from __future__ import annotations

import calendar
import datetime as _dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formatdate

from bridge.core.config import BridgeConfig
from bridge.kube.resources import (
    CONFIGMAPS,
    RAYCLUSTERS,
    RAYJOBS,
    RAYSERVICES,
    SERVICES,
    quote_segment,
)
from bridge.kube.warnings import warning_299

V1_PREFIX = "/apis/v1"
DEFAULT_DEPRECATED_SINCE = _dt.date(2026, 8, 19)

_RAY = RAYCLUSTERS.prefix
_RAY_RESOURCES = {resource.plural: resource for resource in (RAYCLUSTERS, RAYJOBS, RAYSERVICES)}
_SEGMENT = r"([^/]+)"
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
            text += (
                " on the Kubernetes API (a ConfigMap labelled "
                "ray.io/config-type=compute-template)"
            )
        return text


def _ray(kind: str) -> Callable[..., str]:
    def build(namespace: str | None = None, name: str | None = None) -> str:
        return _RAY_RESOURCES[kind].get_url(namespace, name)

    return build


def _ray_list(kind: str) -> Callable[..., str]:
    """A v1 list shows only what the v1 API manages; the v2 list that returns the same set
    carries the managed-by selector (the client adds its own ``limit``/``continue``)."""

    def build(namespace: str | None = None) -> str:
        return _ray(kind)(namespace) + _MANAGED_ONLY

    return build


def _configmaps(namespace: str | None = None, name: str | None = None) -> str:
    return CONFIGMAPS.get_url(namespace, name)


def _dashboard(namespace: str, cluster: str, rest: str = "") -> str:
    jobs = "/".join(quote_segment(segment) for segment in f"api/jobs/{rest}".split("/"))
    return SERVICES.get_url(namespace, f"{cluster}-head-svc:8265", "proxy") + "/" + jobs


def _template(method: str, path: str) -> Successor:
    return Successor(method, path, served_by_bridge=False, guide_section="compute-templates")


# (v1 method, v1 path pattern below /apis/v1, successor from the pattern's groups)
_TABLE: list[tuple[str, str, Callable[..., Successor]]] = [
    ("POST", "/namespaces/{}/compute_templates", lambda ns: _template("POST", _configmaps(ns))),
    ("GET", "/namespaces/{}/compute_templates", lambda ns: _template("GET", _configmaps(ns))),
    ("GET", "/namespaces/{}/compute_templates/{}", lambda ns, n: _template("GET", _configmaps(ns, n))),
    ("DELETE", "/namespaces/{}/compute_templates/{}", lambda ns, n: _template("DELETE", _configmaps(ns, n))),
    ("GET", "/compute_templates", lambda: _template("GET", _configmaps())),
    ("POST", "/namespaces/{}/clusters", lambda ns: Successor("POST", _ray("rayclusters")(ns))),
    ("GET", "/namespaces/{}/clusters", lambda ns: Successor("GET", _ray_list("rayclusters")(ns))),
    ("GET", "/namespaces/{}/clusters/{}", lambda ns, n: Successor("GET", _ray("rayclusters")(ns, n))),
    ("DELETE", "/namespaces/{}/clusters/{}", lambda ns, n: Successor("DELETE", _ray("rayclusters")(ns, n))),
    ("GET", "/clusters", lambda: Successor("GET", _ray_list("rayclusters")())),
    ("POST", "/namespaces/{}/jobs", lambda ns: Successor("POST", _ray("rayjobs")(ns))),
    ("GET", "/namespaces/{}/jobs", lambda ns: Successor("GET", _ray_list("rayjobs")(ns))),
    ("GET", "/namespaces/{}/jobs/{}", lambda ns, n: Successor("GET", _ray("rayjobs")(ns, n))),
    ("DELETE", "/namespaces/{}/jobs/{}", lambda ns, n: Successor("DELETE", _ray("rayjobs")(ns, n))),
    ("GET", "/jobs", lambda: Successor("GET", _ray_list("rayjobs")())),
    ("POST", "/namespaces/{}/services", lambda ns: Successor("POST", _ray("rayservices")(ns))),
    ("GET", "/namespaces/{}/services", lambda ns: Successor("GET", _ray_list("rayservices")(ns))),
    ("GET", "/namespaces/{}/services/{}", lambda ns, n: Successor("GET", _ray("rayservices")(ns, n))),
    ("PUT", "/namespaces/{}/services/{}", lambda ns, n: Successor("PUT", _ray("rayservices")(ns, n))),
    ("DELETE", "/namespaces/{}/services/{}", lambda ns, n: Successor("DELETE", _ray("rayservices")(ns, n))),
    ("GET", "/services", lambda: Successor("GET", _ray_list("rayservices")())),
    ("POST", "/namespaces/{}/jobsubmissions/{}", lambda ns, c: Successor("POST", _dashboard(ns, c))),
    ("GET", "/namespaces/{}/jobsubmissions/{}", lambda ns, c: Successor("GET", _dashboard(ns, c))),
    ("GET", "/namespaces/{}/jobsubmissions/{}/log/{}", lambda ns, c, s: Successor("GET", _dashboard(ns, c, f"{s}/logs"))),
    ("GET", "/namespaces/{}/jobsubmissions/{}/{}", lambda ns, c, s: Successor("GET", _dashboard(ns, c, s))),
    ("POST", "/namespaces/{}/jobsubmissions/{}/{}", lambda ns, c, s: Successor("POST", _dashboard(ns, c, f"{s}/stop"))),
    ("DELETE", "/namespaces/{}/jobsubmissions/{}/{}", lambda ns, c, s: Successor("DELETE", _dashboard(ns, c, s))),
]  # fmt: skip

_COMPILED = [
    (method, re.compile(re.escape(V1_PREFIX + pattern).replace(re.escape("{}"), _SEGMENT) + "$"), build)
    for method, pattern, build in _TABLE
]  # fmt: skip


def is_v1_path(path: str) -> bool:
    return path == V1_PREFIX or path.startswith(V1_PREFIX + "/")


def v2_successor(method: str, path: str) -> Successor | None:
    """The v2 call replacing ``method path`` (a v1 path), or None for paths v1 never served."""
    method = "GET" if method.upper() == "HEAD" else method.upper()
    for entry_method, pattern, build in _COMPILED:
        match = pattern.match(path)
        if match and entry_method == method:
            # The path arrives decoded; the successor is a URI again (a name holding a euro sign
            # or ">" would otherwise break the Link header or make the response unsendable):
            # the builders quote each segment once.
            return build(*match.groups())
    return None


def deprecation_headers(config: BridgeConfig, method: str, path: str) -> list[tuple[str, str]]:
    """Every header a v1 response carries to say it is deprecated, in a stable order."""
    since = config.v1_deprecated_since or DEFAULT_DEPRECATED_SINCE
    headers = [("Deprecation", f"@{_unix_seconds(since)}")]
    if config.v1_sunset:
        headers.append(("Sunset", formatdate(_unix_seconds(config.v1_sunset), usegmt=True)))
    successor = v2_successor(method, path)
    guide = config.migration_guide_url
    links = []
    if successor is not None:
        target = successor.path
        if not successor.served_by_bridge:
            target = f"{guide}#{successor.guide_section}"
        links.append(f'<{target}>; rel="successor-version"')
    links.append(f'<{guide}>; rel="deprecation"')
    headers.append(("Link", ", ".join(links)))
    if successor is not None:
        advice = f"use {successor.describe()} instead"
    else:
        advice = f"use the KubeRay v2 API ({_RAY}) instead"
    headers.append(("Warning", warning_299(f"KubeRay APIServer v1 is deprecated; {advice}")))
    return headers


def _unix_seconds(day: _dt.date) -> int:
    return calendar.timegm(day.timetuple())
