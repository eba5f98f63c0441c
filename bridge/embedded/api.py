"""The WSGI application: one handler per verb, between the URL and the store.

Views (``events.k8s.io/v1`` events) are handled here, at the edge: objects are stored in
their core form, converted on the way out with ``events.to_events_v1`` and on the way in
with ``events.to_core``; selectors and patches see the form the client asked for.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Request, Response

from bridge.embedded import (
    core_kinds,
    events,
    listing,
    objects,
    params,
    patch,
    svcproxy,
    typed,
    watch,
)
from bridge.embedded.canonical import canonical, sorted_keys
from bridge.embedded.discovery import discovery
from bridge.embedded.errors import (
    ApiError,
    already_exists,
    bad_request,
    conflict,
    forbidden,
    method_not_allowed,
    not_found,
    not_found_path,
)
from bridge.embedded.resources import BY_KEY, Resource
from bridge.embedded.routing import Target, parse_path
from bridge.embedded.schema import SchemaRegistry
from bridge.embedded.store import NAMESPACES, Deleted, Store
from bridge.embedded.table import as_table
from bridge.embedded.wire import (
    answer,
    decode_object,
    read_body,
    status_answer,
    wants_yaml,
)
from bridge.kube.warnings import warning_299

log = logging.getLogger("bridge.embedded")

HEALTH_PATHS = ("/healthz", "/livez", "/readyz")
TABLE_CONTENT_TYPE = "application/json;as=Table;v=v1;g=meta.k8s.io"

# The API server's namespace lifecycle admission refuses to delete these.
UNDELETABLE_NAMESPACES = ("default", "kube-system", "kube-public")
# Kinds whose DELETE answers a Status rather than the object (no ``ReturnDeletedObject``).
_DELETE_ANSWERS_STATUS = ("v1/configmaps", "v1/events")
GENERATE_NAME_RETRIES = 7


def _is_custom(resource: Resource) -> bool:
    return objects.tracks_generation(resource)


def _storage_resource(resource: Resource) -> Resource:
    return BY_KEY[resource.view_of] if resource.view_of else resource


def _present(resource: Resource) -> Callable[[dict], dict]:
    """Stored object -> what a client of ``resource`` sees."""
    if resource.view_of:
        return lambda obj: canonical(resource.key, events.to_events_v1(obj))
    return lambda obj: canonical(resource.key, obj)


def _incoming(resource: Resource, body: dict) -> dict:
    """A request body in the client's form -> the stored form."""
    if resource.view_of:
        objects.check_type_meta(resource, body)
        typed.check(resource, body)  # in the client's field names, before conversion
        return events.to_core(body)
    return body


def _wants_table(request: Request) -> bool:
    """kubectl get asks for ``application/json;as=Table;v=v1;g=meta.k8s.io`` first."""
    return "as=Table" in request.headers.get("Accept", "")


def _finish(resource: Resource, current: dict, updated: dict) -> dict | Deleted:
    """An admitted (pruned, defaulted) update: generation counted on what is stored. One that
    removes the last finalizer of an object being deleted deletes it. One that changes
    nothing writes nothing: as in Kubernetes, the resourceVersion stays and watchers see no
    MODIFIED event (a PUT of only ``status`` to the main resource, say)."""
    objects.count_generation(resource, current, updated)
    if updated == current:
        return current
    return Deleted(updated) if objects.finished_deletion(updated) else updated


def _list_document(resource: Resource, metadata: dict, items: list[dict]) -> dict:
    """A ``<Kind>List``. Custom resource lists are unstructured (items keep apiVersion/kind,
    keys sorted); built-in kinds' items carry no apiVersion/kind."""
    document = {"kind": f"{resource.kind}List", "apiVersion": resource.api_version,
                "metadata": metadata, "items": items}
    if _is_custom(resource):
        return sorted_keys(document)
    document["items"] = [{k: v for k, v in item.items() if k not in ("apiVersion", "kind")}
                         for item in items]
    return document


class EmbeddedApi:
    """The embedded Kubernetes API as a WSGI callable."""

    def __init__(self, store: Store, schemas: SchemaRegistry, *, bookmark_interval: float = 10.0):
        self.store = store
        self.schemas = schemas
        self.bookmark_interval = bookmark_interval

    def __call__(self, environ: dict, start_response: Callable) -> Any:
        request = Request(environ)
        try:
            response = self.dispatch(request)
        except ApiError as error:
            response = status_answer(error)
        except Exception as exc:  # a bug here must still answer a Status, not an HTML page
            log.exception("%s %s failed", request.method, request.path)
            response = status_answer(ApiError(500, "InternalError",
                                              f"Internal error occurred: {exc}", {}))
        return response(environ, start_response)

    # -- routing -------------------------------------------------------------------------

    def dispatch(self, request: Request) -> Response:
        if request.path in HEALTH_PATHS and request.method == "GET":
            return Response("ok", content_type="text/plain; charset=utf-8")  # as kube-apiserver
        if request.method == "GET":
            found = discovery(request.path, request.headers.get("Accept", ""), self.schemas.openapi_schemas)
            if found is not None:
                document, content_type = found
                return answer(document, content_type=content_type)
        target = parse_path(request.path)
        if target is None:
            raise not_found_path()
        if target.subresource == "proxy":
            return self.proxy(request, target)
        verbs = target.resource.verbs
        method = request.method
        if target.is_collection:
            if method == "GET":
                if params.flag(request, "watch"):
                    return self.watch(request, target)
                return self.list(request, target)
            if method == "POST" and target.namespace is not None:
                return self.create(request, target)
            if method == "DELETE" and target.namespace is not None and "deletecollection" in verbs:
                return self.delete_collection(request, target)
        else:
            if method == "GET":
                if params.flag(request, "watch"):
                    return self.watch(request, target)
                return self.get(request, target)
            if method == "PUT":
                return self.update(request, target)
            if method == "PATCH":
                return self.patch(request, target)
            if method == "DELETE" and not target.subresource:
                return self.delete(request, target)
        raise method_not_allowed()

    # -- reads ---------------------------------------------------------------------------

    def get(self, request: Request, target: Target) -> Response:
        resource = target.resource
        obj = self.store.get(resource.storage_key, target.namespace or "", target.name or "")
        if obj is None:
            raise not_found(resource.plural, resource.group, target.name or "")
        return self._object_answer(request, resource, _present(resource)(obj))

    def list(self, request: Request, target: Target) -> Response:
        resource = target.resource
        selected = params.selection(request, target)
        limit = params.int_param(request, "limit") or 0
        stored, rv = self.store.list(resource.storage_key, target.namespace)
        token = request.args.get("continue")
        if token:
            rv, after = listing.decode_continue(token, self.store.compacted)
            stored = [obj for obj in stored if listing.key_of(obj) > after]
        present = _present(resource)
        items = [shown for shown in map(present, stored) if selected(shown)]
        counted = not (request.args.get("labelSelector") or request.args.get("fieldSelector"))
        items, metadata = listing.page(items, rv, limit, counted=counted)
        table = self._table(request, resource, items, metadata)
        if table is not None:
            return table
        return answer(_list_document(resource, metadata, items), yaml_wanted=wants_yaml(request))

    def watch(self, request: Request, target: Target) -> Response:
        resource = target.resource
        spec = params.watch_spec(request, target, _present(resource), self.bookmark_interval)
        content_type = "application/json"
        if _wants_table(request):
            columns = self.schemas.printer_columns(resource)
            spec = dataclasses.replace(spec, render=lambda obj: as_table(resource, [obj], columns))
            content_type = TABLE_CONTENT_TYPE
        sock = request.environ.get("werkzeug.socket")
        return Response(watch.stream(self.store, spec, sock), content_type=content_type,
                        direct_passthrough=True)

    def _table(self, request: Request, resource: Resource, items: list[dict],
               metadata: dict | None = None) -> Response | None:
        """A ``meta.k8s.io/v1`` Table when the client asks for one (kubectl get does)."""
        if not _wants_table(request):
            return None
        table = as_table(resource, items, self.schemas.printer_columns(resource))
        table["metadata"] = {**table.get("metadata", {}), **(metadata or {})}
        return answer(table, content_type=TABLE_CONTENT_TYPE)

    def _object_answer(self, request: Request, resource: Resource, obj: dict, status: int = 200,
                       warnings: list[str] | None = None) -> Response:
        headers = [("Warning", warning_299(text)) for text in warnings or []]
        table = self._table(request, resource, [obj])
        if table is not None:
            return table
        return answer(obj, status, yaml_wanted=wants_yaml(request), headers=headers)

    # -- writes --------------------------------------------------------------------------

    def _body(self, request: Request) -> dict:
        return objects.require_object(decode_object(request, read_body(request)))

    def _admit(self, request: Request, resource: Resource, obj: dict,
               subresource: str = "") -> tuple[dict, list[str]]:
        """Prune, default and validate against the CRD schema (custom resources only)."""
        if not _is_custom(resource):
            return obj, []
        return self.schemas.admit(resource, obj, request.args.get("fieldValidation", "Warn"),
                                  subresource or None)

    def _require_namespace(self, namespace: str) -> None:
        """Called under the store lock: a namespace that is gone cannot receive objects."""
        if namespace and self.store.get(NAMESPACES, "", namespace) is None:
            raise not_found("namespaces", "", namespace)

    def _allocate(self, obj: dict) -> dict:
        """Called under the store lock: a new Service gets a cluster IP nobody else has."""
        if obj.get("kind") != "Service" or obj.get("apiVersion") != "v1":
            return obj
        services, _ = self.store.list("v1/services")
        taken = {(svc.get("spec") or {}).get("clusterIP", "") for svc in services}
        return core_kinds.allocate_cluster_ip(obj, taken)

    def create(self, request: Request, target: Target) -> Response:
        resource, stored_as = target.resource, _storage_resource(target.resource)
        dry_run = params.dry_run(request)
        body = _incoming(resource, self._body(request))
        generated = not (body.get("metadata") or {}).get("name")
        # A generated name that is taken is drawn again, as Kubernetes does (RetryGenerateName).
        for retries_left in reversed(range(GENERATE_NAME_RETRIES + 1)):
            prepared = objects.prepare_create(stored_as, body, target.namespace or "")
            prepared, warnings = self._admit(request, resource, prepared)
            name = prepared["metadata"]["name"]

            def change(current: dict | None, name: str = name, prepared: dict = prepared) -> dict:
                if current is not None:
                    raise already_exists(resource.plural, resource.group, name)
                self._require_namespace(target.namespace or "")
                return self._allocate(prepared)

            try:
                _, created = self.store.write(stored_as.storage_key, target.namespace or "", name,
                                              change, dry_run=dry_run)
                break
            except ApiError as error:
                if error.reason != "AlreadyExists" or not generated or not retries_left:
                    raise
        assert created is not None
        return self._object_answer(request, resource, _present(resource)(created), 201, warnings)

    def update(self, request: Request, target: Target) -> Response:
        resource, stored_as = target.resource, _storage_resource(target.resource)
        dry_run = params.dry_run(request)
        body = _incoming(resource, self._body(request))
        namespace, name = target.namespace or "", target.name or ""
        warnings: list[str] = []

        def change(current: dict | None) -> dict | Deleted:
            nonlocal warnings
            if current is None and stored_as.storage_key == "v1/events" and not target.subresource:
                # Events allow create-on-update (AllowCreateOnUpdate), nothing else here does.
                self._require_namespace(namespace)
                return objects.prepare_create(stored_as, body, namespace)
            if current is None:
                raise not_found(resource.plural, resource.group, name)
            updated = objects.prepare_update(stored_as, current, body, namespace, name,
                                             subresource=target.subresource)
            updated, warnings = self._admit(request, resource, updated, target.subresource)
            return _finish(stored_as, current, updated)

        before, after = self.store.write(stored_as.storage_key, namespace, name, change,
                                         dry_run=dry_run)
        assert after is not None
        return self._object_answer(request, resource, _present(resource)(after),
                                   201 if before is None else 200, warnings)

    def patch(self, request: Request, target: Target) -> Response:
        resource, stored_as = target.resource, _storage_resource(target.resource)
        dry_run = params.dry_run(request)
        kind = patch.patch_kind(resource, request.headers.get("Content-Type", ""))
        raw = read_body(request)
        namespace, name = target.namespace or "", target.name or ""
        present = _present(resource)
        warnings: list[str] = []

        if kind == patch.APPLY and not request.args.get("fieldManager"):
            raise ApiError(422, "Invalid", 'PatchOptions.meta.k8s.io "" is invalid: fieldManager: '
                           "Required value: is required for apply patch", {
                               "group": "meta.k8s.io", "kind": "PatchOptions",
                               "causes": [{"reason": "FieldValueRequired", "field": "fieldManager",
                                           "message": "Required value: is required for apply patch"}]})

        def change(current: dict | None) -> dict | Deleted:
            nonlocal warnings
            if current is None and kind == patch.APPLY and not target.subresource:
                return create_from_apply()
            if current is None:
                raise not_found(resource.plural, resource.group, name)
            patched = patch.apply_patch(kind, present(current), raw)
            updated = objects.prepare_update(stored_as, current, _incoming(resource, patched),
                                             namespace, name, subresource=target.subresource,
                                             require_resource_version=False)
            updated, warnings = self._admit(request, resource, updated, target.subresource)
            return _finish(stored_as, current, updated)

        def create_from_apply() -> dict:
            nonlocal warnings
            body = patch.applied_configuration(raw)
            meta = body.setdefault("metadata", {})
            if isinstance(meta, dict) and meta.setdefault("name", name) != name:
                raise bad_request(f"the name of the object ({meta['name']}) does not match the "
                                  f"name on the URL ({name})")
            created = objects.prepare_create(stored_as, _incoming(resource, body), namespace)
            self._require_namespace(namespace)
            created, warnings = self._admit(request, resource, created)
            return self._allocate(created)

        before, after = self.store.write(stored_as.storage_key, namespace, name, change,
                                         dry_run=dry_run)
        assert after is not None
        return self._object_answer(request, resource, present(after),
                                   201 if before is None else 200, warnings)

    def delete(self, request: Request, target: Target) -> Response:
        resource = target.resource
        options = self._delete_options(request)
        dry_run = params.dry_run(request, options)
        namespace, name = target.namespace or "", target.name or ""
        preconditions = options.get("preconditions") or {}

        def change(current: dict | None) -> dict | None:
            if current is None:
                raise not_found(resource.plural, resource.group, name)
            if resource.storage_key == NAMESPACES and name in UNDELETABLE_NAMESPACES:
                raise forbidden("namespaces", "", name, "this namespace may not be deleted")
            meta = current["metadata"]
            for field, ours in (("uid", meta.get("uid")), ("resourceVersion", meta.get("resourceVersion"))):
                wanted = preconditions.get(field)
                if wanted and wanted != ours:
                    raise conflict(resource.plural, resource.group, name,
                                   f"Precondition failed: {field[0].upper()}{field[1:]} in "
                                   f"precondition: {wanted}, {field[0].upper()}{field[1:]} in "
                                   f"object meta: {ours}")
            return objects.pending_deletion(resource, current)

        before, after = self.store.write(resource.storage_key, namespace, name, change,
                                         dry_run=dry_run)
        assert before is not None
        if after is not None:
            # Finalizers first: the marked object, 200 as Kubernetes answers (202 only when
            # the deprecated ``orphanDependents: false`` asked for cascading deletion).
            code = 202 if options.get("orphanDependents") is False else 200
            return self._object_answer(request, resource, _present(resource)(after), code)
        if resource.storage_key in _DELETE_ANSWERS_STATUS:
            return answer({
                "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                "details": {"name": name, "group": resource.group, "kind": resource.plural,
                            "uid": before["metadata"].get("uid")},
            } if resource.group else {
                "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                "details": {"name": name, "kind": resource.plural,
                            "uid": before["metadata"].get("uid")},
            })
        shown = _present(resource)(before)
        if resource.storage_key == NAMESPACES:
            shown = {**shown, "status": {"phase": "Terminating"}}
        return self._object_answer(request, resource, shown)

    def _delete_options(self, request: Request) -> dict:
        raw = read_body(request)
        if not raw.strip():
            return {}
        options = decode_object(request, raw)
        if not isinstance(options, dict):
            raise bad_request("the body of a delete must be a DeleteOptions object")
        return options

    def delete_collection(self, request: Request, target: Target) -> Response:
        resource = target.resource
        dry_run = params.dry_run(request, self._delete_options(request))
        selected = params.selection(request, target)
        present = _present(resource)
        deleted = self.store.delete_many(resource.storage_key, target.namespace,
                                         lambda obj: selected(present(obj)),
                                         lambda obj: objects.pending_deletion(resource, obj),
                                         dry_run=dry_run)
        return answer(_list_document(resource, {"resourceVersion": str(self.store.resource_version)},
                                     [present(obj) for obj in deleted]))

    # -- services/{name}/proxy -------------------------------------------------------------

    def proxy(self, request: Request, target: Target) -> Response:
        service_name = svcproxy.split_target(target.name or "")[1]
        service = self.store.get("v1/services", target.namespace or "", service_name)
        if service is None:
            raise not_found("services", "", service_name)
        return svcproxy.forward(service, target.name or "", target.subpath, request)
