"""The v2 surface: the route table (the allowlist) and the blueprint that serves it.

Like ``apiserversdk/proxy.go``'s ``NewMux``, the table below is everything the bridge will
ever forward. A path that matches no row answers 404, a row with another method 405, both as
Kubernetes ``Status``; rows marked ``internal`` serve only v1compat (through V2Client) and
look like 404 to HTTP clients. Paths are checked by ``v2proxy.paths`` before matching, and
only the canonical form of the matched path goes upstream.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl

from flask import Blueprint, Flask, Response, current_app, g, request
from werkzeug.datastructures import Headers
from werkzeug.exceptions import (
    HTTPException,
    MethodNotAllowed,
    NotFound,
    RequestEntityTooLarge,
)

from bridge.core.auth import upstream_headers
from bridge.core.bodies import request_body
from bridge.core.logs import REQUEST_ID_HEADER, name_route, note_stream
from bridge.core.metrics import OPEN_STREAMS
from bridge.core.state import current_state
from v2proxy.bodies import body_format
from v2proxy.compute_template import compute_templates
from v2proxy.discovery import served_discovery_only
from v2proxy.events import ray_event_only, ray_events_only
from v2proxy.forwarder import BodyTooLarge, is_stream
from v2proxy.messages import Handler, Middleware, ProxyRequest, ProxyResponse
from v2proxy.open_streams import streams
from v2proxy.paths import (
    PathRejected,
    canonical_segments,
    join_segments,
    raw_request_path,
)
from v2proxy.pipeline import ANY, READ, NoRoute, Route, method_set, plain
from v2proxy.served import Served
from v2proxy.service_guard import kuberay_services_only
from v2proxy.template_patch import template_patches

log = logging.getLogger("kuberay_bridge.routes")

RAY = "/apis/ray.io/v1"
EVENTS = "/apis/events.k8s.io/v1"
NS = "/namespaces/{namespace}"
KINDS = "{plural:rayclusters|rayjobs|rayservices}"
SERVICE = "/api/v1/namespaces/{namespace}/services/{service}"


def served_discovery(_lookup: Handler) -> Middleware:
    """Discovery rewritten to what this table serves (built once ROUTES exists)."""
    return served_discovery_only(Served(ROUTES))


SERVED = (served_discovery,)

ROUTES: tuple[Route, ...] = (
    # name             methods             path                                      built-in middlewares
    Route("discovery", READ, "/version"),
    Route("discovery", READ, "/api", SERVED),
    Route("discovery", READ, "/api/v1", SERVED),
    Route("discovery", READ, "/apis", SERVED),
    Route("discovery", READ, "/apis/ray.io", SERVED),
    Route("discovery", READ, RAY, SERVED),
    Route("discovery", READ, "/apis/events.k8s.io", SERVED),
    Route("discovery", READ, EVENTS, SERVED),
    Route("discovery", READ, "/openapi/v3", SERVED),  # kubectl create/apply/explain read these
    Route("discovery", READ, "/openapi/v3/apis/ray.io/v1"),
    Route("ray-create", method_set("POST"), f"{RAY}{NS}/{KINDS}", (compute_templates,)),
    Route("ray-update", method_set("PUT"), f"{RAY}{NS}/{KINDS}/{{name}}", (compute_templates,)),
    Route("ray-patch", method_set("PATCH"), f"{RAY}{NS}/{KINDS}/{{name}}", (template_patches,)),
    Route("ray", ANY, f"{RAY}/{{path*}}"),
    # events about ray.io objects only, read-only, through both event APIs (kubectl describe, events)
    Route("ray-events", READ, f"{EVENTS}{NS}/events", (plain(ray_events_only),)),
    Route("ray-events", READ, f"{EVENTS}/events", (plain(ray_events_only),)),
    Route("ray-event", READ, f"{EVENTS}{NS}/events/{{name}}", (ray_event_only,)),
    Route("ray-events", READ, f"/api/v1{NS}/events", (plain(ray_events_only),)),
    Route("ray-events", READ, "/api/v1/events", (plain(ray_events_only),)),
    Route("ray-event", READ, f"/api/v1{NS}/events/{{name}}", (ray_event_only,)),
    Route("service-proxy", ANY, f"{SERVICE}/proxy", (kuberay_services_only,)),
    Route("service-proxy", ANY, f"{SERVICE}/proxy/{{subpath*}}", (kuberay_services_only,)),
    # internal: only v1compat reaches these, through V2Client (v1 compute templates, namespaces)
    Route("configmaps", method_set("GET", "POST"), "/api/v1/namespaces/{namespace}/configmaps",
          internal=True),
    Route("configmap", method_set("GET", "DELETE"),
          "/api/v1/namespaces/{namespace}/configmaps/{name}", internal=True),
    Route("configmaps-all", READ, "/api/v1/configmaps", internal=True),
    Route("namespaces", READ, "/api/v1/namespaces", internal=True),
)  # fmt: skip

blueprint = Blueprint("v2proxy", __name__)
_METHODS = sorted(ANY)


def _entry_rules(routes: tuple[Route, ...]) -> list[str]:
    """Flask rules that let a request reach ``dispatch``; the table decides the rest."""
    rules: list[str] = []
    for route in routes:
        if route.internal:
            continue
        prefix = route.literal_prefix
        wanted = [prefix + "/", prefix + "/<path:rest>"] if route.has_variables else [prefix]
        rules.extend(rule for rule in wanted if rule not in rules)
    return rules


def dispatch(**_url_values: str) -> Response:
    state = current_state()
    raw_path = raw_request_path(request.environ)
    name_route("v2", None)  # a v2 path, whether or not a row takes it
    if request.method == "OPTIONS":
        return _options(state.pipeline, raw_path)
    try:
        segments = canonical_segments(raw_path)
        match = state.pipeline.resolve(request.method, segments, include_internal=False)
    except PathRejected as rejected:
        log.info("refused path %r: %s", raw_path, rejected)
        raise NotFound() from None
    except NoRoute as missing:
        if missing.allowed:
            raise MethodNotAllowed(valid_methods=sorted(missing.allowed)) from None
        raise NotFound() from None
    name_route("v2", match.route.name)
    query = request.query_string.decode("utf-8", "replace")
    proxy_request = ProxyRequest(
        method=request.method,
        path=join_segments(segments),
        query=parse_qsl(query, keep_blank_values=True),
        raw_query=query if query.isascii() else None,
        headers=_upstream_headers(state.config.auth_mode),
        body=_checked_body(state.config.max_body_bytes, state.config.max_yaml_body_bytes),
        dialect="v2",
        route=match.route.name,
        params=match.params,
    )
    try:
        response = state.pipeline.handle(proxy_request, match.route)
    except BodyTooLarge as error:
        raise RequestEntityTooLarge(str(error)) from None
    flask_response = to_flask_response(response)
    if is_stream(proxy_request):
        note_stream()
        OPEN_STREAMS.inc()
        flask_response.call_on_close(OPEN_STREAMS.dec)
        abort = getattr(response.body, "abort", None)
        if abort is not None:
            flask_response.call_on_close(streams.open(request.environ, abort))
    return flask_response


def init_app(app: Flask) -> None:
    """Mount the v2 surface, and let its table decide methods werkzeug knows no rule for."""
    app.register_blueprint(blueprint)
    app.before_request(_table_decides_unknown_methods)


def _table_decides_unknown_methods() -> None:
    """werkzeug refuses a method no rule lists (TRACE, CONNECT, BREW) before ``dispatch``
    runs, with an ``Allow`` naming every method of the catch-all rule, also for paths
    outside the table. On v2 paths the table decides, as for any other method: 405 with
    the methods of the matching route, or 404."""
    if not isinstance(request.routing_exception, MethodNotAllowed):
        return
    try:
        endpoint, _ = current_app.url_map.bind_to_environ(request.environ).match(method="GET")
    except HTTPException:
        return
    if endpoint != f"{blueprint.name}.dispatch":
        return  # another blueprint's path (v1): its rules decide
    pipeline = current_state().pipeline
    try:
        segments = canonical_segments(raw_request_path(request.environ))
        pipeline.resolve(request.method, segments, include_internal=False)
    except PathRejected:
        request.routing_exception = NotFound()
    except NoRoute as missing:
        request.routing_exception = (
            MethodNotAllowed(valid_methods=sorted(missing.allowed)) if missing.allowed else NotFound()
        )


def _options(pipeline, raw_path: str) -> Response:
    """OPTIONS is answered here, never forwarded: 204 with the methods the table allows on
    this path (Flask's automatic answer would be a 200 ``text/html`` listing every method of
    the catch-all rule, for paths outside the table too), 404 Status outside the table. With
    CORS on, flask-cors adds the preflight headers to this answer."""
    try:
        pipeline.resolve("OPTIONS", canonical_segments(raw_path), include_internal=False)
    except PathRejected:
        raise NotFound() from None
    except NoRoute as missing:
        if not missing.allowed:
            raise NotFound() from None
        response = Response(status=204)
        del response.headers["Content-Type"]
        response.headers["Allow"] = ", ".join(sorted(missing.allowed | {"OPTIONS"}))
        return response
    raise NotFound()  # pragma: no cover - no route serves OPTIONS


for _rule in _entry_rules(ROUTES):
    blueprint.add_url_rule(
        _rule,
        endpoint="dispatch",
        view_func=dispatch,
        methods=[*_METHODS, "OPTIONS"],
        strict_slashes=False,
        provide_automatic_options=False,
    )


def _upstream_headers(auth_mode: str) -> Headers:
    headers = upstream_headers(
        request.headers.items(),
        auth_mode=auth_mode,
        remote_addr=request.remote_addr,
        scheme=request.scheme,
        host=request.host,
    )
    headers[REQUEST_ID_HEADER] = g.request_id
    if request.content_length is not None:
        headers["Content-Length"] = str(request.content_length)
    return headers


def _checked_body(max_body_bytes: int, max_yaml_body_bytes: int) -> bytes:
    """The caller's body, read whole and checked by ``bridge.core.bodies``; YAML gets a smaller
    limit: decoding it costs the worker ~1.5 s of CPU per MB, and up to 5 s per MB when
    crafted (bench/yaml_bench.py), against ~20 ms per MB of JSON."""
    body = request_body(max_body_bytes)
    if len(body) > max_yaml_body_bytes and body_format(request.headers.get("Content-Type")) == "yaml":
        raise RequestEntityTooLarge(
            f"a YAML request body is limited to {max_yaml_body_bytes} bytes; send larger objects as JSON"
        )
    return body


def to_flask_response(response: ProxyResponse) -> Response:
    """Stream a ProxyResponse to the client, headers as they are; the upstream connection
    is closed when the server closes the response (client gone or body done)."""
    flask_response = Response(
        response.iter_body(),
        status=response.status,
        headers=Headers(response.headers),
    )
    if "Content-Type" not in response.headers:
        del flask_response.headers["Content-Type"]
    flask_response.call_on_close(response.close)
    return flask_response
