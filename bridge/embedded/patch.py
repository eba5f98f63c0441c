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

import copy
from typing import Any

import jsonpatch
import jsonpointer

from bridge.embedded.errors import ApiError, bad_request
from bridge.embedded.resources import Resource
from bridge.embedded.strategic import strategic_merge
from bridge.embedded.wire import load_json, load_yaml

MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
APPLY = "application/apply-patch+yaml"


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: objects merge recursively, ``null`` deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _unsupported_patch(resource: Resource) -> ApiError:
    accepted = [JSON_PATCH, MERGE, APPLY] if resource.group and resource.group != "events.k8s.io" \
        else [JSON_PATCH, MERGE, APPLY, STRATEGIC]
    return ApiError(415, "UnsupportedMediaType",
                    "the body of the request was in an unknown format - accepted media types "
                    "include: " + ", ".join(accepted), {})


def patch_kind(resource: Resource, content_type: str) -> str:
    """Which patch a Content-Type asks for, or the 415 Kubernetes answers."""
    media = content_type.split(";")[0].strip().lower()
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
    if not isinstance(body, list):
        raise bad_request("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
    try:
        patch = jsonpatch.JsonPatch(body)
        result = patch.apply(target)
    except jsonpatch.InvalidJsonPatch as exc:
        raise bad_request(str(exc)) from None
    except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException) as exc:
        # Kubernetes' words (NewGenericServerResponse for 422); what failed goes in a cause.
        raise ApiError(422, "Invalid", "the server rejected our request due to an error in our request",
                       {"causes": [{"reason": "UnexpectedServerResponse", "message": str(exc)}]}) from None
    if not isinstance(result, dict):
        raise ApiError(422, "Invalid", "the patch replaced the whole object with a non-object", {})
    return result
