"""The application factory: the one place that knows the bridge, v2proxy and v1compat.

``create_app`` connects the upstream, builds the forwarder and the pipeline (route table +
built-in middlewares + user middlewares), and mounts the surfaces as blueprints behind the
cross-cutting concerns every request shares: request id and JSON log line, loop detection,
CORS, caller auth, body limit, and errors in the dialect of the path: Kubernetes ``Status`` on
the Kubernetes API paths, v1's ``{"code", "message"}`` under ``/apis/v1`` and on every path
neither surface serves (``curl localhost:31888/``), as the Go server mounted v1 on ``/``.

    gunicorn -c python:bridge.gunicorn_conf 'bridge.app:create_app()'
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from flask import Flask, Response, g, has_request_context, request

from bridge.core import metrics
from bridge.core.auth import TokenFile, check_caller
from bridge.core.bodies import drain_unread_body, read_body_first
from bridge.core.clients import product_token
from bridge.core.config import SERVED_GUIDE_PATH, BridgeConfig
from bridge.core.cors import install_cors
from bridge.core.errors import (
    install_error_handlers,
    register_error_renderer,
    status_json,
)
from bridge.core.health import ReadinessProbe
from bridge.core.health import blueprint as health_blueprint
from bridge.core.hops import HopGuard, instance_id_from
from bridge.core.logs import configure_logging, install_request_logging, note_upstream
from bridge.core.metrics import blueprint as metrics_blueprint
from bridge.core.slow_clients import BoundedBodies
from bridge.core.state import BridgeState, current_state
from bridge.core.upstream import Upstream, connect_upstream
from bridge.supervisor import start_in_process
from v1compat import routes as v1_routes
from v1compat import swagger
from v1compat.guide import blueprint as guide_blueprint
from v1compat.routes import render_http_error as render_v1_error
from v2proxy import routes as v2_routes
from v2proxy.forwarder import Forwarder
from v2proxy.lean import LeanReads, reason_phrase
from v2proxy.messages import Middleware, ProxyRequest
from v2proxy.middleware import load_middlewares
from v2proxy.pipeline import Pipeline
from v2proxy.retry import RetryPolicy
from v2proxy.routes import ROUTES

_OPEN_PATHS = frozenset(
    {"/healthz", "/readyz", SERVED_GUIDE_PATH}
)  # /readyz tells strangers only ready or not
# First path segments whose errors are Kubernetes Status objects (clients of the Kubernetes API
# and probes look there, in any case or with extra slashes); every other path outside /apis/v1
# answers errors like the Go v1 server mounted on "/".
KUBERNETES_ROOTS = frozenset({"api", "apis", "openapi", "version", "healthz", "livez", "readyz", "metrics"})


def create_app(
    config: BridgeConfig | None = None,
    middlewares: Sequence[Middleware] = (),
    *,
    upstream: Upstream | None = None,
) -> Flask:
    """The bridge as a WSGI app. ``config=None`` reads the environment and ``BRIDGE_CONFIG``;
    ``middlewares`` run after the built-in ones and after those of the config, in order."""
    config = BridgeConfig.load() if config is None else config
    configure_logging(config.log_level)
    metrics.limit_client_labels(config.metrics_client_limit)
    upstream = upstream or connect_upstream(config, start_embedded=start_in_process)
    send_credentials = config.auth_mode != "passthrough"
    hops = HopGuard(instance_id_from(os.environ), f"{upstream.mode} {upstream.url}")

    forwarder = Forwarder(
        upstream,
        send_credentials=send_credentials,
        connect_timeout=config.connect_timeout,
        read_timeout=config.read_timeout,
        retry=RetryPolicy(config.retry_max, config.retry_backoff, config.retry_budget),
        observer=_observe_upstream,
        via=hops.via,
    )
    user_middlewares = [*load_middlewares(config.middlewares), *middlewares]
    state = BridgeState(
        config=config,
        upstream=upstream,
        forwarder=forwarder,
        pipeline=Pipeline(ROUTES, forwarder, user_middlewares),
        readiness=ReadinessProbe(upstream, config.connect_timeout, send_credentials, via=hops.via),
        tokens=TokenFile(config.token_file) if config.token_file else None,
        hops=hops,
    )

    app = Flask("kuberay_bridge")
    state.init_app(app)
    app.config["MAX_CONTENT_LENGTH"] = config.max_body_bytes
    app.url_map.merge_slashes = False  # "//apis/..." is refused, never redirected
    install_request_logging(app, observers=[_observe_request])
    install_error_handlers(app)
    register_error_renderer(app, "/", _render_outside_v1)
    app.before_request(hops.check_request)
    if config.cors_origins:
        install_cors(app, config.cors_origins)
    app.before_request(_authenticate_caller)
    app.before_request(read_body_first)
    app.register_blueprint(health_blueprint)
    app.register_blueprint(metrics_blueprint)
    app.register_blueprint(guide_blueprint)
    v2_routes.init_app(app)
    v1_routes.init_app(app)
    app.register_blueprint(swagger.blueprint)
    app.after_request(_go_reason_phrase)
    app.after_request(drain_unread_body)
    app.wsgi_app = LeanReads(BoundedBodies(app.wsgi_app, config.body_timeout), state, [_observe_request])
    return app


def _render_outside_v1(code: int, message: str) -> Response:
    """Errors of every path but /apis/v1 (whose blueprint renders its own)."""
    first_segment = request.path.lstrip("/").split("/", 1)[0].lower()
    if first_segment in KUBERNETES_ROOTS:
        return status_json(code, message)
    return render_v1_error(code, message)


def _go_reason_phrase(response: Response) -> Response:
    """Werkzeug upper-cases reason phrases (``404 NOT FOUND``); Kubernetes and the Go v1
    server send ``404 Not Found``, and clients show it (the kubernetes package's
    ``ApiException`` prints ``Reason: Not Found``)."""
    response.status = reason_phrase(response.status_code, response.status)
    return response


def _authenticate_caller() -> None:
    if request.path in _OPEN_PATHS or request.method == "OPTIONS" or swagger.is_docs_path(request.path):
        return
    state = current_state()
    if request.path == "/metrics" and (state.config.auth_mode != "token" or state.config.metrics_open):
        return
    g.caller_identity = check_caller(
        state.config.auth_mode, request.headers.get("Authorization"), state.tokens
    )


def _observe_upstream(proxy_request: ProxyRequest, status: int, attempts: int) -> None:
    metrics.observe_upstream(proxy_request.route, attempts, status)
    if has_request_context():
        note_upstream(status, attempts)


def _observe_request(fields: dict, seconds: float) -> None:
    route = fields["route"] or "none"
    metrics.observe_request(
        fields["dialect"], route, fields["method"], fields["status"], seconds, stream=fields["stream"]
    )
    if fields["dialect"] == "v1":
        metrics.observe_v1_client(product_token(fields["user_agent"]), fields["identity"], route)
