"""Request bodies as the v2 middlewares read them and Kubernetes decodes them: JSON (also with no
Content-Type) and every YAML media type, bounded so a small YAML body cannot expand into
gigabytes, and written back as compact JSON."""

from __future__ import annotations

import json
from typing import Any

import yaml
from werkzeug.http import parse_options_header

_YAML_TYPES = frozenset({"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"})
MAX_VALUES = 1_000_000  # as the embedded API; a RayCluster holds a few hundred


class BodyError(ValueError):
    """The body claims a format it is not in."""


def body_format(content_type: str | None) -> str | None:
    """``"json"``, ``"yaml"``, or None for a media type the template middleware leaves alone."""
    if not content_type or not content_type.strip():
        return "json"
    mimetype = parse_options_header(content_type)[0].lower()
    if mimetype == "application/json":
        return "json"
    if mimetype in _YAML_TYPES or (mimetype.startswith("application/") and mimetype.endswith("+yaml")):
        return "yaml"
    return None


class _KubernetesYAMLLoader(yaml.SafeLoader):
    """SafeLoader that keeps timestamps as strings, as Kubernetes' YAML-to-JSON decoding does;
    PyYAML would otherwise turn an unquoted ``2024-01-01`` into a date JSON cannot carry."""


_KubernetesYAMLLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def decode_body(data: bytes, fmt: str) -> Any:
    """The decoded document; ``BodyError`` naming the problem when it does not parse, nests
    too deep for the code that walks it, or expands past MAX_VALUES values."""
    if fmt == "json":
        try:
            return _bounded(json.loads(data))
        except (UnicodeDecodeError, ValueError) as error:
            raise BodyError(f"invalid JSON body: {error}") from None
        except RecursionError:
            raise BodyError("invalid JSON body: nested too deep") from None
    try:
        # Empty documents (a leading or trailing ``---``) are not objects; kubectl skips them too.
        documents = [doc for doc in yaml.load_all(data, Loader=_KubernetesYAMLLoader) if doc is not None]
    except yaml.YAMLError as error:
        raise BodyError(f"invalid YAML body: {' '.join(str(error).split())}") from None
    except RecursionError:
        raise BodyError("invalid YAML body: nested too deep") from None
    if len(documents) > 1:
        raise BodyError(f"the YAML body holds {len(documents)} documents; send one object per request")
    return _bounded(documents[0]) if documents else None


def _bounded(document: Any) -> Any:
    """``document`` unless it holds more than MAX_VALUES values once YAML aliases are
    expanded. A few hundred bytes of anchors and aliases (a "billion laughs") load as shared
    objects, but re-encoding them as JSON writes every copy: gigabytes of memory and minutes
    of a worker that also serves every other request and watch of its process."""
    budget = MAX_VALUES
    pending = [document]
    while pending:
        value = pending.pop()
        budget -= 1
        if budget < 0:
            raise BodyError(f"the body expands to more than {MAX_VALUES} values (YAML aliases)")
        if isinstance(value, dict):
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return document


def encode_body(body: dict[str, Any]) -> bytes:
    """Compact JSON; ``BodyError`` for what JSON cannot carry (YAML ``.nan``, binary)."""
    try:
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()
    except (TypeError, ValueError) as error:
        raise BodyError(f"the body cannot be expressed as JSON: {error}") from None
