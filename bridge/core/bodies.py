"""The caller's request body, read whole and checked before anyone acts on it.

Both dialects read bodies here, so both refuse the same things the same way: a body larger than
``max_body_bytes`` is a 413 whether its length was announced (``Content-Length``) or not
(chunked), and a body whose framing is broken (an invalid chunk-size line, a connection that
ends before the announced length) is a 400. Nothing is forwarded or created before the whole
body has arrived intact: a truncated body must never reach the upstream, where a half-sent
create could still be acted on.

The raw ``wsgi.input`` is read rather than Flask's ``request.stream``: Werkzeug's limit wrapper
cannot tell a body of exactly the limit from a longer one and refuses both.
"""

from __future__ import annotations

from flask import g, request
from werkzeug.exceptions import BadRequest, RequestEntityTooLarge

_READ = 64 * 1024

try:  # the errors gunicorn's body readers raise on broken framing
    from gunicorn.http.errors import ParseException as _GunicornParseError
except ImportError:  # pragma: no cover - gunicorn is a dependency; a bare WSGI server has none
    _GunicornParseError = ValueError


def request_body(limit: int) -> bytes:
    """The whole body of the current request (b"" when it has none), read once and kept."""
    cached = g.get("_request_body")
    if cached is not None:
        return cached
    body = _read(limit)
    g._request_body = body
    return body


def _read(limit: int) -> bytes:
    length = request.content_length
    if length is not None and length > limit:
        raise _too_large(limit)
    chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    if not length and not chunked:
        return b""
    stream = request.environ["wsgi.input"]
    want = length if length is not None and not chunked else limit + 1
    parts: list[bytes] = []
    received = 0
    try:
        while received < want:
            chunk = stream.read(min(_READ, want - received))
            if not chunk:
                break
            parts.append(chunk)
            received += len(chunk)
    except (_GunicornParseError, OSError, ValueError) as error:
        raise BadRequest(f"malformed request body: {_reason(error)}") from None
    if received > limit:
        raise _too_large(limit)
    if length is not None and not chunked and received < length:
        raise BadRequest(f"malformed request body: {received} of {length} announced bytes arrived")
    return b"".join(parts)


def _too_large(limit: int) -> RequestEntityTooLarge:
    return RequestEntityTooLarge(f"request body is larger than {limit} bytes")


def _reason(error: Exception) -> str:
    text = str(error) or type(error).__name__
    return text if len(text) <= 200 else text[:200] + "..."
