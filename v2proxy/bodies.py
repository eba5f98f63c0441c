"""Request bodies as the v2 middlewares read them and Kubernetes decodes them: JSON (also with no
Content-Type) and every YAML media type, bounded so a small YAML body cannot expand into
gigabytes, and written back as compact JSON."""

from __future__ import annotations

import json
from typing import Any

import yaml
from werkzeug.http import parse_options_header

from bridge.core.offload import SMALL, off_the_loop
from bridge.kube import yaml as kube_yaml
from bridge.kube.text import InvalidUnicode, check_unicode

_YAML_TYPES = frozenset({"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"})


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


def decode_body(data: bytes, fmt: str) -> Any:
    """The decoded document; ``BodyError`` naming the problem when it does not parse, nests
    too deep for the code that walks it, or expands past ``bridge.kube.yaml.MAX_VALUES`` values.
    A big body is decoded off the event loop (``bridge.core.offload``): seconds of parsing
    must not stop every other request of the worker."""
    if len(data) > SMALL:
        return off_the_loop(_decode, data, fmt)
    return _decode(data, fmt)


def _decode(data: bytes, fmt: str) -> Any:
    if fmt == "json":
        try:
            document = json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise BodyError(f"invalid JSON body: {error}") from None
        except ValueError:  # an integer of more than 4,300 digits
            raise BodyError("invalid JSON body: a number has more digits than any field holds") from None
        except RecursionError:
            raise BodyError("invalid JSON body: nested too deep") from None
        return _bounded(document)
    try:
        documents = kube_yaml.load_all(data)
    except yaml.YAMLError as error:
        raise BodyError(f"invalid YAML body: {' '.join(str(error).split())}") from None
    except ValueError:  # an integer of more than 4,300 digits
        raise BodyError("invalid YAML body: a number has more digits than any field holds") from None
    except RecursionError:
        raise BodyError("invalid YAML body: nested too deep") from None
    if len(documents) > 1:
        raise BodyError(f"the YAML body holds {len(documents)} documents; send one object per request")
    return _bounded(documents[0]) if documents else None


def _bounded(document: Any) -> Any:
    """``document`` unless it holds more than ``bridge.kube.yaml.MAX_VALUES`` values once YAML
    aliases are expanded (a "billion laughs"); its depth and numbers are the upstream's to judge."""
    try:
        return check_unicode(kube_yaml.bounded(document, max_depth=None, finite=False))
    except InvalidUnicode as error:
        raise BodyError(str(error)) from None
    except kube_yaml.TooManyValues:
        raise BodyError(
            f"the body expands to more than {kube_yaml.MAX_VALUES} values (YAML aliases)"
        ) from None


def encode_body(body: dict[str, Any]) -> bytes:
    """Compact JSON; ``BodyError`` for what JSON cannot carry (YAML ``.nan``, binary)."""
    try:
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()
    except (TypeError, ValueError) as error:
        raise BodyError(f"the body cannot be expressed as JSON: {error}") from None
