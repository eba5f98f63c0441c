"""What a client sees: stored objects in the form it asked for, as an object, a list or a Table.

Views (``events.k8s.io/v1`` events) are handled here, at the edge: objects are stored in their
core form and converted on the way out with ``events.to_events_v1``.
"""

from __future__ import annotations

from collections.abc import Callable

from werkzeug.wrappers import Request, Response

from bridge.embedded import events, objects
from bridge.embedded.canonical import canonical, sorted_keys
from bridge.embedded.resources import Resource
from bridge.embedded.schema import SchemaRegistry
from bridge.embedded.table import as_table
from bridge.embedded.wire import answer, wants_yaml
from bridge.kube.warnings import warning_299

TABLE_CONTENT_TYPE = "application/json;as=Table;v=v1;g=meta.k8s.io"


def present(resource: Resource) -> Callable[[dict], dict]:
    """Stored object -> what a client of ``resource`` sees."""
    if resource.view_of:
        return lambda obj: canonical(resource.key, events.to_events_v1(obj))
    return lambda obj: canonical(resource.key, obj)


def wants_table(request: Request) -> bool:
    """kubectl get asks for ``application/json;as=Table;v=v1;g=meta.k8s.io`` first."""
    return "as=Table" in request.headers.get("Accept", "")


def table_answer(
    schemas: SchemaRegistry,
    request: Request,
    resource: Resource,
    items: list[dict],
    metadata: dict | None = None,
) -> Response | None:
    """A ``meta.k8s.io/v1`` Table when the client asks for one (kubectl get does)."""
    if not wants_table(request):
        return None
    table = as_table(resource, items, schemas.printer_columns(resource))
    table["metadata"] = {**table.get("metadata", {}), **(metadata or {})}
    return answer(table, content_type=TABLE_CONTENT_TYPE)


def object_answer(
    schemas: SchemaRegistry,
    request: Request,
    resource: Resource,
    obj: dict,
    status: int = 200,
    warnings: list[str] | None = None,
) -> Response:
    """One object (already presented), or its Table row, with the admission warnings."""
    headers = [("Warning", warning_299(text)) for text in warnings or []]
    table = table_answer(schemas, request, resource, [obj])
    if table is not None:
        return table
    return answer(obj, status, yaml_wanted=wants_yaml(request), headers=headers)


def list_document(resource: Resource, metadata: dict, items: list[dict]) -> dict:
    """A ``<Kind>List``. Custom resource lists are unstructured (items keep apiVersion/kind,
    keys sorted); built-in kinds' items carry no apiVersion/kind."""
    document = {
        "kind": f"{resource.kind}List",
        "apiVersion": resource.api_version,
        "metadata": metadata,
        "items": items,
    }
    if objects.tracks_generation(resource):  # a custom resource
        return sorted_keys(document)
    document["items"] = [{k: v for k, v in item.items() if k not in ("apiVersion", "kind")} for item in items]
    return document
