"""The lean path: a plain GET of a ray.io resource (a get, a list, a watch) without Flask.

Such a request is most of what the bridge serves (controllers and dashboards poll and watch),
and all it needs is the route table, the caller check, header hygiene, the forward and the
stream back. Flask's request context, URL map, hooks and error machinery cost about a fifth
of a worker's CPU per proxied GET (bench/NOTES.md), so :class:`LeanReads` sits in front of
the Flask app and serves the happy path of those requests itself, with the same pieces the
Flask path uses: request id, loop check, caller check, ``upstream_headers``, the pipeline, the
same response object, log line, metrics and stream tracking.

Anything else goes to the Flask app untouched, and so does every request the lean path would
answer with an error (unknown path or method, a refused path, a loop, a refused caller): the
Flask path renders those, so errors, their dialect and their log lines have one source. It is
off when CORS or user middlewares are configured (those live in Flask and in the chain), and
a request with a body, a method other than GET or a route with built-in middlewares never
takes it. A new ``before_request`` hook in ``bridge.app`` must be mirrored here or turn the
lean path off.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

from werkzeug.datastructures import EnvironHeaders
from werkzeug.exceptions import HTTPException
from werkzeug.wsgi import get_host

from bridge.core.auth import check_caller, upstream_headers
from bridge.core.logs import (
    REQUEST_ID_HEADER,
    RequestObserver,
    loggable_query,
    request_id_from,
    request_line_writer,
)
from bridge.core.metrics import OPEN_STREAMS
from bridge.core.state import BridgeState
from v2proxy.forwarder import is_stream
from v2proxy.messages import ProxyRequest
from v2proxy.open_streams import streams
from v2proxy.paths import PathRejected, canonical_segments, join_segments, raw_request_path
from v2proxy.pipeline import NoRoute
from v2proxy.routes import to_flask_response

log = logging.getLogger("kuberay_bridge.routes")

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]
LEAN_PREFIX = "/apis/ray.io/v1/"  # only the "ray" row: no built-ins, a Flask rule of its own
LEAN_ROUTES = frozenset({"ray"})


class LeanReads:
    """WSGI middleware: GETs of the ``ray`` row served directly, the rest by ``app``."""

    def __init__(self, app: WSGIApp, state: BridgeState, observers: Sequence[RequestObserver] = ()):
        self.app = app
        self.state = state
        self.observers = tuple(observers)
        self.enabled = not state.config.cors_origins and not state.pipeline.middlewares

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if (
            not self.enabled
            or environ.get("REQUEST_METHOD") != "GET"
            or not environ.get("PATH_INFO", "").startswith(LEAN_PREFIX)
            or environ.get("CONTENT_LENGTH")
            or "HTTP_TRANSFER_ENCODING" in environ
        ):
            return self.app(environ, start_response)
        started = time.monotonic()
        headers = EnvironHeaders(environ)
        try:
            segments = canonical_segments(raw_request_path(environ))
            if segments[-1] == "":
                raise PathRejected("trailing slash")  # Flask's rules decide those
            match = self.state.pipeline.resolve("GET", segments, include_internal=False)
        except (PathRejected, NoRoute):
            return self.app(environ, start_response)
        if match.route.name not in LEAN_ROUTES or match.route.built_ins:
            return self.app(environ, start_response)
        if self.state.hops.loop(headers.getlist("Via")) is not None:
            return self.app(environ, start_response)
        auth_mode = self.state.config.auth_mode
        try:
            identity = check_caller(auth_mode, headers.get("Authorization"), self.state.tokens)
        except HTTPException:
            return self.app(environ, start_response)
        return self._forward(environ, start_response, headers, segments, match, started, identity)

    def _forward(
        self,
        environ: dict,
        start_response: Callable,
        headers: EnvironHeaders,
        segments: list[str],
        match: Any,
        started: float,
        identity: str | None,
    ) -> Iterable[bytes]:
        request_id = request_id_from(headers.get(REQUEST_ID_HEADER))
        scheme = environ["wsgi.url_scheme"]
        outgoing = upstream_headers(
            headers.items(),
            auth_mode=self.state.config.auth_mode,
            remote_addr=environ.get("REMOTE_ADDR"),
            scheme=scheme,
            host=get_host(environ),
        )
        outgoing[REQUEST_ID_HEADER] = request_id
        query = environ.get("QUERY_STRING", "").encode("latin-1").decode("utf-8", "replace")
        proxy_request = ProxyRequest(
            method="GET",
            path=join_segments(segments),
            query=parse_qsl(query, keep_blank_values=True),
            raw_query=query if query.isascii() else None,
            headers=outgoing,
            body=b"",
            dialect="v2",
            route=match.route.name,
            params=match.params,
        )
        try:
            answer = self.state.pipeline.handle(proxy_request, match.route)
        except Exception:  # a bug: the Flask path asks again and renders its 500
            log.exception("lean path failed; the Flask path answers")
            return self.app(environ, start_response)
        response = to_flask_response(answer)
        stream = is_stream(proxy_request)
        if stream:
            OPEN_STREAMS.inc()
            response.call_on_close(OPEN_STREAMS.dec)
            abort = getattr(answer.body, "abort", None)
            if abort is not None:
                response.call_on_close(streams.open(environ, abort))
        response.status = reason_phrase(response.status_code, response.status)
        response.headers[REQUEST_ID_HEADER] = request_id
        fields = {
            "request_id": request_id,
            "method": "GET",
            "path": environ["PATH_INFO"].encode("latin-1").decode("utf-8", "replace"),
            "query": loggable_query(environ.get("QUERY_STRING", "").encode("latin-1")),
            "dialect": "v2",
            "route": match.route.name,
            "stream": stream,
            "status": response.status_code,
            "upstream_status": proxy_request.upstream_status,
            "upstream_attempts": proxy_request.upstream_attempts or None,
            "remote": environ.get("REMOTE_ADDR"),
            "user_agent": headers.get("User-Agent"),
            "identity": identity,
        }
        response.call_on_close(request_line_writer(fields, started, self.observers))
        return response(environ, start_response)


def reason_phrase(code: int, status: str) -> str:
    """``404 Not Found`` as Kubernetes writes it, not Werkzeug's ``404 NOT FOUND``."""
    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return status
