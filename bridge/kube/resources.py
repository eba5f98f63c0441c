"""The resources the project addresses on the Kubernetes API, and the one way to build their
URLs (in the style of Kopf's ``Resource.get_url``).

A namespace or a name is data: a v1 caller can send ``a%41``, ``x?y`` or ``€``. Pasted into a
path as it is, it would name another object (``%41`` decodes to ``A``) or end the path early
(``?``). So ``get_url`` takes each segment decoded, as a route parameter arrives, and quotes it
exactly once, keeping what RFC 3986 allows in a path segment (``pchar``) as it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

# RFC 3986 pchar besides the unreserved letters, digits and "-._~" (which quote() keeps anyway).
PCHAR_SAFE = "!$&'()*+,;=:@-._~"


def quote_segment(text: str) -> str:
    """One path segment, percent-encoded once (UTF-8), ``/`` included."""
    return quote(text, safe=PCHAR_SAFE)


@dataclass(frozen=True)
class Resource:
    """A resource type of the Kubernetes API: ``group`` is "" for the core group.
    ``namespaced`` is keyword-only, so a richer table (the embedded API's) can extend it;
    ``subresources`` are those the Kubernetes API (or the CRD) defines for it."""

    group: str
    version: str
    plural: str
    namespaced: bool = field(default=True, kw_only=True)
    subresources: tuple[str, ...] = field(default=(), kw_only=True)

    @property
    def api_version(self) -> str:
        """``ray.io/v1``, or ``v1`` for the core group."""
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def prefix(self) -> str:
        """``/apis/<group>/<version>``, or ``/api/v1`` for the core group."""
        return f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"

    def get_url(
        self, namespace: str | None = None, name: str | None = None, subresource: str | None = None
    ) -> str:
        """The path of the collection (across all namespaces when ``namespace`` is None), of
        one object, or of one object's subresource; each segment quoted once. An empty
        segment or a namespace for a cluster-scoped resource is a programming error."""
        segments = []
        if namespace is not None:
            if not self.namespaced:
                raise ValueError(f"{self.plural} are not namespaced; no namespace {namespace!r}")
            segments += ["namespaces", namespace]
        segments.append(self.plural)
        if name is not None:
            segments.append(name)
        if subresource is not None:
            if name is None:
                raise ValueError(f"the subresource {subresource!r} needs an object name")
            segments.append(subresource)
        if not all(segments):
            raise ValueError(f"an empty path segment in {segments!r}")
        return self.prefix + "".join("/" + quote_segment(segment) for segment in segments)


RAYCLUSTERS = Resource("ray.io", "v1", "rayclusters", subresources=("status",))
RAYJOBS = Resource("ray.io", "v1", "rayjobs", subresources=("status",))
RAYSERVICES = Resource("ray.io", "v1", "rayservices", subresources=("status",))
CONFIGMAPS = Resource("", "v1", "configmaps")
SERVICES = Resource("", "v1", "services", subresources=("status", "proxy"))
EVENTS = Resource("", "v1", "events")
EVENTS_K8S_IO = Resource("events.k8s.io", "v1", "events")
NAMESPACES = Resource("", "v1", "namespaces", namespaced=False, subresources=("status", "finalize"))
