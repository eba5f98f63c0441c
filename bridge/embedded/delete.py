"""DELETE of an object (finalizers and preconditions honoured) and of a collection."""

from __future__ import annotations

from werkzeug.wrappers import Request, Response

from bridge.embedded import objects, params
from bridge.embedded.errors import bad_request, conflict, forbidden, not_found
from bridge.embedded.presentation import list_document, object_answer, present
from bridge.embedded.routing import Target
from bridge.embedded.state import ApiState
from bridge.embedded.store import NAMESPACES
from bridge.embedded.wire import answer, decode_object, read_body

# The API server's namespace lifecycle admission refuses to delete these.
UNDELETABLE_NAMESPACES = ("default", "kube-system", "kube-public")
# Kinds whose DELETE answers a Status rather than the object (no ``ReturnDeletedObject``).
_DELETE_ANSWERS_STATUS = ("v1/configmaps", "v1/events")


def _delete_options(request: Request) -> dict:
    raw = read_body(request)
    if not raw.strip():
        return {}
    options = decode_object(request, raw)
    if not isinstance(options, dict):
        raise bad_request("the body of a delete must be a DeleteOptions object")
    return options


def delete(state: ApiState, request: Request, target: Target) -> Response:
    resource = target.resource
    options = _delete_options(request)
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
                raise conflict(
                    resource.plural,
                    resource.group,
                    name,
                    f"Precondition failed: {field[0].upper()}{field[1:]} in "
                    f"precondition: {wanted}, {field[0].upper()}{field[1:]} in "
                    f"object meta: {ours}",
                )
        return objects.pending_deletion(resource, current)

    before, after = state.store.write(resource.storage_key, namespace, name, change, dry_run=dry_run)
    assert before is not None
    if after is not None:
        # Finalizers first: the marked object, 200 as Kubernetes answers (202 only when
        # the deprecated ``orphanDependents: false`` asked for cascading deletion).
        code = 202 if options.get("orphanDependents") is False else 200
        return object_answer(state.schemas, request, resource, present(resource)(after), code)
    if resource.storage_key in _DELETE_ANSWERS_STATUS:
        return answer(
            {
                "kind": "Status",
                "apiVersion": "v1",
                "metadata": {},
                "status": "Success",
                "details": {
                    "name": name,
                    "group": resource.group,
                    "kind": resource.plural,
                    "uid": before["metadata"].get("uid"),
                },
            }
            if resource.group
            else {
                "kind": "Status",
                "apiVersion": "v1",
                "metadata": {},
                "status": "Success",
                "details": {"name": name, "kind": resource.plural, "uid": before["metadata"].get("uid")},
            }
        )
    shown = present(resource)(before)
    if resource.storage_key == NAMESPACES:
        shown = {**shown, "status": {"phase": "Terminating"}}
    return object_answer(state.schemas, request, resource, shown)


def delete_collection(state: ApiState, request: Request, target: Target) -> Response:
    resource = target.resource
    dry_run = params.dry_run(request, _delete_options(request))
    selected = params.selection(request, target)
    shown = present(resource)
    deleted = state.store.delete_many(
        resource.storage_key,
        target.namespace,
        lambda obj: selected(shown(obj)),
        lambda obj: objects.pending_deletion(resource, obj),
        dry_run=dry_run,
    )
    return answer(
        list_document(
            resource, {"resourceVersion": str(state.store.resource_version)}, [shown(obj) for obj in deleted]
        )
    )
