"""HTTP plumbing of the v1 surface: request bodies in, v1 JSON and v1 errors out.

grpc-gateway decoded every body as JSON whatever the Content-Type, treated an empty body as
``{}``, and answered errors as ``{"code": <gRPC code>, "message": ...}``; this module keeps
those habits in one place so the handlers only deal with messages.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
from flask import Response, g, has_request_context, request

from bridge.core.bodies import request_body
from bridge.core.config import BridgeConfig
from bridge.core.state import current_state_or_none
from bridge.kube.text import InvalidUnicode, check_unicode
from v1compat.errors import (
    HTTP_TO_CODE,
    Code,
    V1Error,
    internal,
    invalid_input_with_details,
    not_found,
)
from v1compat.schemas.base import BodyError, InputReport, ProtoSchema, read_message

STRICT_QUERY = "strict"


def v1_json(payload: Any, status: int = 200) -> Response:
    """A v1 answer: compact JSON, as protojson writes it."""
    try:
        body = orjson.dumps(payload)  # compact, UTF-8, keys in order: what json.dumps below writes
    except TypeError:  # an integer beyond 64 bits, a key that is not a string, a lone surrogate
        text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
        try:
            body = text.encode()
        except UnicodeEncodeError:  # a lone surrogate echoed from the input: escape it
            body = json.dumps(payload, separators=(",", ":")).encode()
    return Response(body, status=status, mimetype="application/json")


def warn_client(text: str) -> None:
    """A ``Warning: 299`` for this v1 response (what v1 could not say in its body)."""
    if has_request_context():
        g.setdefault("v1_output_warnings", []).append(text)


def v1_error_response(error: V1Error, status: int | None = None) -> Response:
    return v1_json(error.body(), status or error.http_status)


def load_body(schema: ProtoSchema) -> tuple[dict[str, Any], list[str]]:
    """The request body as a proto-named message, and the unknown fields/enum values seen.

    In strict mode (``?strict=true`` or the ``v1_strict`` setting) anything unknown is a 400
    naming every item instead of a warning.
    """
    body = parse_json(request_body(current_config().max_body_bytes))
    report = InputReport()
    try:
        message = read_message(schema, body, report)
    except BodyError as error:
        raise V1Error(Code.INVALID_ARGUMENT, str(error)) from None
    if report.unknown and strict_mode():
        raise V1Error(Code.INVALID_ARGUMENT, "strict mode: " + "; ".join(report.unknown))
    return message, report.unknown


def strict_mode() -> bool:
    """``?strict=true`` asks for it per request; the ``v1_strict`` setting imposes it."""
    asked = request.args.get(STRICT_QUERY, "").strip().lower() in ("1", "true", "yes")
    return asked or current_config().v1_strict


def current_config() -> BridgeConfig:
    """The app's BridgeConfig (``create_app`` keeps it in ``app.extensions``)."""
    state = current_state_or_none()
    if state is not None:
        return state.config
    return BridgeConfig()


def parse_json(data: bytes) -> Any:
    """Decode a body the way grpc-gateway's JSON decoder did, with Go's error wording."""
    if not data.strip():
        return {}
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise V1Error(Code.INVALID_ARGUMENT, "invalid character in string literal") from None
    try:
        return check_unicode(
            json.loads(text, object_pairs_hook=_reject_duplicates, parse_constant=_reject_constant)
        )
    except json.JSONDecodeError as error:
        raise V1Error(Code.INVALID_ARGUMENT, go_json_error(error)) from None
    except InvalidUnicode as error:
        raise V1Error(Code.INVALID_ARGUMENT, str(error)) from None
    except ValueError:  # Python refuses integers of more than 4,300 digits
        raise V1Error(Code.INVALID_ARGUMENT, "invalid number: more digits than any integer holds") from None
    except RecursionError:
        # Python's parser gives up near 1000 levels (Go's near 10000); no v1 message nests
        # deeper than 10, so this is a bad request, not the crash it would otherwise be.
        raise V1Error(Code.INVALID_ARGUMENT, "exceeded max depth") from None


def _reject_constant(name: str) -> Any:
    """``NaN``/``Infinity`` are not JSON; Python accepts them, Go's decoder does not."""
    char = name.lstrip("-")[0]
    where = "in numeric literal" if name.startswith("-") else "looking for beginning of value"
    raise V1Error(Code.INVALID_ARGUMENT, f"invalid character '{char}' {where}")


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise V1Error(Code.INVALID_ARGUMENT, f"proto: duplicate field {json.dumps(key)}")
        result[key] = value
    return result


def go_json_error(error: json.JSONDecodeError) -> str:
    """Python's JSON error, worded like Go's encoding/json SyntaxError."""
    doc, pos = error.doc, error.pos
    if pos >= len(doc.rstrip()):
        return "unexpected EOF"
    char = doc[pos]
    shown = "'\\''" if char == "'" else f"'{char}'"
    reason = error.msg
    if reason.startswith("Expecting value"):
        where = "looking for beginning of value"
    elif reason.startswith("Expecting property name"):
        where = "looking for beginning of object key string"
    elif reason.startswith("Expecting ':'"):
        where = "after object key"
    elif reason.startswith("Expecting ','"):
        where = "after object key:value pair" if _inside_object(doc, pos) else "after array element"
    elif reason.startswith("Extra data"):
        where = "after top-level value"
    elif reason.startswith("Invalid control character"):
        where = "in string literal"
    else:
        return f"invalid JSON: {reason} at offset {pos}"
    return f"invalid character {shown} {where}"


def _inside_object(doc: str, pos: int) -> bool:
    depth_stack = []
    in_string = escaped = False
    for char in doc[:pos]:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "{[":
            depth_stack.append(char)
        elif char in "}]" and depth_stack:
            depth_stack.pop()
    return bool(depth_stack) and depth_stack[-1] == "{"


def upstream_error(status: int, body: Any, *context: str) -> V1Error:
    """A Kubernetes error the v1 layer does not classify itself, as Go's ``util.Wrap`` showed
    it: the wrap texts (outermost first) then the Kubernetes message."""
    code = HTTP_TO_CODE.get(status, Code.UNKNOWN)
    return V1Error(code, ": ".join([*context, k8s_message(status, body)]))


def k8s_message(status: int, body: Any) -> str:
    """The message of a Kubernetes Status body (``rayclusters.ray.io "foo" not found``)."""
    if isinstance(body, dict) and isinstance(body.get("message"), str) and body["message"]:
        return body["message"]
    if isinstance(body, (bytes, str)) and body:
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        return text.strip()[:500]
    return f"the Kubernetes API answered HTTP {status}"


# Who has to act on a failed write: these keep their code instead of Go's blanket 500.
_CALLER_ACTS = frozenset(
    {
        Code.UNAUTHENTICATED,
        Code.PERMISSION_DENIED,
        Code.RESOURCE_EXHAUSTED,
        Code.UNAVAILABLE,
        Code.DEADLINE_EXCEEDED,
    }
)


def write_failure(status: int, body: Any, what: str, *context: str) -> V1Error:
    """A Kubernetes create or delete that failed, for the cases the caller did not classify
    (conflicts, not-found of the object itself): Go's NewInternalServerError (500) — unless
    Kubernetes rejected the object itself (400/422: the request is wrong, InvalidArgument), the
    namespace does not exist (a 404 about a namespace: NotFound), or the status names who must
    act (401, 403, 429, 502-504), which the v1 client then sees as such."""
    text = k8s_message(status, body)
    if status in (400, 422):
        return invalid_input_with_details(what, text, *context)
    if status == 404 and _names_a_missing_namespace(body):
        # A create into a namespace that does not exist: the request names something
        # missing (Go: 500), so NotFound with the Go wording. Any other 404 on a write (the
        # RayCluster CRD is not installed) is the server's problem and stays 500.
        return not_found(what, text, *context)
    code = HTTP_TO_CODE.get(status)
    if code in _CALLER_ACTS:
        return V1Error(code, ": ".join([what, *context, text]))
    return internal(what, text, *context)


def _names_a_missing_namespace(body: Any) -> bool:
    details = body.get("details") if isinstance(body, dict) else None
    return isinstance(details, dict) and details.get("kind") == "namespaces"
