"""Just enough OpenAPI v3 for ``kubectl create/apply/replace`` with its default validation.

kubectl 1.32 validates with ``--validate=strict`` by default: it first asks the server's
OpenAPI v3 whether the PATCH operation of the object's kind takes the ``fieldValidation``
query parameter. If so it leaves validation to the server and sends
``fieldValidation=Strict``; if neither ``/openapi/v3`` nor ``/openapi/v2`` can be read it
stops with ``failed to download openapi``. So the embedded server publishes, for each
group-version, one path per resource with that PATCH operation (tagged with
``x-kubernetes-group-version-kind``), which is what the check reads.

The CRDs' schemas that the serving instance loaded (its
:class:`~bridge.embedded.schema.SchemaRegistry`, passed in as ``crd_schemas``) are published as
``components`` so that ``kubectl explain rayclusters.spec`` works; two servers in one process
each publish their own. Built-in kinds have no published schema.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bridge.embedded.resources import Resource, group_versions

KUBERNETES_VERSION = "v1.32.0"


@dataclass(frozen=True)
class CrdSchemas:
    """The openAPIV3Schema of each CRD version a server loaded, by (group, version, kind),
    and a digest of them all (computed once: a RayCluster schema is large)."""

    by_kind: Mapping[tuple[str, str, str], dict[str, Any]]
    digest: str

    @classmethod
    def of(cls, by_kind: Mapping[tuple[str, str, str], dict[str, Any]]) -> CrdSchemas:
        text = json.dumps(sorted(by_kind.items()), sort_keys=True)
        return cls(dict(by_kind), hashlib.sha256(text.encode()).hexdigest())


NO_CRD_SCHEMAS = CrdSchemas.of({})


def _component_name(group: str, version: str, kind: str) -> str:
    """``io.ray.v1.RayCluster``: the reversed group, as the API server names CRD schemas."""
    return ".".join([*reversed(group.split(".")), version, kind])


def _path_key(api_version: str) -> str:
    return f"api/{api_version}" if "/" not in api_version else f"apis/{api_version}"


def _document_url(api_version: str, crd_schemas: CrdSchemas) -> str:
    return f"/openapi/v3/{_path_key(api_version)}?hash={_hash(api_version, crd_schemas)}"


def openapi_index(crd_schemas: CrdSchemas) -> dict[str, Any]:
    """``/openapi/v3``: where each group-version's document is (the hash lets clients cache)."""
    return {
        "paths": {
            _path_key(api_version): {"serverRelativeURL": _document_url(api_version, crd_schemas)}
            for api_version in group_versions()
        }
    }


def _hash(api_version: str, crd_schemas: CrdSchemas) -> str:
    """Changes whenever the document may have, so kubectl's disk cache stays valid until then
    and is never reused for a server that publishes other schemas."""
    text = repr(
        [
            (r.plural, r.kind, r.verbs, (r.group, r.version, r.kind) in crd_schemas.by_kind)
            for r in group_versions()[api_version]
        ]
    )
    text += crd_schemas.digest
    return hashlib.sha256(f"{KUBERNETES_VERSION}{text}".encode()).hexdigest()[:32].upper()


def _query(name: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": {"type": "string", "uniqueItems": True}}


def _item_path(resource: Resource) -> str:
    prefix = f"/apis/{resource.api_version}" if resource.group else f"/api/{resource.version}"
    scope = "/namespaces/{namespace}" if resource.namespaced else ""
    return f"{prefix}{scope}/{resource.plural}/{{name}}"


def _operations(resource: Resource) -> dict[str, Any]:
    gvk = {"group": resource.group, "version": resource.version, "kind": resource.kind}
    operations: dict[str, Any] = {}
    if "patch" in resource.verbs:
        operations["patch"] = {
            "operationId": f"patch{resource.kind}",
            "parameters": [
                _query("dryRun"),
                _query("fieldManager"),
                _query("fieldValidation"),
                _query("force"),
            ],
            "responses": {"200": {"description": "OK"}},
            "x-kubernetes-action": "patch",
            "x-kubernetes-group-version-kind": gvk,
        }
    if "get" in resource.verbs:
        operations["get"] = {
            "operationId": f"read{resource.kind}",
            "responses": {"200": {"description": "OK"}},
            "x-kubernetes-action": "get",
            "x-kubernetes-group-version-kind": gvk,
        }
    return operations


def openapi_document(api_version: str, crd_schemas: CrdSchemas) -> dict[str, Any] | None:
    """``/openapi/v3/apis/GROUP/VERSION`` (or ``/openapi/v3/api/v1``); None if unknown."""
    resources = group_versions().get(api_version)
    if resources is None:
        return None
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": KUBERNETES_VERSION},
        "paths": {_item_path(resource): _operations(resource) for resource in resources},
        "components": {
            "schemas": {
                _component_name(r.group, r.version, r.kind): {
                    **crd_schemas.by_kind[(r.group, r.version, r.kind)],
                    "x-kubernetes-group-version-kind": [
                        {"group": r.group, "version": r.version, "kind": r.kind}
                    ],
                }
                for r in resources
                if (r.group, r.version, r.kind) in crd_schemas.by_kind
            }
        },
    }


def openapi(path: str, crd_schemas: CrdSchemas) -> dict[str, Any] | None:
    """The OpenAPI v3 document at ``path`` (already stripped of a trailing slash), or None."""
    if path == "/openapi/v3":
        return openapi_index(crd_schemas)
    prefix = "/openapi/v3/"
    if not path.startswith(prefix):
        return None
    rest = path[len(prefix) :]
    if rest.startswith("api/"):
        return openapi_document(rest[len("api/") :], crd_schemas)
    if rest.startswith("apis/"):
        return openapi_document(rest[len("apis/") :], crd_schemas)
    return None
