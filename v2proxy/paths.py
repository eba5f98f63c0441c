"""Path hygiene: the one place that decides what a request path *is* before it is matched.

Security rests on a simple rule: the bridge forwards only the canonical path it matched
against the allowlist, and it refuses every path whose meaning depends on who normalises it.
Kubernetes (Go) cleans ``..`` segments, decodes ``%2F`` in some places and not others, and
the service proxy hands the rest of the path to a dashboard that may clean it again; a path
like ``/apis/ray.io/v1/%2e%2e/%2e%2e/api/v1/secrets`` is harmless only if nobody between the
caller and etcd ever turns it into ``/api/v1/secrets``. So a path is refused (404) when any
segment, once percent-decoded, is ``.`` or ``..``, contains ``/``, ``\\``, NUL or another
control character, is not UTF-8, or is empty (``//``); only a trailing slash is allowed.
The routing itself compares decoded segments case-sensitively, so ``/APIS/ray.io/v1`` never
matches anything.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote, unquote_to_bytes, urlsplit

from bridge.kube.resources import PCHAR_SAFE, quote_segment

_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


class PathRejected(ValueError):
    """The path is not canonical; the message says why (for logs, not for the client)."""


def raw_request_path(environ: Mapping[str, Any]) -> str:
    """The path as the client sent it, still percent-encoded, without the query string.

    gunicorn (``RAW_URI``) and werkzeug (``REQUEST_URI``) keep the undecoded request line;
    ``PATH_INFO`` has already lost the difference between ``/`` and ``%2F``, so it is only
    the fallback for servers that keep nothing else.
    """
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        if "://" in raw.split("?", 1)[0]:  # absolute-form request target
            raw = urlsplit(raw).path or "/"
        path = raw.split("?", 1)[0].split("#", 1)[0]
        script_name = environ.get("SCRIPT_NAME", "")
        if script_name and path.startswith(script_name):
            path = path[len(script_name) :] or "/"
        return path
    path_info = environ.get("PATH_INFO", "") or "/"
    return quote(path_info.encode("latin-1").decode("utf-8", "replace"), safe="/" + PCHAR_SAFE)


def canonical_segments(raw_path: str) -> list[str]:
    """The decoded segments of ``raw_path``, or PathRejected if the path is not canonical.

    A trailing slash shows as a final empty segment (``/a/`` -> ``["a", ""]``).
    """
    if not raw_path.startswith("/"):
        raise PathRejected("path does not start with /")
    if _BAD_ESCAPE.search(raw_path):
        raise PathRejected("malformed percent-escape")
    try:
        raw_path.encode("ascii")
    except UnicodeEncodeError:
        raise PathRejected("unescaped non-ASCII character") from None
    raw_segments = raw_path[1:].split("/")
    segments: list[str] = []
    for position, raw_segment in enumerate(raw_segments):
        last = position == len(raw_segments) - 1
        if raw_segment == "":
            if last and position > 0:
                segments.append("")
                continue
            raise PathRejected("empty path segment")
        try:
            segment = unquote_to_bytes(raw_segment).decode("utf-8")
        except UnicodeDecodeError:
            raise PathRejected("segment is not UTF-8") from None
        if segment in (".", ".."):
            raise PathRejected("dot segment")
        if "/" in segment or "\\" in segment:
            raise PathRejected("encoded slash or backslash")
        if any(ord(char) < 0x20 or ord(char) == 0x7F for char in segment):
            raise PathRejected("control character")
        segments.append(segment)
    return segments


def join_segments(segments: Sequence[str]) -> str:
    """The canonical encoded path for decoded ``segments`` (what goes upstream)."""
    return "/" + "/".join(quote_segment(segment) for segment in segments)
