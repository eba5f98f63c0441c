"""The legacy KubeRay APIServer v1 HTTP surface: one blueprint, one route table.

Every route below ``/apis/v1`` is listed in ``ROUTES``; handlers stay thin (load the body,
call the orchestration module, dump the answer). Path rules follow the Go server (spec
§3.6): an empty *last* segment reaches the handler (``GET .../clusters/`` -> 400 "name is
empty"), an empty segment elsewhere (``/namespaces//clusters``) is 404 Not Found, an unknown
path is 404 ``{"code":5,"message":"Not Found"}``, a known path with another method is 501
``{"code":12,"message":"Method Not Allowed"}`` — the last two are rendered for the whole
``/apis/v1`` prefix through ``bridge.core.errors.register_error_renderer``, so they apply even to
requests that never reach this blueprint.

Every v1 response, errors included, carries the deprecation headers of
``v1compat.deprecation`` and one ``Warning: 299`` per unknown input field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, g, request
from werkzeug.routing import BaseConverter

from bridge.core.errors import register_error_renderer
from bridge.core.logs import name_route
from bridge.kube.warnings import warning_299
from v1compat import clusters_api, templates_api
from v1compat.deprecation import V1_PREFIX, deprecation_headers, is_v1_path
from v1compat.errors import (
    HTTP_TO_CODE,
    METHOD_NOT_ALLOWED,
    ROUTE_NOT_FOUND,
    Code,
    V1Error,
)
from v1compat.schemas import (
    ClusterSchema,
    ComputeTemplateSchema,
    ListClustersResponseSchema,
    ListComputeTemplatesResponseSchema,
)
from v1compat.wire import current_config, load_body, v1_error_response, v1_json
from v2proxy.client import V2Client
from v2proxy.paths import raw_request_path

blueprint = Blueprint("v1compat", __name__, url_prefix=V1_PREFIX)

TEMPLATE = ComputeTemplateSchema()
TEMPLATES = ListComputeTemplatesResponseSchema()
CLUSTER = ClusterSchema()
CLUSTERS = ListClustersResponseSchema()


class SegmentConverter(BaseConverter):
    """One path segment, possibly empty: grpc-gateway let ``{name}`` match ``""``."""

    regex = "[^/]*"


def v2_client() -> V2Client:
    """The internal v2 client for this request (same pipeline, caller's credentials)."""
    return V2Client.from_request(dialect="v1")


def _load(schema: Any) -> dict[str, Any]:
    message, unknown = load_body(schema)
    g.v1_input_warnings = unknown
    return message


# --- handlers: compute templates ------------------------------------------------------------


def create_compute_template(namespace: str) -> Response:
    template = _load(TEMPLATE)
    return v1_json(TEMPLATE.dump(templates_api.create(v2_client(), namespace, template)))


def get_compute_template(namespace: str, name: str) -> Response:
    return v1_json(TEMPLATE.dump(templates_api.get(v2_client(), namespace, name)))


def list_compute_templates(namespace: str) -> Response:
    templates = templates_api.list_in_namespace(v2_client(), namespace)
    return v1_json(TEMPLATES.dump({"compute_templates": templates}))


def list_all_compute_templates() -> Response:
    return v1_json(TEMPLATES.dump({"compute_templates": templates_api.list_all(v2_client())}))


def delete_compute_template(namespace: str, name: str) -> Response:
    templates_api.delete(v2_client(), namespace, name)
    return v1_json({})


# --- handlers: clusters ---------------------------------------------------------------------


def create_cluster(namespace: str) -> Response:
    cluster = _load(CLUSTER)
    return v1_json(CLUSTER.dump(clusters_api.create(v2_client(), namespace, cluster)))


def get_cluster(namespace: str, name: str) -> Response:
    return v1_json(CLUSTER.dump(clusters_api.get(v2_client(), namespace, name)))


def list_clusters(namespace: str) -> Response:
    page = clusters_api.page_query(request.args)
    return v1_json(CLUSTERS.dump(clusters_api.list_in_namespace(v2_client(), namespace, page)))


def list_all_clusters() -> Response:
    page = clusters_api.page_query(request.args)
    return v1_json(CLUSTERS.dump(clusters_api.list_all(v2_client(), page)))


def delete_cluster(namespace: str, name: str) -> Response:
    clusters_api.delete(v2_client(), namespace, name)
    return v1_json({})


# --- the route table ------------------------------------------------------------------------


@dataclass(frozen=True)
class V1Route:
    method: str
    rule: str  # below /apis/v1; <seg:x> is one path segment, possibly empty
    view: Callable[..., Response]


ROUTES: list[V1Route] = [
    V1Route("POST",   "/namespaces/<seg:namespace>/compute_templates",             create_compute_template),
    V1Route("GET",    "/namespaces/<seg:namespace>/compute_templates",             list_compute_templates),
    V1Route("GET",    "/namespaces/<seg:namespace>/compute_templates/<seg:name>",  get_compute_template),
    V1Route("DELETE", "/namespaces/<seg:namespace>/compute_templates/<seg:name>",  delete_compute_template),
    V1Route("GET",    "/compute_templates",                                        list_all_compute_templates),
    V1Route("POST",   "/namespaces/<seg:namespace>/clusters",                      create_cluster),
    V1Route("GET",    "/namespaces/<seg:namespace>/clusters",                      list_clusters),
    V1Route("GET",    "/namespaces/<seg:namespace>/clusters/<seg:name>",           get_cluster),
    V1Route("DELETE", "/namespaces/<seg:namespace>/clusters/<seg:name>",           delete_cluster),
    V1Route("GET",    "/clusters",                                                 list_all_clusters),
]  # fmt: skip


def register_routes(bp: Blueprint, routes: list[V1Route]) -> None:
    for route in routes:
        bp.add_url_rule(
            route.rule,
            endpoint=f"{route.method.lower()}_{route.view.__name__}",
            view_func=route.view,
            methods=[route.method],
            provide_automatic_options=False,
            merge_slashes=False,
        )


@blueprint.record_once
def _install(state: Any) -> None:
    app = state.app
    app.url_map.converters.setdefault("seg", SegmentConverter)
    register_error_renderer(app, V1_PREFIX, render_http_error)


# The converter must be known before the rules are added to the app's map; registering it on
# the blueprint's first registration (above) happens before its deferred rules are bound.
register_routes(blueprint, ROUTES)


# --- errors and headers for the whole /apis/v1 prefix ---------------------------------------


@blueprint.before_request
def _reject_empty_segments() -> None:
    """``/apis/v1/namespaces//clusters``: Go's ServeMux cleaned the path and the gateway
    found no route, so an empty segment before the last one is 404 Not Found."""
    if "//" in raw_request_path(request.environ) or "//" in request.path:
        raise ROUTE_NOT_FOUND


@blueprint.errorhandler(V1Error)
def _render_v1_error(error: V1Error) -> Response:
    return v1_error_response(error)


def render_http_error(status: int, message: str) -> Response:
    """What the app's error handler answers for a v1 path: unknown path, wrong method, body
    too large, authentication, unexpected failures — all in the v1 ``{code, message}`` form."""
    if status == 404:
        return v1_error_response(ROUTE_NOT_FOUND)
    if status == 405:
        return v1_error_response(METHOD_NOT_ALLOWED)
    code = HTTP_TO_CODE.get(status, Code.INTERNAL if status >= 500 else Code.UNKNOWN)
    return v1_error_response(V1Error(code, message), status=status)


@blueprint.after_app_request
def _add_v1_headers(response: Response) -> Response:
    if not is_v1_path(request.path):
        return response
    if getattr(g, "dialect", None) is None:
        name_route("v1", request.url_rule.rule if request.url_rule else None)
    for text in g.pop("v1_input_warnings", None) or []:
        response.headers.add("Warning", warning_299(text))
    for name, value in deprecation_headers(current_config(), request.method, request.path):
        response.headers.add(name, value)
    return response
