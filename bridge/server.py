"""``kuberay-bridge serve``: the app under gunicorn, with the settings of one BridgeConfig.

The gunicorn settings and hooks are built here from the config, so the command line and
``gunicorn -c python:bridge.gunicorn_conf 'bridge.app:create_app()'`` run the same server.
The worker class defaults to gevent: a watch is an idle connection most of its life, and a
greenlet per watch costs kilobytes where a thread costs a stack. gunicorn's ``timeout`` is a
worker heartbeat for gevent and gthread workers — a watch open for hours is not cut by it —
but it does kill a ``sync`` worker stuck in one long request, so ``sync`` is for debugging.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import shutil
import socket
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from gunicorn import glogging
from gunicorn import util as gunicorn_util
from gunicorn.app.base import BaseApplication
from gunicorn.http.message import Request as GunicornRequest

from bridge import gunicorn_response
from bridge.arbiter import BridgeArbiter
from bridge.core.config import BridgeConfig, ConfigError
from bridge.core.hops import INSTANCE_ENV, new_instance_id
from bridge.core.logs import configure_logging
from bridge.core.upstream_choice import UpstreamChoice, choose_upstream
from bridge.fd_limit import raise_open_files_limit
from bridge.kube.status import failure
from bridge.preflight import reload_problems
from bridge.supervisor import EmbeddedChild, export_url
from bridge.tls import ssl_context_hook
from bridge.worker_hooks import post_fork, worker_int

log = logging.getLogger("kuberay_bridge.server")
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"  # bridge.core.metrics reads it; not imported here


class _MasterHooks:
    """gunicorn server hooks: say which upstream is used, run the shared embedded API."""

    def __init__(self, config: BridgeConfig):
        self.config = config
        self.embedded: EmbeddedChild | None = None
        self.metrics_dir: str | None = None
        self.master_pid = os.getpid()
        self.choice: UpstreamChoice | None = None
        self._worker_connections: int | None = None

    def worker_connections(self) -> int:
        """Connections a worker may hold when the setting is 0: from the open-files limit,
        raised once (workers and the embedded API inherit it) and kept across reloads."""
        if self._worker_connections is None:
            self.announce()  # logging first: the limit is logged
            self._worker_connections = worker_connections(raise_open_files_limit())
        return self._worker_connections

    def announce(self) -> None:
        """Say which upstream this bridge uses and why (the first line of its log)."""
        if self.choice is not None:
            return
        configure_logging(self.config.log_level)
        self.choice = choose_upstream(self.config.upstream, os.environ)
        log.info(
            "upstream: %s%s (%s)",
            self.choice.mode,
            f" {self.choice.argument}" if self.choice.argument else "",
            self.choice.reason,
        )

    def on_starting(self, server: Any) -> None:
        self.master_pid = os.getpid()
        self.announce()
        self.worker_connections()  # the limit is raised before the embedded API starts
        # One id for all workers, so a request one worker sends to its own bridge (a loop)
        # is recognised by whichever worker receives it.
        os.environ[INSTANCE_ENV] = new_instance_id()
        if not os.environ.get(MULTIPROC_ENV):
            # Workers add up their metrics here; set before they fork and import the client.
            self.metrics_dir = tempfile.mkdtemp(prefix="kuberay-bridge-metrics-")
            os.environ[MULTIPROC_ENV] = self.metrics_dir
        if self.choice is not None and self.choice.mode == "embedded":
            self.embedded = EmbeddedChild(self.choice.argument, self.config.embedded_crd_dir)
            try:
                export_url(self.embedded.start())
            except RuntimeError as error:
                log.error("%s", error)
                self.on_exit(server)
                raise SystemExit(1) from None

    def child_exit(self, server: Any, worker: Any) -> None:
        from bridge.core.metrics import mark_dead

        mark_dead(worker.pid)

    def on_exit(self, server: Any) -> None:
        if os.getpid() != self.master_pid:
            return  # workers inherit this object; only the master owns what it started
        os.environ.pop(INSTANCE_ENV, None)
        if self.embedded is not None:
            self.embedded.stop()
            self.embedded = None
        if self.metrics_dir is not None:
            shutil.rmtree(self.metrics_dir, ignore_errors=True)
            os.environ.pop(MULTIPROC_ENV, None)
            self.metrics_dir = None


class BridgeLogger(glogging.Logger):
    """gunicorn's logger, building access-log data only when something writes it.

    gunicorn counts any ``logconfig_dict`` as "access logging on", and the shipped one (JSON
    lines for gunicorn's own messages) names no access handler: every request then paid for a
    dictionary of all its headers and environ entries that went nowhere (a twentieth of a
    proxied GET). An operator's ``--access-logfile``, syslog, or a logging config that gives
    ``gunicorn.access`` a handler still turns it on."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        self._access_log_enabled = bool(cfg.accesslog) or self.access_log.hasHandlers()


def worker_connections(open_files: int) -> int:
    """How many connections a worker may hold when the open-files limit is ``open_files``:
    a watch holds two sockets (its client and its upstream watch), and gunicorn's default of
    1000 would stall every connection past it long before the limit."""
    return max(1, open_files // 2)


# The target of the request gunicorn is parsing, so that its refusals (a bad header after a
# good request line) answer in the dialect of the path. A ContextVar: each gevent greenlet and
# each gthread thread has its own.
_parsed_path: contextvars.ContextVar[str | None] = contextvars.ContextVar("parsed_path", default=None)


def _remember_parsed_paths() -> None:
    """Wrap gunicorn's request parser so that each request's path is known from its request
    line on (gunicorn passes nothing but the status and message to ``write_error``)."""
    if getattr(GunicornRequest.parse, "remembers_path", False):
        return
    parse, parse_request_line = GunicornRequest.parse, GunicornRequest.parse_request_line

    def parse_remembering(self: Any, unreader: Any) -> Any:
        _parsed_path.set(None)
        return parse(self, unreader)

    def parse_request_line_remembering(self: Any, line_bytes: Any) -> Any:
        parts = bytes(line_bytes).split(b" ")
        _parsed_path.set(parts[1].split(b"?", 1)[0].decode("latin-1") if len(parts) > 1 else None)
        return parse_request_line(self, line_bytes)

    parse_remembering.remembers_path = True  # type: ignore[attr-defined]
    GunicornRequest.parse = parse_remembering
    GunicornRequest.parse_request_line = parse_request_line_remembering


def write_status_error(sock: Any, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's answer to a request it refuses before the app sees it (a malformed request
    line, ``Content-Length`` with ``Transfer-Encoding``, a NUL, headers too large), in the
    dialect of its path as the app would answer (v1's ``{"code", "message"}`` under /apis/v1
    and outside the Kubernetes roots, a Kubernetes ``Status`` elsewhere or when the path is
    unknown) instead of gunicorn's HTML page, so clients can decode them."""
    # Imported here, in the worker that already loaded the app: importing the app (requests,
    # ssl) in the master would come before gevent's monkey-patching.
    from v1compat.errors import HTTP_TO_CODE, Code

    message = f"{reason}: {mesg}"
    path = _parsed_path.get()
    if path is not None and _answers_in_v1(path):
        code = HTTP_TO_CODE.get(status_int, Code.INTERNAL if status_int >= 500 else Code.UNKNOWN)
        payload: dict[str, Any] = {"code": int(code), "message": message}
    else:
        payload = failure(status_int, message)
    body = (json.dumps(payload) + "\n").encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    gunicorn_util.write_nonblock(sock, head.encode("latin-1") + body)
    _discard_unread(sock)


def _answers_in_v1(raw_path: str) -> bool:
    from bridge.app import KUBERNETES_ROOTS  # in the worker only (see write_status_error)
    from v1compat.deprecation import is_v1_path

    path = unquote(raw_path)
    if is_v1_path(path):
        return True
    return path.lstrip("/").split("/", 1)[0].lower() not in KUBERNETES_ROOTS


def _discard_unread(sock: Any, budget: int = 64 * 1024, seconds: float = 1.0) -> None:
    """Read and drop what the client is still sending (the body of a refused request) for a
    moment before gunicorn closes the socket: closing with unread bytes resets the connection,
    and the client would lose the answer just written (a lingering close, as nginx does)."""
    deadline = time.monotonic() + seconds
    try:
        sock.shutdown(socket.SHUT_WR)
        while budget > 0 and (left := deadline - time.monotonic()) > 0:
            sock.settimeout(left)
            data = sock.recv(min(budget, 16 * 1024))
            if not data:
                return
            budget -= len(data)
    except OSError:
        pass


def gunicorn_settings(config: BridgeConfig, hooks: _MasterHooks | None = None) -> dict[str, Any]:
    """gunicorn's settings (names as in its docs) for ``config``; ``hooks`` are kept across a
    reload (they own the embedded API the master started)."""
    # gunicorn has no setting for its error pages; its workers look this function up on the
    # module at each error, and inherit it from the master that loaded these settings.
    gunicorn_util.write_error = write_status_error
    _remember_parsed_paths()
    gunicorn_response.install()  # the same kind of module-level hook, for every response
    hooks = hooks or _MasterHooks(config)
    return {
        "bind": [f"[{config.host}]:{config.port}" if ":" in config.host else f"{config.host}:{config.port}"],
        "workers": config.workers,
        "worker_class": config.worker_class,
        "threads": config.threads,
        "worker_connections": config.worker_connections or hooks.worker_connections(),
        "timeout": config.worker_timeout,
        "graceful_timeout": config.graceful_timeout,
        "keepalive": 5,
        "accesslog": None,  # the app writes one JSON line per request
        "errorlog": "-",
        "loglevel": config.log_level,
        "logconfig_dict": _json_logging(config.log_level),
        "logger_class": BridgeLogger,
        "proc_name": "kuberay-bridge",
        "limit_request_line": 8190,  # long label selectors and continue tokens
        "forwarded_allow_ips": "",  # the bridge is the proxy; callers' X-Forwarded-* are not trusted
        "control_socket_disable": True,  # one shared ~/.gunicorn socket would clash between bridges
        "on_starting": hooks.on_starting,
        "on_exit": hooks.on_exit,
        "child_exit": hooks.child_exit,
        "post_fork": post_fork,
        "worker_int": worker_int,
        "_hooks": hooks,
        **_tls_settings(config),
    }


def _tls_settings(config: BridgeConfig) -> dict[str, Any]:
    """HTTPS when the TLS files are set: gunicorn serves TLS when ``certfile`` is set, and its
    ``ssl_context`` hook builds the context (``bridge.tls``: reloaded when the files change)."""
    if not config.tls_cert_file:
        return {}
    return {
        "certfile": config.tls_cert_file,
        "keyfile": config.tls_private_key_file,
        "ssl_context": ssl_context_hook(config),
    }


def _json_logging(level: str) -> dict[str, Any]:
    """gunicorn's own messages (start, worker exits, errors) as the same JSON lines as the
    app's, so one log parser reads everything the bridge writes."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "bridge.core.logs.JSONFormatter"}},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
        },
        "loggers": {"gunicorn.error": {"handlers": ["stderr"], "level": level.upper(), "propagate": False}},
        "root": {"handlers": [], "level": "WARNING"},
    }


class BridgeApplication(BaseApplication):
    """The bridge under gunicorn: the shipped settings, then the operator's ``GUNICORN_CMD_ARGS``
    on top (as gunicorn's own command line applies it), and a configuration that SIGHUP re-reads
    from where ``load_bridge_config`` found it (flags, ``BRIDGE_*``, the config file)."""

    def __init__(self, config: BridgeConfig, load_bridge_config: Callable[[], BridgeConfig] | None = None):
        self.bridge_config = config
        self.load_bridge_config = load_bridge_config or (lambda: config)
        self.settings = gunicorn_settings(config)
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.settings.items():
            if not name.startswith("_"):
                self.cfg.set(name, value)
        operator = self.cfg.parser().parse_args(self.cfg.get_cmd_args_from_env())
        for name, value in vars(operator).items():
            if value is not None and name != "args":
                self.cfg.set(name.lower(), value)

    def reload_bridge_config(self) -> bool:
        """Read and check the configuration again (SIGHUP); False, and one log line, when it
        cannot be used: the running workers then stay."""
        try:
            config = self.load_bridge_config()
        except ConfigError as error:
            problems = error.problems
        else:
            problems = reload_problems(self.bridge_config, config)
        if problems:
            log.error("SIGHUP: configuration not reloaded, the running one stays: %s", "; ".join(problems))
            return False
        changed = [
            f"{name}: {getattr(self.bridge_config, name)} -> {getattr(config, name)}"
            for name in BridgeConfig.settings()
            if getattr(self.bridge_config, name) != getattr(config, name)
        ]
        self.bridge_config = config
        self.settings = gunicorn_settings(config, self.settings["_hooks"])
        log.info(
            "SIGHUP: configuration reloaded (%s); new workers start with it",
            "; ".join(changed) or "nothing changed",
        )
        return True

    def run(self) -> None:
        try:
            BridgeArbiter(self).run()
        except RuntimeError as error:  # as gunicorn's BaseApplication.run
            print(f"\nError: {error}\n", file=sys.stderr)
            sys.exit(1)

    def load(self):
        from bridge.app import create_app

        return create_app(self.bridge_config)


def run(config: BridgeConfig, load_config: Callable[[], BridgeConfig] | None = None) -> int:
    """Serve until SIGTERM/SIGINT; the exit status of the gunicorn master. ``load_config``
    reads the configuration again on SIGHUP."""
    application = BridgeApplication(config, load_config)
    application.settings["_hooks"].announce()
    master = os.getpid()
    try:
        application.run()
    except SystemExit as exit_:
        if os.getpid() != master:
            raise  # a worker forked inside run() is leaving: not the master's exit
        return exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    finally:
        if os.getpid() == master:
            application.settings["_hooks"].on_exit(None)
    return 0
