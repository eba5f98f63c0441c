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

from flask import Response, g, request
from werkzeug.exceptions import BadRequest, HTTPException, RequestEntityTooLarge

from bridge.core.state import current_state_or_none

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
    g._request_body_tried = True
    body = _read(limit)
    g._request_body = body
    return body


def read_body_first() -> None:
    """A ``before_request`` hook: a request with a body has it read and checked before any
    view runs, so a body too large or badly framed is refused (413, 400) on every route, also
    on those that ignore bodies (a v1 list), and nothing is looked up or forwarded for it."""
    if request.content_length or _is_chunked():
        state = current_state_or_none()
        if state is not None:
            request_body(state.config.max_body_bytes)


def drain_unread_body(response: Response) -> Response:
    """An ``after_request`` hook: the body of a request answered without reading it (a refused
    path, a 401) is read and dropped, up to ``max_body_bytes``, before the answer goes out.
    Closing a socket that still holds unread bytes resets the connection, and the client would
    lose the answer (a 404 becomes "connection reset by peer")."""
    if not g.get("_request_body_tried") and (request.content_length or _is_chunked()):
        state = current_state_or_none()
        limit = state.config.max_body_bytes if state is not None else 0
        if limit and (request.content_length or 0) <= limit:
            try:
                request_body(limit)
            except HTTPException:
                pass  # too large or malformed: the answer already given stands
    return response


def _is_chunked() -> bool:
    return "chunked" in request.headers.get("Transfer-Encoding", "").lower()


def _read(limit: int) -> bytes:
    length = request.content_length
    if length is not None and length > limit:
        raise _too_large(limit)
    chunked = _is_chunked()
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
