"""Which resource, namespace, name and subresource a URL path names.

A hand-written parser rather than a rule table because Kubernetes' paths are ambiguous in
ways rules cannot express: ``/api/v1/namespaces/x/status`` is the status of namespace ``x``
but ``/api/v1/namespaces/x/configmaps`` is a collection in it (apiserver's
``RequestInfoFactory`` treats ``status`` and ``finalize`` as namespace subresources), and a
service proxy path carries an arbitrary suffix.
"""

from __future__ import annotations

from dataclasses import dataclass

from bridge.embedded.resources import Resource, lookup

_NAMESPACE_SUBRESOURCES = ("status", "finalize")


@dataclass(frozen=True)
class Target:
    resource: Resource
    namespace: str | None  # None: every namespace; "" for cluster-scoped resources
    name: str | None = None  # None: the collection
    subresource: str = ""
    subpath: str = ""  # after ``/proxy``, with its leading slash when present

    @property
    def is_collection(self) -> bool:
        return self.name is None


def parse_path(path: str) -> Target | None:
    """The target of a resource path, or None when the server has no such resource."""
    parts = path.split("/")[1:] if path.startswith("/") else path.split("/")
    if len(parts) >= 2 and parts[0] == "api":
        group, version, rest = "", parts[1], parts[2:]
    elif len(parts) >= 3 and parts[0] == "apis":
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        return None
    namespace: str | None = None
    if len(rest) >= 3 and rest[0] == "namespaces" and rest[2] not in _NAMESPACE_SUBRESOURCES:
        namespace, rest = rest[1], rest[2:]
        if not namespace:
            return None
    if not rest or not rest[0]:
        return None
    resource = lookup(group, version, rest[0])
    if resource is None:
        return None
    name = rest[1] if len(rest) > 1 else None
    subresource = rest[2] if len(rest) > 2 else ""
    subpath = ""
    if subresource == "proxy":
        subpath = "/" + "/".join(rest[3:]) if len(rest) > 3 else ""
    elif len(rest) > 3:
        return None
    if name == "" or (subresource and subresource not in resource.subresources):
        return None
    if len(rest) > 2 and not subresource:
        return None
    if resource.namespaced:
        if namespace is None and name is not None:
            return None
    else:
        if namespace is not None:
            return None
        namespace = ""
    return Target(resource, namespace, name, subresource, subpath)
