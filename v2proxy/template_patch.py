"""Compute templates on PATCH, so that ``kubectl apply`` of a manifest naming ``computeTemplate``
works any number of times, client-side and server-side.

``computeTemplate`` is never stored (the create or update that named it was expanded), so every
later apply sends it again: kubectl's client-side apply as a merge patch whose groups name the
template and carry none of its resources, server-side apply as the whole manifest. Forwarded as
they are, Kubernetes refuses the unknown field (``fieldValidation=Strict``, kubectl's default)
or prunes it and stores the group without the template's resources, under an annotation that
still names the template. So a patch that names a template is expanded exactly as a POST/PUT
body (``compute_template.expand_templates``):

- **Server-side apply** (``application/apply-patch+yaml``): the body is the caller's whole
  intent for the fields it manages, like a POST body. It is expanded and forwarded as the same
  apply patch (JSON is YAML), so field ownership, ``fieldManager``, ``force`` and conflicts stay
  the API server's.
- **Merge and JSON patches**: only the merged result says which groups use which template (a
  merge patch of ``workerGroupSpecs`` replaces the whole list, a JSON patch may add one key).
  The bridge reads the live object, applies the patch to it (``bridge.kube.patch``), expands
  the result and writes it with an update that carries the resourceVersion it read: optimistic
  concurrency, never a lost write. A 409 is retried from the read a few times, unless the
  caller's own patch set a resourceVersion (its precondition decides, as Kubernetes would).
  The caller gets the update's answer as the upstream gives it.

Everything else passes through untouched with no extra upstream call: patches that name no
template, strategic merge patches (Kubernetes answers 415 on custom resources) and other media
types.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from werkzeug.datastructures import Headers

from bridge.kube.patch import (
    APPLY,
    JSON_PATCH,
    MERGE,
    PatchFailed,
    json_patch,
    media_type,
    merge_patch,
)
from bridge.kube.resources import CONFIGMAPS, RAYCLUSTERS, RAYJOBS, RAYSERVICES
from v2proxy.bodies import BodyError, decode_body, encode_body
from v2proxy.compute_template import (
    TEMPLATE_FIELD,
    expand_templates,
    expanded_from,
    groups,
    names_a_template,
    read_template,
    remove_template,
)
from v2proxy.messages import (
    Handler,
    Middleware,
    ProxyRequest,
    ProxyResponse,
    status_response,
)
from v2proxy.pipeline import calls

UPDATE_ATTEMPTS = 5  # reads and updates when another writer keeps changing the object meanwhile
_RESOURCE_VERSION_PATH = "/metadata/resourceVersion"


@calls(
    ("get", CONFIGMAPS),
    *((verb, kind) for verb in ("get", "update") for kind in (RAYCLUSTERS, RAYJOBS, RAYSERVICES)),
)
def template_patches(lookup: Handler) -> Middleware:
    """The middleware for PATCH of one raycluster, rayjob or rayservice. ``lookup`` answers
    the side requests (the live object, the templates); the update goes on through
    ``call_next``, so user middlewares see it."""

    def template_patch_middleware(request: ProxyRequest, call_next: Handler) -> ProxyResponse:
        kind = media_type(request.headers.get("Content-Type"))
        if kind not in (APPLY, MERGE, JSON_PATCH):
            return call_next(request)
        streamed = not isinstance(request.body, (bytes, bytearray))
        data = request.read_body()
        try:
            patch = decode_body(data, "yaml" if kind == APPLY else "json") if data.strip() else None
        except BodyError:
            patch = None  # the upstream answers it, in its own words
        if not patch_names_a_template(kind, patch):
            if streamed:  # as it came: chunked upstream when the caller sent it chunked
                request.body = iter([data] if data else [])
            return call_next(request)
        if kind == APPLY:
            return _apply_expanded(request, lookup, call_next, patch)
        return _update_expanded(request, lookup, call_next, kind, patch)

    return template_patch_middleware


def patch_names_a_template(kind: str, patch: Any) -> bool:
    """Whether a patch sets, keeps or removes a group's ``computeTemplate``: a key of a group
    (apply and merge patches), or, in a JSON patch, a segment of an operation's path or a key
    anywhere in a value it adds."""
    if kind in (APPLY, MERGE):
        return isinstance(patch, dict) and names_a_template(patch)
    if not isinstance(patch, list):
        return False
    return any(
        isinstance(operation, dict)
        and (
            any(TEMPLATE_FIELD in str(operation.get(key, "")).split("/") for key in ("path", "from"))
            or _has_template_key(operation.get("value"))
        )
        for operation in patch
    )


def _has_template_key(value: Any) -> bool:
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            if TEMPLATE_FIELD in item:
                return True
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def has_resource_version_precondition(kind: str, patch: Any) -> bool:
    """Whether the caller's patch pins the resourceVersion it wants to change."""
    if kind == MERGE:
        metadata = patch.get("metadata") if isinstance(patch, dict) else None
        return isinstance(metadata, dict) and metadata.get("resourceVersion") is not None
    return any(isinstance(op, dict) and op.get("path") == _RESOURCE_VERSION_PATH for op in patch)


def _apply_expanded(
    request: ProxyRequest, lookup: Handler, call_next: Handler, applied: dict[str, Any]
) -> ProxyResponse:
    expanded, failure = expand_templates(request, lookup, applied)
    if failure is not None:
        return failure
    try:
        request.replace_body(encode_body(expanded), APPLY)
    except BodyError as error:
        return status_response(400, "BadRequest", str(error))
    return call_next(request)


def _update_expanded(
    request: ProxyRequest, lookup: Handler, call_next: Handler, kind: str, patch: Any
) -> ProxyResponse:
    pinned = has_resource_version_precondition(kind, patch)
    for attempt in range(1, UPDATE_ATTEMPTS + 1):
        live = lookup(request.side_request(request.path, route=request.route, params=request.params))
        if live.status != 200:
            return live  # 404 for a missing object, 403 under passthrough auth: as a PATCH gets
        try:
            current = live.json()
        except ValueError:
            current = None
        if not isinstance(current, dict):
            return status_response(502, "InternalError", "the upstream answered the object unreadably")
        try:
            patched = merge_patch(current, patch) if kind == MERGE else json_patch(current, patch)
        except PatchFailed as error:
            return status_response(
                error.code, error.reason, error.message, {"causes": error.causes} if error.causes else None
            )
        if not pinned and isinstance(patched.get("metadata"), dict):
            patched["metadata"]["resourceVersion"] = (current.get("metadata") or {}).get("resourceVersion")
        _forget_replaced_templates(request, lookup, current, patch, patched)
        expanded, failure = expand_templates(request, lookup, patched)
        if failure is not None:
            return failure
        update = dataclasses.replace(request, method="PUT", headers=Headers(request.headers))
        try:
            update.replace_body(encode_body(expanded), "application/json")
        except BodyError as error:
            return status_response(400, "BadRequest", str(error))
        response = call_next(update)
        if response.status != 409 or pinned or attempt == UPDATE_ATTEMPTS:
            return response
        response.close()
    raise AssertionError("unreachable")  # pragma: no cover - the last attempt always returns


def _forget_replaced_templates(
    request: ProxyRequest, lookup: Handler, current: dict[str, Any], patch: Any, patched: dict[str, Any]
) -> None:
    """Take the old template off each group that switches templates or, in a merge patch, sets
    ``computeTemplate: null`` (kubectl's client-side apply of a manifest that stopped naming
    one). kubectl never sends what the manifest does not have, so what the bridge added for the
    old template would otherwise stay, next to the new template's or under its annotation."""
    before = {_group_key(role, group): expanded_from(group) for _path, role, group in groups(current)}
    released = set()
    if isinstance(patch, dict):
        released = {
            _group_key(role, group)
            for _path, role, group in groups(patch)
            if TEMPLATE_FIELD in group and group[TEMPLATE_FIELD] is None
        }
    for _path, role, group in groups(patched):
        key = _group_key(role, group)
        new, old = group.get(TEMPLATE_FIELD), before.get(key)
        if old is not None and ((isinstance(new, str) and old != new) or key in released):
            remove_template(group, read_template(request, lookup, old), role)


def _group_key(role: str, group: dict[str, Any]) -> tuple[str, Any]:
    """The head, or a worker group by its name (a patch may reorder or replace the list)."""
    name = group.get("groupName") if role == "worker" else None
    return role, name if isinstance(name, str) else None
