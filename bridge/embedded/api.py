"""The WSGI application: a request's target and verb, looked up in one dispatch table.

A path names a target (``routing.parse_path``); a path that names no resource is health or
discovery. The HTTP method is the verb, except that a GET with ``?watch=true`` is the watch
verb, as the API server's ``RequestInfo`` sees it. Handlers are functions of
``(state, request, target)`` that live in a module per activity: ``read``, ``create``,
``update``, ``delete``, ``watching``. A pair the table lacks answers 405 on a resource path and
404 elsewhere, as before the table existed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Request, Response

from bridge.embedded import create, delete, params, read, svcproxy, update, watching
from bridge.embedded.errors import (
    ApiError,
    method_not_allowed,
    not_found,
    not_found_path,
)
from bridge.embedded.routing import Target, parse_path
from bridge.embedded.schema import SchemaRegistry
from bridge.embedded.state import ApiState
from bridge.embedded.store import Store
from bridge.embedded.wire import status_answer

log = logging.getLogger("bridge.embedded")

HEALTH_PATHS = ("/healthz", "/livez", "/readyz")

# Targets: what a path names.
HEALTH = "health"
DISCOVERY = "discovery"  # any other path that names no resource: a discovery document or 404
COLLECTION = "collection"  # of one namespace, or of a cluster-scoped resource
EVERY_NAMESPACE = "collection in every namespace"  # read-only, as in Kubernetes
OBJECT = "object"
STATUS = "status subresource"
PROXY = "proxy"  # services/NAME/proxy[/SUBPATH]

WATCH = "WATCH"  # GET with ?watch=true
ANY_METHOD = "*"  # the service proxy forwards whatever method it gets

Handler = Callable[[ApiState, Request, Any], Response]


def proxy(state: ApiState, request: Request, target: Target) -> Response:
    """``services/NAME[:PORT]/proxy/...``: forwarded to the service's endpoint. The store
    lookup is here; ``svcproxy`` forwards and knows nothing of the store."""
    service_name = svcproxy.split_target(target.name or "")[1]
    service = state.store.get("v1/services", target.namespace or "", service_name)
    if service is None:
        raise not_found("services", "", service_name)
    return svcproxy.forward(service, target.name or "", target.subpath, request)


# (target, verb) -> (the Kubernetes verb the resource must list, or None; the handler)
DISPATCH: dict[tuple[str, str], tuple[str | None, Handler]] = {
    (HEALTH, "GET"): (None, read.health),
    (DISCOVERY, "GET"): (None, read.discovery_document),
    (COLLECTION, "GET"): ("list", read.list_objects),
    (COLLECTION, WATCH): ("watch", watching.watch_objects),
    (COLLECTION, "POST"): ("create", create.create),
    (COLLECTION, "DELETE"): ("deletecollection", delete.delete_collection),
    (EVERY_NAMESPACE, "GET"): ("list", read.list_objects),
    (EVERY_NAMESPACE, WATCH): ("watch", watching.watch_objects),
    (OBJECT, "GET"): ("get", read.get),
    (OBJECT, WATCH): ("watch", watching.watch_objects),
    (OBJECT, "PUT"): ("update", update.replace),
    (OBJECT, "PATCH"): ("patch", update.patch_object),
    (OBJECT, "DELETE"): ("delete", delete.delete),
    (STATUS, "GET"): ("get", read.get),
    (STATUS, WATCH): ("watch", watching.watch_objects),
    (STATUS, "PUT"): ("update", update.replace),
    (STATUS, "PATCH"): ("patch", update.patch_object),
    (PROXY, ANY_METHOD): (None, proxy),
}


def target_of(path: str) -> tuple[str, Target | None]:
    target = parse_path(path)
    if target is None:
        return (HEALTH if path in HEALTH_PATHS else DISCOVERY), None
    if target.subresource == "proxy":
        return PROXY, target
    if target.subresource == "status":
        return STATUS, target
    if not target.is_collection:
        return OBJECT, target
    return (EVERY_NAMESPACE if target.namespace is None else COLLECTION), target


def verb_of(request: Request, target: Target | None) -> str:
    """The method, or WATCH for a GET of a resource with ``?watch`` (health and discovery
    answer such a GET as any other)."""
    if target is not None and request.method == "GET" and params.flag(request, "watch"):
        return WATCH
    return request.method


class EmbeddedApi:
    """The embedded Kubernetes API as a WSGI callable."""

    def __init__(self, store: Store, schemas: SchemaRegistry, *, bookmark_interval: float = 10.0):
        self.state = ApiState(store, schemas, bookmark_interval)

    @property
    def store(self) -> Store:
        return self.state.store

    @property
    def schemas(self) -> SchemaRegistry:
        return self.state.schemas

    def __call__(self, environ: dict, start_response: Callable) -> Any:
        request = Request(environ)
        try:
            response = self.dispatch(request)
        except ApiError as error:
            response = status_answer(error)
        except Exception as exc:  # a bug here must still answer a Status, not an HTML page
            log.exception("%s %s failed", request.method, request.path)
            response = status_answer(ApiError(500, "InternalError", f"Internal error occurred: {exc}", {}))
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        kind, target = target_of(request.path)
        row = DISPATCH.get((kind, verb_of(request, target))) or DISPATCH.get((kind, ANY_METHOD))
        if row is None:
            raise not_found_path() if target is None else method_not_allowed()
        required_verb, handler = row
        if target is not None and required_verb and required_verb not in target.resource.verbs:
            raise method_not_allowed()
        return handler(self.state, request, target)
