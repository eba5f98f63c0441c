"""JSON logs and request ids.

Every request gets an id: the caller's ``X-Request-Id`` when it is a sane token, else a new
one. It is echoed on the response, sent upstream, printed on the request's log line and in
any error log, so one grep follows a call from the client through the bridge to Kubernetes'
audit log. One JSON line per request goes to stderr when the response is closed, i.e. after
a streamed body finished, so ``duration_ms`` of a watch is how long it was open.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, g, request

from bridge.core.clients import caller_identity

REQUEST_ID_HEADER = "X-Request-Id"
_SANE_ID = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")
request_log = logging.getLogger("kuberay_bridge.requests")


class JSONFormatter(logging.Formatter):
    """One JSON object a line; ``extra={"fields": {...}}`` adds keys."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        fields = getattr(record, "fields", None)
        if fields:
            entry.update(fields)
        else:
            entry["message"] = record.getMessage()
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(level: str) -> None:
    """JSON lines on stderr for the bridge's loggers (idempotent: safe per app and worker)."""
    root = logging.getLogger("kuberay_bridge")
    root.setLevel(level.upper())
    if not any(getattr(h, "_bridge", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JSONFormatter())
        handler._bridge = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.propagate = False


def log_everything_as_json(level: str) -> None:
    """Every logger's records as JSON lines on stderr: the embedded API under ``serve``
    shares the bridge's stderr, and one log parser reads everything ``serve`` writes."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JSONFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


def request_id_from(header: str | None) -> str:
    if header and _SANE_ID.match(header):
        return header
    return uuid.uuid4().hex


def name_route(dialect: str, route: str | None) -> None:
    """The surface that took this request names it (``v1``/``v2`` and its route-table name) for
    the log line and the metrics; a request no surface took is ``other``."""
    g.dialect = dialect
    g.route_name = route


def note_stream() -> None:
    """This response is a watch or a followed log: its duration is how long it stayed open."""
    g.streamed = True


_SECRET_PARAM = re.compile(r"token|password|secret|key", re.IGNORECASE)
_NOT_SECRET = frozenset({"continue", "resourceVersion", "labelSelector", "fieldSelector"})


def loggable_query(query: bytes) -> str:
    """The query string for the log line (a list and a watch differ only there), with the
    value of any parameter named like a credential replaced by ``REDACTED``."""
    text = query.decode("utf-8", "replace")
    parts = []
    for part in text.split("&") if text else []:
        name, sep, _value = part.partition("=")
        if sep and name not in _NOT_SECRET and _SECRET_PARAM.search(name):
            part = f"{name}=REDACTED"
        parts.append(part)
    return "&".join(parts)


def note_upstream(status: int, attempts: int) -> None:
    """Remember the last upstream status of this request for its log line."""
    g.upstream_status = status
    g.upstream_attempts = getattr(g, "upstream_attempts", 0) + attempts


RequestObserver = Callable[[dict[str, Any], float], None]  # log fields, seconds taken


def install_request_logging(app: Flask, observers: Sequence[RequestObserver] = ()) -> None:
    @app.before_request
    def assign_request_id() -> None:
        g.request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        g.request_started = time.monotonic()

    @app.after_request
    def log_when_closed(response: Response) -> Response:
        request_id = getattr(g, "request_id", None) or request_id_from(None)
        response.headers[REQUEST_ID_HEADER] = request_id
        fields = {
            "request_id": request_id,
            "method": request.method,
            "path": request.path,
            "query": loggable_query(request.query_string),
            "dialect": getattr(g, "dialect", "other"),
            # a surface that took the request names it (None: no row matched); the app's
            # own views (probes, /metrics, the guide) go by their endpoint name
            "route": g.route_name if "dialect" in g else request.endpoint,
            "stream": getattr(g, "streamed", False),
            "status": response.status_code,
            "upstream_status": getattr(g, "upstream_status", None),
            "upstream_attempts": getattr(g, "upstream_attempts", None),
            "remote": request.remote_addr,
            "user_agent": request.headers.get("User-Agent"),
            "identity": caller_identity(),
        }
        started = getattr(g, "request_started", time.monotonic())
        response.call_on_close(request_line_writer(fields, started, observers))
        return response


def request_line_writer(
    fields: dict[str, Any], started: float, observers: Sequence[RequestObserver]
) -> Callable[[], None]:
    """What writes the request's log line and feeds the observers when the response closes
    (``duration_ms`` of a watch is how long it stayed open); shared with the lean v2 path."""

    def write() -> None:
        seconds = time.monotonic() - started
        fields["duration_ms"] = round(seconds * 1000, 1)
        request_log.info("request", extra={"fields": fields})
        for observe in observers:
            observe(fields, seconds)

    return write
