"""Patch bodies applied to stored objects, per Content-Type, as the API server accepts them.

- ``application/merge-patch+json``: RFC 7386.
- ``application/json-patch+json``: RFC 6902 (the ``jsonpatch`` package); a failed operation is
  422 Invalid, a malformed patch 400, as Kubernetes answers.
- ``application/strategic-merge-patch+json``: 415 on custom resources (as Kubernetes); on the
  core kinds served here, ``strategic.strategic_merge``.
- ``application/apply-patch+yaml`` (server-side apply), simplified: the applied
  configuration creates the object when it is missing and is merge-patched onto it
  otherwise. There are no managed fields, so no conflicts between field managers and no
  removal of fields a manager stopped applying; ``fieldManager`` is required, as in
  Kubernetes. Enough for ``kubectl apply --server-side`` to create and update.
"""

from __future__ import annotations

from bridge.embedded.errors import ApiError, bad_request
from bridge.embedded.resources import Resource
from bridge.embedded.strategic import strategic_merge
from bridge.embedded.wire import load_json, load_yaml
from bridge.kube.patch import (
    APPLY,
    JSON_PATCH,
    MERGE,
    STRATEGIC,
    PatchFailed,
    json_patch,
    media_type,
    merge_patch,
)


def _unsupported_patch(resource: Resource) -> ApiError:
    accepted = (
        [JSON_PATCH, MERGE, APPLY]
        if resource.group and resource.group != "events.k8s.io"
        else [JSON_PATCH, MERGE, APPLY, STRATEGIC]
    )
    return ApiError(
        415,
        "UnsupportedMediaType",
        "the body of the request was in an unknown format - accepted media types "
        "include: " + ", ".join(accepted),
        {},
    )


def patch_kind(resource: Resource, content_type: str) -> str:
    """Which patch a Content-Type asks for, or the 415 Kubernetes answers."""
    media = media_type(content_type)
    is_custom = bool(resource.group) and resource.group != "events.k8s.io"
    if media in (MERGE, JSON_PATCH, APPLY):
        return media
    if media == STRATEGIC and not is_custom:
        return STRATEGIC
    raise _unsupported_patch(resource)


def applied_configuration(raw: bytes) -> dict:
    """The body of a server-side apply: one YAML (or JSON) object."""
    body = load_yaml(raw)
    if not isinstance(body, dict):
        raise bad_request("error decoding YAML: an apply patch must be an object")
    return body


def apply_patch(kind: str, target: dict, raw: bytes) -> dict:
    """The patched object; raises ApiError for undecodable or unappliable patches."""
    if kind == APPLY:
        return merge_patch(target, applied_configuration(raw))
    body = load_json(raw or b"null", "error decoding patch: ")
    if kind in (MERGE, STRATEGIC):
        if not isinstance(body, dict):
            raise bad_request("error decoding patch: a merge patch must be a JSON object")
        return merge_patch(target, body) if kind == MERGE else strategic_merge(target, body)
    try:
        return json_patch(target, body)
    except PatchFailed as failed:
        raise ApiError(
            failed.code, failed.reason, failed.message, {"causes": failed.causes} if failed.causes else {}
        ) from None
