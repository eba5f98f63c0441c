"""Patch documents as the Kubernetes API applies them: the media types a PATCH names, RFC 7386
merge patches and RFC 6902 JSON patches, as pure functions (dict in, dict out).

The embedded API applies them to what it stores; the v2 proxy applies them to a live object
when a patch names a compute template, which Kubernetes itself must never see
(``v2proxy.template_patch``). Both answer a failing patch with the same Status.
"""

from __future__ import annotations

import copy
from typing import Any

import jsonpatch
import jsonpointer

MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
APPLY = "application/apply-patch+yaml"


class PatchFailed(ValueError):
    """A patch that cannot be applied, with the Status Kubernetes answers: 400 for a malformed
    patch, 422 for an operation that fails on this object (``causes`` says which)."""

    def __init__(self, code: int, reason: str, message: str, causes: list[dict[str, str]] | None = None):
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.causes = causes


def media_type(content_type: str | None) -> str:
    """The media type of a Content-Type header, lower case, without parameters."""
    return (content_type or "").split(";")[0].strip().lower()


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


def json_patch(target: dict[str, Any], operations: Any) -> dict[str, Any]:
    """RFC 6902 (the ``jsonpatch`` package) applied to a copy of ``target``."""
    if not isinstance(operations, list):
        raise PatchFailed(
            400, "BadRequest", "json: cannot unmarshal object into Go value of type jsonpatch.Patch"
        )
    try:
        result = jsonpatch.JsonPatch(operations).apply(target)
    except jsonpatch.InvalidJsonPatch as exc:
        raise PatchFailed(400, "BadRequest", str(exc)) from None
    except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException) as exc:
        # Kubernetes' words (NewGenericServerResponse for 422); what failed goes in a cause.
        raise PatchFailed(
            422,
            "Invalid",
            "the server rejected our request due to an error in our request",
            [{"reason": "UnexpectedServerResponse", "message": str(exc)}],
        ) from None
    if not isinstance(result, dict):
        raise PatchFailed(422, "Invalid", "the patch replaced the whole object with a non-object")
    return result
