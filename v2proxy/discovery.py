"""Discovery through the bridge lists exactly what the bridge serves.

The Kubernetes API's discovery documents describe the whole cluster: Pods, Secrets, every
group. Passed on as they are, ``kubectl api-resources`` would list kinds the bridge answers
404 for and ``kubectl get all`` would fail on Services. So the documents the bridge forwards
are rewritten on the way back, each by a pure function (document and :class:`Served` in,
document out):

* ``/api`` (``APIVersions``) and ``/apis`` (``APIGroupList``), ``/apis/GROUP`` (``APIGroup``):
  only the group-versions whose own discovery document the bridge forwards;
* ``/api/v1``, ``/apis/GROUP/VERSION`` (``APIResourceList``) and the aggregated forms of
  ``/api`` and ``/apis`` (``APIGroupDiscoveryList``, v2 and v2beta1): only the resources and
  verbs the route table serves, a subresource only under a resource that is listed;
* ``/openapi/v3``: only the OpenAPI documents the bridge forwards.

To be able to read what it rewrites, the bridge asks upstream for JSON only (a client's
protobuf preference is dropped; it is answered in JSON, which every Kubernetes client reads),
uncompressed and unconditional, and drops the upstream's ``ETag``: it describes the
upstream's document, not the rewritten one.
"""

from __future__ import annotations

import gzip
import json
from typing import Any

from werkzeug.datastructures import Headers

from v2proxy.messages import (
    Handler,
    Middleware,
    ProxyRequest,
    ProxyResponse,
    status_response,
)
from v2proxy.served import Served, api_prefix

Document = dict[str, Any]
_DROPPED_REQUEST_HEADERS = ("If-None-Match", "If-Modified-Since")
_DROPPED_RESPONSE_HEADERS = ("content-length", "content-encoding", "etag", "last-modified")


def _kept_versions(group: str, versions: list[Any], served: Served) -> list[Any]:
    return [
        entry
        for entry in versions
        if isinstance(entry, dict) and served.document(api_prefix(f"{group}/{entry.get('version')}"))
    ]


def _group(entry: Document, served: Served) -> Document | None:
    """One ``APIGroup`` (as in ``APIGroupList.groups``) with its served versions, or None."""
    versions = _kept_versions(entry.get("name", ""), entry.get("versions") or [], served)
    if not versions:
        return None
    preferred = entry.get("preferredVersion")
    if preferred not in versions:
        preferred = versions[0]
    return {**entry, "versions": versions, "preferredVersion": preferred}


def api_versions(document: Document, served: Served) -> Document:
    """``/api``: the core versions whose resource list the bridge forwards."""
    versions = [version for version in document.get("versions") or [] if served.document(api_prefix(version))]
    return {**document, "versions": versions}


def api_group_list(document: Document, served: Served) -> Document:
    groups = [_group(entry, served) for entry in document.get("groups") or [] if isinstance(entry, dict)]
    return {**document, "groups": [group for group in groups if group is not None]}


def api_group(document: Document, served: Served) -> Document:
    """``/apis/GROUP``; a group with no served version keeps an empty version list."""
    return _group(document, served) or {**document, "versions": []}


def api_resource_list(document: Document, served: Served) -> Document:
    api_version = document.get("groupVersion", "")
    entries = [entry for entry in document.get("resources") or [] if isinstance(entry, dict)]
    kept: list[Document] = []
    listed: set[str] = set()
    for entry in entries:  # resources first: a subresource needs its parent listed
        name = entry.get("name", "")
        if "/" in name:
            continue
        verbs = served.verbs(api_version, name, bool(entry.get("namespaced")), entry.get("verbs") or [])
        if verbs:
            listed.add(name)
            kept.append({**entry, "verbs": verbs})
    for entry in entries:
        plural, _, subresource = entry.get("name", "").partition("/")
        if not subresource or plural not in listed:
            continue
        verbs = served.subresource_verbs(
            api_version, plural, subresource, bool(entry.get("namespaced")), entry.get("verbs") or []
        )
        if verbs:
            kept.append({**entry, "verbs": verbs})
    return {**document, "resources": kept}


def _aggregated_resource(api_version: str, entry: Document, served: Served) -> Document | None:
    plural = entry.get("resource", "")
    namespaced = entry.get("scope") == "Namespaced"
    verbs = served.verbs(api_version, plural, namespaced, entry.get("verbs") or [])
    if not verbs:
        return None
    resource = {**entry, "verbs": verbs}
    subresources = []
    for sub in entry.get("subresources") or []:
        sub_verbs = served.subresource_verbs(
            api_version, plural, sub.get("subresource", ""), namespaced, sub.get("verbs") or []
        )
        if sub_verbs:
            subresources.append({**sub, "verbs": sub_verbs})
    if subresources:
        resource["subresources"] = subresources
    else:
        resource.pop("subresources", None)
    return resource


def aggregated_discovery(document: Document, served: Served) -> Document:
    """``APIGroupDiscoveryList`` (``/api`` or ``/apis``, v2 or v2beta1): served resources only;
    a version whose discovery document is not forwarded, or with nothing left, is dropped,
    and so is a group with no version left."""
    items = []
    for item in document.get("items") or []:
        group = (item.get("metadata") or {}).get("name") or ""
        versions = []
        for version in item.get("versions") or []:
            api_version = f"{group}/{version.get('version')}" if group else version.get("version", "")
            if not served.document(api_prefix(api_version)):
                continue
            resources = [
                _aggregated_resource(api_version, entry, served) for entry in version.get("resources") or []
            ]
            resources = [resource for resource in resources if resource is not None]
            if resources:
                versions.append({**version, "resources": resources})
        if versions:
            items.append({**item, "versions": versions})
    return {**document, "items": items}


def openapi_index(document: Document, served: Served) -> Document:
    """``/openapi/v3``: the group-version documents the bridge forwards (``kubectl explain``)."""
    paths = document.get("paths") or {}
    return {
        **document,
        "paths": {key: value for key, value in paths.items() if served.document(f"/openapi/v3/{key}")},
    }


REWRITES = {
    "APIVersions": api_versions,
    "APIGroupList": api_group_list,
    "APIGroup": api_group,
    "APIResourceList": api_resource_list,
    "APIGroupDiscoveryList": aggregated_discovery,
}


def rewrite(path: str, document: Any, served: Served) -> Any:
    """The document at ``path`` as the bridge shows it; what it does not know stays as it is."""
    if not isinstance(document, dict):
        return document
    if path.rstrip("/") == "/openapi/v3":
        return openapi_index(document, served)
    rewrite_kind = REWRITES.get(document.get("kind", ""))
    return rewrite_kind(document, served) if rewrite_kind else document


def json_only(accept: str) -> str:
    """The JSON media types of an ``Accept`` header, in order (aggregated forms included);
    ``application/json`` when it names none (protobuf, ``*/*``, nothing)."""
    kept = [
        part.strip()
        for part in accept.split(",")
        if part.split(";", 1)[0].strip().lower() == "application/json"
    ]
    return ",".join(kept) or "application/json"


def served_discovery_only(served: Served) -> Middleware:
    """Middleware for the discovery rows of the route table that need rewriting."""

    def served_discovery(request: ProxyRequest, call_next: Handler) -> ProxyResponse:
        request.headers["Accept"] = json_only(request.headers.get("Accept", ""))
        request.headers["Accept-Encoding"] = "identity"
        for name in _DROPPED_REQUEST_HEADERS:
            request.headers.pop(name, None)
        request.method = "GET"  # for HEAD too: the headers must describe the rewritten body
        response = call_next(request)
        if response.status != 200:
            return response
        try:
            body = response.read()
            if response.headers.get("Content-Encoding", "identity").lower() == "gzip":
                body = gzip.decompress(body)
            document = json.loads(body)
        except (ValueError, OSError) as error:
            message = f"unreadable discovery document from upstream: {error}"
            return status_response(502, "InternalError", message)
        data = json.dumps(rewrite(request.path, document, served), separators=(",", ":")).encode()
        headers = Headers(
            [
                (name, value)
                for name, value in response.headers.items()
                if name.lower() not in _DROPPED_RESPONSE_HEADERS
            ]
        )
        headers["Content-Length"] = str(len(data))
        return ProxyResponse(status=200, headers=headers, body=data)

    return served_discovery
