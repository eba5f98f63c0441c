"""Discovery documents of the embedded Kubernetes API, built from the resource table.

Clients find resources before they use them: ``kubectl`` and client-go read ``/api`` and
``/apis`` (and, when the server does not aggregate, each ``/apis/GROUP/VERSION``), the
``kubernetes`` Python client's ``DynamicClient`` reads the legacy documents. Everything here
is derived from :data:`bridge.embedded.resources.RESOURCES`, so discovery never disagrees
with what the server routes.

Both dialects are served:

* the legacy documents (``APIVersions``, ``APIGroupList``, ``APIGroup``, ``APIResourceList``)
  as ``application/json``;
* aggregated discovery (``apidiscovery.k8s.io/v2`` ``APIGroupDiscoveryList``) for ``/api``
  and ``/apis`` when the ``Accept`` header asks for it, as kubectl 1.32 does first. The
  answer's ``Content-Type`` names the type, which is how client-go tells the two apart.

OpenAPI v3 is answered with the little kubectl's default validation needs (``openapi.py``):
kubectl then leaves validation to the server and sends ``fieldValidation=Strict``, which the
server enforces with the CRD schemas (``schema.py``). ``/openapi/v2`` is not served.
"""

from __future__ import annotations

import platform
from typing import Any

from bridge.embedded.openapi import NO_CRD_SCHEMAS, CrdSchemas, openapi
from bridge.embedded.resources import RESOURCES, Resource, group_versions

KUBERNETES_VERSION = (1, 32, 0)
JSON = "application/json"
AGGREGATED_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
AGGREGATED_V2BETA1 = "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"

SUBRESOURCE_VERBS: dict[str, tuple[str, ...]] = {
    "status": ("get", "patch", "update"),
    "proxy": ("create", "delete", "get", "patch", "update"),
}
# The kind a subresource answers with, when it is not the parent's kind.
SUBRESOURCE_KINDS: dict[str, str] = {"proxy": "ServiceProxyOptions"}


def version_info() -> dict[str, str]:
    """A ``version.Info`` like a v1.32 API server's; kubectl prints it and checks the skew."""
    major, minor, patch = KUBERNETES_VERSION
    machine = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
    return {
        "major": str(major),
        "minor": str(minor),
        "gitVersion": f"v{major}.{minor}.{patch}",
        "gitCommit": "kuberay-bridge-embedded",
        "gitTreeState": "clean",
        "buildDate": "2024-12-11T18:04:20Z",
        "goVersion": "go1.23.3",
        "compiler": "gc",
        "platform": f"{platform.system().lower()}/{machine}",
    }


def _groups() -> dict[str, list[str]]:
    """Named API groups and their versions, in table order (core excluded)."""
    groups: dict[str, list[str]] = {}
    for resource in RESOURCES:
        if resource.group:
            versions = groups.setdefault(resource.group, [])
            if resource.version not in versions:
                versions.append(resource.version)
    return groups


def _group_document(group: str, versions: list[str]) -> dict[str, Any]:
    listed = [{"groupVersion": f"{group}/{version}", "version": version} for version in versions]
    return {"name": group, "versions": listed, "preferredVersion": listed[0]}


def api_versions() -> dict[str, Any]:
    return {
        "kind": "APIVersions",
        "apiVersion": "v1",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [],
    }


def api_group_list() -> dict[str, Any]:
    return {
        "kind": "APIGroupList",
        "apiVersion": "v1",
        "groups": [_group_document(group, versions) for group, versions in _groups().items()],
    }


def api_group(group: str) -> dict[str, Any] | None:
    versions = _groups().get(group)
    if versions is None:
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_group_document(group, versions)}


def _resource_entry(resource: Resource) -> dict[str, Any]:
    return {
        "name": resource.plural,
        "singularName": resource.singular,
        "namespaced": resource.namespaced,
        "kind": resource.kind,
        "verbs": list(resource.verbs),
        **_names_and_categories(resource),
    }


def _names_and_categories(resource: Resource) -> dict[str, list[str]]:
    """``shortNames`` and ``categories``, each only when the resource has some (the API server
    omits empty ones in both discovery dialects)."""
    entry: dict[str, list[str]] = {}
    if resource.short_names:
        entry["shortNames"] = list(resource.short_names)
    if resource.categories:
        entry["categories"] = list(resource.categories)
    return entry


def _subresource_verbs(subresource: str) -> list[str]:
    return list(SUBRESOURCE_VERBS.get(subresource, ("get",)))


def _subresource_entries(resource: Resource) -> list[dict[str, Any]]:
    return [
        {
            "name": f"{resource.plural}/{sub}",
            "singularName": "",
            "namespaced": resource.namespaced,
            "kind": SUBRESOURCE_KINDS.get(sub, resource.kind),
            "verbs": _subresource_verbs(sub),
        }
        for sub in resource.subresources
    ]


def api_resource_list(api_version: str) -> dict[str, Any] | None:
    resources = group_versions().get(api_version)
    if resources is None:
        return None
    entries: list[dict[str, Any]] = []
    for resource in resources:
        entries.append(_resource_entry(resource))
        entries.extend(_subresource_entries(resource))
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": api_version, "resources": entries}


def _aggregated_resource(resource: Resource) -> dict[str, Any]:
    kind = {"group": resource.group, "version": resource.version, "kind": resource.kind}
    entry: dict[str, Any] = {
        "resource": resource.plural,
        "responseKind": kind,
        "scope": "Namespaced" if resource.namespaced else "Cluster",
        "singularResource": resource.singular,
        "verbs": list(resource.verbs),
        **_names_and_categories(resource),
    }
    if resource.subresources:
        entry["subresources"] = [
            {
                "subresource": sub,
                "responseKind": (
                    {"group": "", "version": "", "kind": SUBRESOURCE_KINDS[sub]}
                    if sub in SUBRESOURCE_KINDS
                    else kind
                ),
                "verbs": _subresource_verbs(sub),
            }
            for sub in resource.subresources
        ]
    return entry


def aggregated(legacy: bool, api_version_of_list: str = "apidiscovery.k8s.io/v2") -> dict[str, Any]:
    """``APIGroupDiscoveryList`` for ``/api`` (``legacy``) or ``/apis``."""
    grouped = group_versions()
    if legacy:
        groups = {"": ["v1"]}
    else:
        groups = _groups()
    items = []
    for group, versions in groups.items():
        version_entries = []
        for version in versions:
            api_version = f"{group}/{version}" if group else version
            version_entries.append(
                {
                    "version": version,
                    "resources": [_aggregated_resource(r) for r in grouped.get(api_version, [])],
                    "freshness": "Current",
                }
            )
        metadata: dict[str, Any] = {"creationTimestamp": None}
        if group:
            metadata["name"] = group
        items.append({"metadata": metadata, "versions": version_entries})
    return {
        "kind": "APIGroupDiscoveryList",
        "apiVersion": api_version_of_list,
        "metadata": {},
        "items": items,
    }


def _media_types(accept: str) -> list[tuple[str, dict[str, str]]]:
    """``Accept`` as (type, params) in the client's order; q-values are not used by clients here."""
    parsed = []
    for part in accept.split(","):
        pieces = [piece.strip() for piece in part.split(";")]
        params = {}
        for piece in pieces[1:]:
            key, _, value = piece.partition("=")
            params[key.strip().lower()] = value.strip().strip('"')
        parsed.append((pieces[0].lower(), params))
    return parsed


def _wants_aggregated(accept: str) -> str | None:
    """The aggregated content type to answer with, if the client prefers one."""
    for media_type, params in _media_types(accept):
        if params.get("g") == "apidiscovery.k8s.io" and params.get("as") == "APIGroupDiscoveryList":
            if media_type in ("application/json", "*/*") and params.get("v") == "v2":
                return AGGREGATED_V2
            if media_type in ("application/json", "*/*") and params.get("v") == "v2beta1":
                return AGGREGATED_V2BETA1
            continue
        if media_type in ("application/json", "*/*", "application/*") and "as" not in params:
            return None
    return None


def discovery(path: str, accept: str, crd_schemas: CrdSchemas = NO_CRD_SCHEMAS) -> tuple[dict, str] | None:
    """The discovery document for a GET of ``path`` and its content type; None if not discovery.

    ``crd_schemas`` are the serving instance's CRD schemas, published in its OpenAPI documents.
    """
    path = path.rstrip("/") or "/"
    if path == "/version":
        return version_info(), JSON
    if path in ("/api", "/apis"):
        content_type = _wants_aggregated(accept or "")
        if content_type is not None:
            list_version = "apidiscovery.k8s.io/" + ("v2" if content_type == AGGREGATED_V2 else "v2beta1")
            return aggregated(path == "/api", list_version), content_type
        return (api_versions() if path == "/api" else api_group_list()), JSON
    if path.startswith("/openapi/"):
        document = openapi(path, crd_schemas)
        return (document, JSON) if document is not None else None
    parts = path.strip("/").split("/")
    if parts == ["api", "v1"]:
        return api_resource_list("v1"), JSON  # type: ignore[return-value]
    if len(parts) == 2 and parts[0] == "apis":
        document = api_group(parts[1])
        return (document, JSON) if document is not None else None
    if len(parts) == 3 and parts[0] == "apis":
        document = api_resource_list(f"{parts[1]}/{parts[2]}")
        return (document, JSON) if document is not None else None
    return None
