"""GET: health, discovery documents, one object, a list (a page of it, or a Table)."""

from __future__ import annotations

from werkzeug.wrappers import Request, Response

from bridge.embedded import listing, params
from bridge.embedded.discovery import discovery
from bridge.embedded.errors import not_found, not_found_path
from bridge.embedded.presentation import (
    list_document,
    object_answer,
    present,
    table_answer,
)
from bridge.embedded.routing import Target
from bridge.embedded.state import ApiState
from bridge.embedded.wire import answer, wants_yaml


def health(state: ApiState, request: Request, target: None) -> Response:
    return Response("ok", content_type="text/plain; charset=utf-8")  # as kube-apiserver


def discovery_document(state: ApiState, request: Request, target: None) -> Response:
    found = discovery(request.path, request.headers.get("Accept", ""), state.schemas.openapi_schemas)
    if found is None:
        raise not_found_path()
    document, content_type = found
    return answer(document, content_type=content_type)


def get(state: ApiState, request: Request, target: Target) -> Response:
    resource = target.resource
    obj = state.store.get(resource.storage_key, target.namespace or "", target.name or "")
    if obj is None:
        raise not_found(resource.plural, resource.group, target.name or "")
    return object_answer(state.schemas, request, resource, present(resource)(obj))


def list_objects(state: ApiState, request: Request, target: Target) -> Response:
    resource = target.resource
    selected = params.selection(request, target)
    limit = params.int_param(request, "limit") or 0
    stored, rv = state.store.list(resource.storage_key, target.namespace)
    token = request.args.get("continue")
    if token:
        rv, after = listing.decode_continue(token, state.store.compacted)
        stored = [obj for obj in stored if listing.key_of(obj) > after]
    items = [shown for shown in map(present(resource), stored) if selected(shown)]
    counted = not (request.args.get("labelSelector") or request.args.get("fieldSelector"))
    items, metadata = listing.page(items, rv, limit, counted=counted)
    table = table_answer(state.schemas, request, resource, items, metadata)
    if table is not None:
        return table
    return answer(list_document(resource, metadata, items), yaml_wanted=wants_yaml(request))
