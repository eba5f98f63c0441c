"""Bytes in and out: request bodies (JSON or YAML, size-limited) and JSON/YAML answers."""

from __future__ import annotations

import json
from typing import Any

import yaml
from werkzeug.wrappers import Request, Response

from bridge.embedded import protobuf
from bridge.embedded.errors import ApiError, bad_request

# Kubernetes' limit on a request body (apiserver ``MaxRequestBodyBytes``).
MAX_BODY_BYTES = 3 * 1024 * 1024
JSON = "application/json"
MAX_YAML_NODES = 1_000_000
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")


def too_large() -> ApiError:
    return ApiError(413, "RequestEntityTooLarge",
                    f"Request entity too large: limit is {MAX_BODY_BYTES}", {})


def read_body(request: Request) -> bytes:
    """The raw body, chunked or not; more than 3 MiB is 413 as Kubernetes answers."""
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise too_large()
    data = request.stream.read(MAX_BODY_BYTES + 1)
    if len(data) > MAX_BODY_BYTES:
        raise too_large()
    return data


def media_type(request: Request) -> str:
    return (request.headers.get("Content-Type") or "").split(";")[0].strip().lower()


def decode_object(request: Request, raw: bytes) -> Any:
    """A JSON, YAML or (built-in kinds) protobuf body; no Content-Type means JSON; else 415."""
    kind = media_type(request)
    if kind in ("", JSON):
        try:
            return json.loads(raw)
        except ValueError as exc:
            raise bad_request(f"couldn't get version/kind; json parse error: {exc}") from None
    if kind in YAML_TYPES:
        return load_yaml(raw)
    if kind == protobuf.MEDIA_TYPE:
        return protobuf.decode(raw)
    raise ApiError(415, "UnsupportedMediaType",
                   f'the body of the request was in an unknown format - accepted media types '
                   f'include: application/json, application/yaml', {})


def load_yaml(raw: bytes) -> Any:
    """One YAML document. Anchors and aliases are allowed, but not a document that expands to
    more than MAX_YAML_NODES values (a "billion laughs" body would take the server down
    when written back as JSON; Kubernetes refuses "excessive aliasing" too)."""
    try:
        document = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise bad_request(f"error converting YAML to JSON: {exc}") from None
    budget = MAX_YAML_NODES
    pending = [document]
    while pending:
        value = pending.pop()
        budget -= 1
        if budget < 0:
            raise bad_request("error converting YAML to JSON: yaml: document contains excessive aliasing")
        if isinstance(value, dict):
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return document


def wants_yaml(request: Request) -> bool:
    accept = (request.headers.get("Accept") or "").split(",")[0].split(";")[0].strip().lower()
    return accept in YAML_TYPES


def answer(document: Any, status: int = 200, *, yaml_wanted: bool = False,
           content_type: str = JSON, headers: list[tuple[str, str]] | None = None) -> Response:
    if yaml_wanted:
        body = yaml.safe_dump(document, sort_keys=False).encode()
        content_type = "application/yaml"
    else:
        body = json.dumps(document, separators=(",", ":")).encode() + b"\n"
    return Response(body, status=status, content_type=content_type, headers=headers)


def status_answer(error: ApiError) -> Response:
    return answer(error.status(), error.code)
