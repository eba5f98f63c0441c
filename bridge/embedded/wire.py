"""Bytes in and out: request bodies (JSON or YAML, size-limited) and JSON/YAML answers."""

from __future__ import annotations

import json
import math
from typing import Any

import yaml
from werkzeug.wrappers import Request, Response

from bridge.embedded import protobuf
from bridge.embedded.errors import ApiError, bad_request

# Kubernetes' limit on a request body (apiserver ``MaxRequestBodyBytes``).
MAX_BODY_BYTES = 3 * 1024 * 1024
JSON = "application/json"
# Bounds of a decoded body (Kubernetes objects nest ~20 deep; a pod template is the deepest).
MAX_VALUES = 1_000_000
MAX_DEPTH = 200
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")


def too_large() -> ApiError:
    return ApiError(413, "RequestEntityTooLarge",
                    f"Request entity too large: limit is {MAX_BODY_BYTES}", {})


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


def media_type(request: Request) -> str:
    return (request.headers.get("Content-Type") or "").split(";")[0].strip().lower()


def decode_object(request: Request, raw: bytes) -> Any:
    """A JSON, YAML or (built-in kinds) protobuf body; no Content-Type means JSON; else 415."""
    kind = media_type(request)
    if kind in ("", JSON):
        return load_json(raw)
    if kind in YAML_TYPES:
        return load_yaml(raw)
    if kind == protobuf.MEDIA_TYPE:
        return protobuf.decode(raw)
    raise ApiError(415, "UnsupportedMediaType",
                   'the body of the request was in an unknown format - accepted media types '
                   'include: application/json, application/yaml', {})


class _JsonishLoader(yaml.SafeLoader):
    """YAML as Kubernetes reads it (sigs.k8s.io/yaml): a timestamp-looking scalar such as
    ``eventTime: 2024-01-01T00:00:00Z`` stays a string (PyYAML would make it a datetime that
    no JSON encoder can write back: a 500), and map keys become strings (``1:``, ``on:``),
    each its own key (Python would fold ``1`` and ``true`` into one)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        self.flatten_mapping(node)
        return {_yaml_key(self.construct_object(key, deep=deep)): self.construct_object(value, deep=deep)
                for key, value in node.value}


_JsonishLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
_JsonishLoader.add_constructor("tag:yaml.org,2002:timestamp",
                               yaml.SafeLoader.construct_yaml_str)  # an explicit !!timestamp


def _yaml_key(key: Any) -> str:
    if isinstance(key, bool) or key is None:
        return json.dumps(key)
    if isinstance(key, (int, float, str)):
        return str(key)
    raise bad_request(f"error converting YAML to JSON: yaml: invalid map key: {key!r}")


def load_yaml(raw: bytes) -> Any:
    """One YAML document, within the bounds of :func:`bounded` (a "billion laughs" body of
    anchors and aliases would take the server down when written back as JSON)."""
    prefix = "error converting YAML to JSON: yaml: "
    try:
        return bounded(yaml.load(raw, Loader=_JsonishLoader), prefix)  # noqa: S506
    except (yaml.YAMLError, RecursionError) as exc:
        raise bad_request(f"error converting YAML to JSON: {exc or 'nesting too deep'}") from None


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
    """``document`` unless it nests deeper than MAX_DEPTH or expands to more than
    MAX_VALUES values: the code that handles objects recurses, and must not run out of
    stack or memory on a hostile body. NaN and infinities (YAML ``.nan``, JSON ``1e999``)
    are refused: JSON cannot carry them."""
    budget = MAX_VALUES
    pending = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        budget -= 1
        if budget < 0:
            raise bad_request(f"{prefix}document contains excessive aliasing")
        if depth > MAX_DEPTH:
            raise bad_request(f"{prefix}exceeded max depth of {MAX_DEPTH}")
        if isinstance(value, dict):
            pending.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            pending.extend((item, depth + 1) for item in value)
        elif isinstance(value, float) and not math.isfinite(value):
            raise bad_request(f"{prefix}json: unsupported value: {value}")
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
