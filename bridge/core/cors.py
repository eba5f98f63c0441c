"""CORS for browser UIs (the KubeRay Dashboard): flask-cors adds the headers, the bridge answers
the preflights.

flask-cors only decorates answers; a preflight (``OPTIONS`` with ``Access-Control-Request-Method``)
still needs a 2xx from the app, and the v1 routes, like the Go server's gateway, answer ``OPTIONS``
with 501, which a browser takes as "refused" before it ever sends the real call. So with CORS on,
the bridge answers every preflight itself with 204, as the Go servers' CORS middleware (rs/cors,
wrapped around the whole mux) did: it is never forwarded, needs no token, and gets the allow
headers only when its origin is allowed. The real call then gets its real answer, errors included,
with ``Access-Control-Allow-Origin`` and the deprecation headers exposed, so the UI can show them.
Without CORS nothing here runs: ``OPTIONS`` keeps its dialect's answer.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import Flask, Response, request
from flask_cors import CORS

EXPOSED_HEADERS = ["Warning", "Audit-Id", "X-Request-Id", "Deprecation", "Sunset", "Link"]
PREFLIGHT_MAX_AGE = 600  # seconds a browser may reuse a preflight answer (Chromium caps at 7200)


def is_preflight() -> bool:
    return request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers


def install_cors(app: Flask, origins: Sequence[str]) -> None:
    """CORS for ``origins`` on every path; call after the other ``before_request`` hooks that
    must see a preflight (request id) and before those that must not (auth)."""
    app.before_request(_answer_preflight)
    CORS(app, origins=list(origins), expose_headers=EXPOSED_HEADERS, max_age=PREFLIGHT_MAX_AGE)


def _answer_preflight() -> Response | None:
    if not is_preflight():
        return None
    response = Response(status=204)
    del response.headers["Content-Type"]
    return response
