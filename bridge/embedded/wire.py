"""Bytes in and out: request bodies (JSON or YAML, size-limited) and JSON/YAML answers."""

from __future__ import annotations

import json
from typing import Any

import yaml
from werkzeug.wrappers import Request, Response

from bridge.embedded import protobuf
from bridge.embedded.errors import ApiError, bad_request
from bridge.kube import yaml as kube_yaml
from bridge.kube.patch import media_type
from bridge.kube.text import InvalidUnicode, check_unicode

# Kubernetes' limit on a request body (apiserver ``MaxRequestBodyBytes``).
MAX_BODY_BYTES = 3 * 1024 * 1024
JSON = "application/json"
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")


def too_large() -> ApiError:
    return ApiError(413, "RequestEntityTooLarge", f"Request entity too large: limit is {MAX_BODY_BYTES}", {})


def read_body(request: Request) -> bytes:
    """The raw body, chunked or not; more than 3 MiB is 413 as Kubernetes answers."""
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise too_large()
    try:
        data = request.stream.read(MAX_BODY_BYTES + 1)
    except OSError as exc:  # a malformed chunked body, or the client went away mid-body
        raise bad_request(f"unable to read the request body: {exc}") from None
    if len(data) > MAX_BODY_BYTES:
        raise too_large()
    return data


def decode_object(request: Request, raw: bytes) -> Any:
    """A JSON, YAML or (built-in kinds) protobuf body; no Content-Type means JSON; else 415."""
    kind = media_type(request.headers.get("Content-Type"))
    if kind in ("", JSON):
        return load_json(raw)
    if kind in YAML_TYPES:
        return load_yaml(raw)
    if kind == protobuf.MEDIA_TYPE:
        return protobuf.decode(raw)
    raise ApiError(
        415,
        "UnsupportedMediaType",
        "the body of the request was in an unknown format - accepted media types "
        "include: application/json, application/yaml",
        {},
    )


def load_yaml(raw: bytes) -> Any:
    """One YAML document as Kubernetes reads it, within the bounds of :func:`bounded`."""
    prefix = "error converting YAML to JSON: yaml: "
    try:
        document = kube_yaml.load(raw)
    except (yaml.YAMLError, RecursionError) as exc:
        raise bad_request(f"error converting YAML to JSON: {exc or 'nesting too deep'}") from None
    except ValueError:  # an integer of more than 4,300 digits
        raise bad_request(f"{prefix}a number has more digits than any integer holds") from None
    return bounded(document, prefix)


def _no_constant(name: str) -> Any:
    raise ValueError(f"invalid character '{name[0]}' looking for beginning of value")


def load_json(raw: bytes, prefix: str = "couldn't get version/kind; json parse error: ") -> Any:
    """JSON as Go reads it: NaN and Infinity are not JSON (Python would store them and then
    answer bodies no client can parse)."""
    try:
        return bounded(json.loads(raw, parse_constant=_no_constant), prefix)
    except (ValueError, RecursionError) as exc:
        raise bad_request(f"{prefix}{exc or 'nesting too deep'}") from None


def bounded(document: Any, prefix: str) -> Any:
    """``document`` within ``bridge.kube.yaml``'s bounds (the code that handles objects
    recurses, and must not run out of stack or memory on a hostile body); else 400 with
    ``prefix`` and the words Kubernetes uses."""
    try:
        return check_unicode(kube_yaml.bounded(document))
    except InvalidUnicode as exc:
        raise bad_request(f"{prefix}{exc}") from None
    except kube_yaml.TooManyValues:
        raise bad_request(f"{prefix}document contains excessive aliasing") from None
    except (kube_yaml.TooDeep, kube_yaml.NotFinite) as exc:
        raise bad_request(f"{prefix}{exc}") from None


def wants_yaml(request: Request) -> bool:
    accept = (request.headers.get("Accept") or "").split(",")[0].split(";")[0].strip().lower()
    return accept in YAML_TYPES


def answer(
    document: Any,
    status: int = 200,
    *,
    yaml_wanted: bool = False,
    content_type: str = JSON,
    headers: list[tuple[str, str]] | None = None,
) -> Response:
    if yaml_wanted:
        body = yaml.safe_dump(document, sort_keys=False).encode()
        content_type = "application/yaml"
    else:
        body = json.dumps(document, separators=(",", ":")).encode() + b"\n"
    return Response(body, status=status, content_type=content_type, headers=headers)


def status_answer(error: ApiError) -> Response:
    return answer(error.status(), error.code)
