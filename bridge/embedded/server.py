"""Serving the embedded API: the app factory, a background server for tests and the bridge,
and the blocking ``serve`` behind ``kuberay-bridge embedded-apiserver``.

Werkzeug's threaded server speaks HTTP/1.1 here (keep-alive, and chunked answers for
watches): one thread per connection, which suits a development API server whose watches
are few and long.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sqlite3
import threading
import time
from collections.abc import Sequence
from types import FrameType, TracebackType

import yaml
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from bridge.embedded.api import EmbeddedApi
from bridge.embedded.errors import ApiError
from bridge.embedded.objects import prepare_create
from bridge.embedded.resources import BY_KEY
from bridge.embedded.schema import SchemaRegistry
from bridge.embedded.store import DEFAULT_HISTORY, NAMESPACES, Store
from bridge.kube.status import REASONS, failure

log = logging.getLogger("bridge.embedded")

# How long a stopping server waits for requests in flight (watches end at once).
STOP_GRACE_SECONDS = 2.0

# The errors http.server answers before the app sees a request that name a reason; the others
# keep StatusReasonUnknown, which Go spells "".
_EARLY_CODES_WITH_REASON = frozenset({400, 408, 413})

# What a fresh cluster has; ``ray-system`` and friends are the operator's job.
INITIAL_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


def _seed(store: Store, extra_namespaces: Sequence[str] = ()) -> None:
    namespaces = BY_KEY[NAMESPACES]
    for name in dict.fromkeys([*INITIAL_NAMESPACES, *extra_namespaces]):
        if store.get(NAMESPACES, "", name) is None:
            obj = prepare_create(namespaces, {"metadata": {"name": name}}, "")
            store.write(NAMESPACES, "", name, lambda current, obj=obj: current or obj)


def make_store(data_dir: str | None, history: int = DEFAULT_HISTORY, namespaces: Sequence[str] = ()) -> Store:
    """The store, seeded with a fresh cluster's namespaces plus ``namespaces``."""
    if data_dir:
        os.makedirs(data_dir, exist_ok=True)
        store = Store(os.path.join(data_dir, "state.db"), history=history)
    else:
        store = Store(history=history)
    _seed(store, namespaces)
    return store


def make_app(
    data_dir: str | None = None,
    crd_dir: str | None = None,
    *,
    history: int = DEFAULT_HISTORY,
    bookmark_interval: float = 10.0,
    namespaces: Sequence[str] = (),
) -> EmbeddedApi:
    """The embedded API as a WSGI app; state in memory, or in ``<data_dir>/state.db``."""
    return EmbeddedApi(
        make_store(data_dir, history, namespaces),
        SchemaRegistry(crd_dir),
        bookmark_interval=bookmark_interval,
    )


class _QuietHandler(WSGIRequestHandler):
    """HTTP/1.1 (keep-alive, chunked watches); request lines go to a debug logger."""

    protocol_version = "HTTP/1.1"

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        log.debug('%s "%s" %s %s', self.address_string(), self.requestline, code, size)

    def log(self, type: str, message: str, *args: object) -> None:  # noqa: A002
        getattr(log, "error" if type == "error" else "debug")(message, *args)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Errors found before the app runs (a garbled request line, a URL over 64 KiB) are
        Status objects too: http.server would answer an HTML page."""
        short, _ = self.responses.get(code, ("Error", ""))
        self.log_error("code %d, message %s", code, message or short)
        reason = REASONS[code] if code in _EARLY_CODES_WITH_REASON else ""
        body = json.dumps(failure(code, message or short, reason), separators=(",", ":")).encode()
        self.send_response(code, short)
        self.send_header("Connection", "close")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and code >= 200:
            self.wfile.write(body)


def _server(host: str, port: int, app: EmbeddedApi) -> BaseWSGIServer:
    server = make_server(host, port, app, threaded=True, request_handler=_QuietHandler)
    server.daemon_threads = True  # an open watch must not keep the process alive
    return server


class EmbeddedServer:
    """An embedded API server running in a background thread; ``with start() as server:``."""

    def __init__(self, app: EmbeddedApi, server: BaseWSGIServer):
        self.app = app
        self._server = server
        self.port: int = server.server_port
        host = server.server_address[0]
        self.url = f"http://{host}:{self.port}" if ":" not in host else f"http://[{host}]:{self.port}"
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"embedded-apiserver-{self.port}",
            daemon=True,
        )

    def _start(self) -> EmbeddedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting, end every watch, close the store."""
        self._server.shutdown()
        self._server.server_close()
        self.app.store.close()
        self._thread.join(timeout=5)

    def __enter__(self) -> EmbeddedServer:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def start(
    host: str = "127.0.0.1",
    port: int = 0,
    data_dir: str | None = None,
    crd_dir: str | None = None,
    namespaces: Sequence[str] = (),
    **options: float,
) -> EmbeddedServer:
    """Run the embedded API in a background thread; ``port=0`` picks a free port.

    ``namespaces`` exist from the start, besides a fresh cluster's own. ``options`` go to
    :func:`make_app` (``history``, ``bookmark_interval``), for tests.
    """
    app = make_app(data_dir, crd_dir, namespaces=namespaces, **options)  # type: ignore[arg-type]
    return EmbeddedServer(app, _server(host, port, app))._start()


def serve(
    host: str, port: int, data_dir: str | None, crd_dir: str | None, namespaces: Sequence[str] = ()
) -> int:
    """Serve until SIGTERM or SIGINT; exit status 0 on a clean stop. Logs go where the
    caller configured logging (the CLI: text lines, or JSON lines under ``serve``)."""
    try:
        schemas = SchemaRegistry(crd_dir)
    except (OSError, ValueError, KeyError, TypeError, yaml.YAMLError) as exc:
        # A broken CRD file is the operator's mistake: one line naming it, not a traceback.
        why = f"a CRD has no {exc}" if isinstance(exc, KeyError) else str(exc).replace("\n", " ")
        log.error("cannot load the CRDs in %s: %s", crd_dir, why)
        return 1
    try:
        app = EmbeddedApi(make_store(data_dir, namespaces=namespaces), schemas)
    except (OSError, sqlite3.Error) as exc:
        log.error("cannot use the data directory %s: %s", data_dir, exc)
        return 1
    except ApiError as exc:
        log.error("cannot create the namespaces %s: %s", ", ".join(namespaces), exc.message)
        return 1
    try:
        server = _server(host, port, app)
    except OSError as exc:
        log.error("cannot listen on %s:%d: %s", host, port, exc.strerror or exc)
        app.store.close()
        return 1

    def stop(signum: int, frame: FrameType | None) -> None:
        # shutdown() waits for serve_forever, so it must run outside the signal handler's thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    where = f"data in {os.path.join(data_dir, 'state.db')}" if data_dir else "data in memory"
    log.info("embedded Kubernetes API listening on http://%s:%d (%s)", host, server.server_port, where)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        app.store.close()  # open watches end their streams cleanly...
        _let_requests_finish(STOP_GRACE_SECONDS)  # ...if given a moment to write the last chunk
    log.info("embedded Kubernetes API stopped")
    return 0


def _let_requests_finish(grace: float) -> None:
    deadline = time.monotonic() + grace
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and thread.daemon:
            thread.join(max(0.0, deadline - time.monotonic()))
