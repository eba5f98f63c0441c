"""PUT and PATCH (every patch type, server-side apply included) of an object or its status."""

from __future__ import annotations

from werkzeug.wrappers import Request, Response

from bridge.embedded import admission, objects, params, patch
from bridge.embedded.errors import ApiError, bad_request, not_found
from bridge.embedded.presentation import object_answer, present
from bridge.embedded.resources import Resource
from bridge.embedded.routing import Target
from bridge.embedded.state import ApiState
from bridge.embedded.store import Deleted
from bridge.embedded.wire import read_body


def _field_manager_required() -> ApiError:
    return ApiError(
        422,
        "Invalid",
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
        {
            "group": "meta.k8s.io",
            "kind": "PatchOptions",
            "causes": [
                {
                    "reason": "FieldValueRequired",
                    "field": "fieldManager",
                    "message": "Required value: is required for apply patch",
                }
            ],
        },
    )


def _finish(resource: Resource, current: dict, updated: dict) -> dict | Deleted:
    """An admitted (pruned, defaulted) update: generation counted on what is stored. One that
    removes the last finalizer of an object being deleted deletes it. One that changes
    nothing writes nothing: as in Kubernetes, the resourceVersion stays and watchers see no
    MODIFIED event (a PUT of only ``status`` to the main resource, say)."""
    objects.count_generation(resource, current, updated)
    if updated == current:
        return current
    return Deleted(updated) if objects.finished_deletion(updated) else updated


def replace(state: ApiState, request: Request, target: Target) -> Response:
    """PUT: the whole object (or its status) as the client sends it."""
    resource, stored_as = target.resource, admission.storage_resource(target.resource)
    dry_run = params.dry_run(request)
    body = admission.incoming(resource, admission.request_object(request))
    namespace, name = target.namespace or "", target.name or ""
    warnings: list[str] = []

    def change(current: dict | None) -> dict | Deleted:
        nonlocal warnings
        if current is None and stored_as.storage_key == "v1/events" and not target.subresource:
            # Events allow create-on-update (AllowCreateOnUpdate), nothing else here does.
            admission.require_namespace(state.store, namespace)
            return objects.prepare_create(stored_as, body, namespace)
        if current is None:
            raise not_found(resource.plural, resource.group, name)
        updated = objects.prepare_update(
            stored_as, current, body, namespace, name, subresource=target.subresource
        )
        updated, warnings = admission.admit(state.schemas, request, resource, updated, target.subresource)
        return _finish(stored_as, current, updated)

    before, after = state.store.write(stored_as.storage_key, namespace, name, change, dry_run=dry_run)
    assert after is not None
    return object_answer(
        state.schemas, request, resource, present(resource)(after), 201 if before is None else 200, warnings
    )


def patch_object(state: ApiState, request: Request, target: Target) -> Response:
    """PATCH: a change to what is stored; an apply patch creates the object when it is absent."""
    resource, stored_as = target.resource, admission.storage_resource(target.resource)
    dry_run = params.dry_run(request)
    kind = patch.patch_kind(resource, request.headers.get("Content-Type", ""))
    raw = read_body(request)
    namespace, name = target.namespace or "", target.name or ""
    shown = present(resource)
    warnings: list[str] = []

    if kind == patch.APPLY and not request.args.get("fieldManager"):
        raise _field_manager_required()

    def change(current: dict | None) -> dict | Deleted:
        nonlocal warnings
        if current is None and kind == patch.APPLY and not target.subresource:
            return create_from_apply()
        if current is None:
            raise not_found(resource.plural, resource.group, name)
        patched = patch.apply_patch(kind, shown(current), raw)
        updated = objects.prepare_update(
            stored_as,
            current,
            admission.incoming(resource, patched),
            namespace,
            name,
            subresource=target.subresource,
            require_resource_version=False,
        )
        updated, warnings = admission.admit(state.schemas, request, resource, updated, target.subresource)
        return _finish(stored_as, current, updated)

    def create_from_apply() -> dict:
        nonlocal warnings
        body = patch.applied_configuration(raw)
        meta = body.setdefault("metadata", {})
        if isinstance(meta, dict) and meta.setdefault("name", name) != name:
            raise bad_request(
                f"the name of the object ({meta['name']}) does not match the name on the URL ({name})"
            )
        created = objects.prepare_create(stored_as, admission.incoming(resource, body), namespace)
        admission.require_namespace(state.store, namespace)
        created, warnings = admission.admit(state.schemas, request, resource, created)
        return admission.allocate(state.store, created)

    before, after = state.store.write(stored_as.storage_key, namespace, name, change, dry_run=dry_run)
    assert after is not None
    return object_answer(
        state.schemas, request, resource, shown(after), 201 if before is None else 200, warnings
    )
