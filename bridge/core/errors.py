"""The bridge's own errors, rendered as Kubernetes ``Status`` objects on every path.

Clients of the v2 surface are Kubernetes clients: ``kubectl``, client-go and the Python
client all decode a ``Status`` body into a useful error, while an HTML page or a traceback
becomes "unknown error". So every HTTPException (unknown path, wrong method, body too large,
bad media type...) and every unexpected exception ends up here. Unexpected ones are logged
with the request id and answered with a 500 that names only that id. A blueprint whose
clients expect another dialect (v1compat's ``{"code", "message"}``) registers its own renderer
for its path prefix with ``register_error_renderer``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from flask import Flask, Response, current_app, g, request
from werkzeug.exceptions import HTTPException

from bridge.kube.status import failure

log = logging.getLogger("kuberay_bridge.errors")

Renderer = Callable[[int, str], Response]
_EXTENSION = "kuberay_bridge_error_renderers"


def status_json(code: int, message: str, reason: str | None = None) -> Response:
    """A Flask response carrying a Kubernetes ``Status``."""
    return Response(
        json.dumps(failure(code, message, reason)) + "\n",
        status=code,
        mimetype="application/json",
    )


def register_error_renderer(app: Flask, prefix: str, renderer: Renderer) -> None:
    """Errors for paths under ``prefix`` are rendered by ``renderer(code, message)``; the
    longest matching prefix wins."""
    renderers: list[tuple[str, Renderer]] = app.extensions.setdefault(_EXTENSION, [])
    renderers.append((prefix.rstrip("/"), renderer))
    renderers.sort(key=lambda item: len(item[0]), reverse=True)


def render_error(code: int, message: str) -> Response:
    """The error in the dialect of the current request's path."""
    path = request.path
    for prefix, renderer in current_app.extensions.get(_EXTENSION, []):
        if path == prefix or path.startswith(prefix + "/"):
            return renderer(code, message)
    return status_json(code, message)


def install_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, _handle_http_exception)
    app.register_error_handler(Exception, _handle_unexpected)


def _handle_http_exception(error: HTTPException) -> Response:
    code = error.code or 500
    message = _message(error)
    response = render_error(code, message)
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers.add(name, value)
    if getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def _handle_unexpected(error: Exception) -> Response:
    if isinstance(error, HTTPException):  # pragma: no cover - Flask routes these above
        return _handle_http_exception(error)
    request_id = getattr(g, "request_id", "-")
    log.error(
        "unexpected error on %s %s (request id %s)",
        request.method,
        request.path,
        request_id,
        exc_info=error,
    )
    return render_error(500, f"Internal error; see the bridge log for request id {request_id}")


def _message(error: HTTPException) -> str:
    described = error.description or error.name
    known = {
        404: f"the server could not find the requested resource ({request.path})",
        405: f"method {request.method} is not allowed on {request.path}",
    }
    if error.code in known and (described or "").startswith(("The requested URL", "The method")):
        return known[error.code]
    return str(described)
