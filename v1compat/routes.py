"""The legacy KubeRay APIServer v1 HTTP surface: one blueprint, one route table.

Every v1 call is a row of ``ROUTES``: its name (the log and metric label), its v2 successor
(the deprecation headers) and its handler; a row without one is a v1 call the bridge does not
serve yet (404 like an unknown path, with its successor). Handlers stay thin (load the body,
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

import datetime as _dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, Flask, Response, g, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import BaseConverter, Map, Rule

from bridge.core.clients import caller_names
from bridge.core.errors import register_error_renderer
from bridge.core.logs import name_route
from bridge.core.state import EXTENSION
from bridge.kube.warnings import warning_299
from v1compat.deprecation import (
    V1_PREFIX,
    Successor,
    SuccessorOf,
    configmaps,
    dashboard,
    deprecation_headers,
    is_v1_path,
    ray,
    ray_list,
    successor_for,
)
from v1compat.errors import HTTP_TO_CODE, METHOD_NOT_ALLOWED, ROUTE_NOT_FOUND, Code, V1Error
from v1compat.handlers.clusters import (
    CLUSTER,
    CLUSTERS,
    create_cluster,
    delete_cluster,
    get_cluster,
    list_all_clusters,
    list_clusters,
)
from v1compat.handlers.jobs import JOB, JOBS, create_job, delete_job, get_job, list_all_jobs, list_jobs
from v1compat.handlers.services import (
    SERVICE,
    SERVICES,
    create_service,
    delete_service,
    get_service,
    list_all_services,
    list_services,
    update_service,
)
from v1compat.handlers.submissions import (
    SUBMISSION,
    SUBMISSION_INFO,
    SUBMISSION_LOG,
    SUBMIT_REPLY,
    delete_job_submission,
    get_job_submission,
    get_job_submission_log,
    list_job_submissions,
    stop_job_submission,
    submit_job_submission,
)
from v1compat.handlers.submissions import SUBMISSIONS as SUBMISSIONS_LIST
from v1compat.handlers.templates import (
    TEMPLATE,
    TEMPLATES,
    create_template,
    delete_template,
    get_template,
    list_all_templates,
    list_templates,
)
from v1compat.query import LIMIT_CONTINUE, PAGE_SIZE_TOKEN, QueryField
from v1compat.schemas import EmptySchema
from v1compat.schemas.base import ProtoSchema
from v1compat.stages import decide, describe_stages, refusal_message
from v1compat.wire import current_config, v1_error_response
from v2proxy.paths import raw_request_path

blueprint = Blueprint("v1compat", __name__, url_prefix=V1_PREFIX)
log = logging.getLogger("kuberay_bridge.v1")
STAGE_HEADER = "KubeRay-V1-Stage"


class SegmentConverter(BaseConverter):
    """One path segment, possibly empty: grpc-gateway let ``{name}`` match ``""``."""

    regex = "[^/]*"


# --- the route table ------------------------------------------------------------------------


@dataclass(frozen=True)
class V1Route:
    """One v1 call: its stable ``name`` (log and metric label), the v2 call that replaces it
    (deprecation headers), and its handler; no ``view`` means "a v1 call the bridge does not
    serve yet": it answers 404 like an unknown path, but still names its successor.

    ``request``/``response`` are the schemas of its body and answer, ``query`` the query
    fields of its request message (``v1compat.query``); the OpenAPI document
    (``v1compat.openapi``) is generated from these columns, so every served row fills them.
    """

    method: str
    rule: str  # below /apis/v1; <seg:x> is one path segment, possibly empty
    name: str
    successor: SuccessorOf
    view: Callable[..., Response] | None = None
    request: ProtoSchema | None = None
    response: ProtoSchema | None = None
    query: tuple[QueryField, ...] = ()

    @property
    def endpoint(self) -> str:
        return self.name.replace(".", "_")  # Flask endpoints may not hold a dot

    def successor_at(self, values: dict[str, str]) -> Successor | None:
        """The v2 call replacing this call with these path values (None if one is empty)."""
        return successor_for(self.method, self.successor, values)


NS = "/namespaces/<seg:namespace>"
EMPTY = EmptySchema()
SUBMISSIONS = NS + "/jobsubmissions/<seg:cluster>"

ROUTES: tuple[V1Route, ...] = (
    V1Route("POST",   NS + "/compute_templates",            "templates.create",   configmaps,              create_template,        request=TEMPLATE,   response=TEMPLATE),
    V1Route("GET",    NS + "/compute_templates",            "templates.list",     configmaps,              list_templates,         response=TEMPLATES),
    V1Route("GET",    NS + "/compute_templates/<seg:name>", "templates.get",      configmaps,              get_template,           response=TEMPLATE),
    V1Route("DELETE", NS + "/compute_templates/<seg:name>", "templates.delete",   configmaps,              delete_template,        response=EMPTY),
    V1Route("GET",    "/compute_templates",                 "templates.list_all", configmaps,              list_all_templates,     response=TEMPLATES),
    V1Route("POST",   NS + "/clusters",                     "clusters.create",    ray("rayclusters"),      create_cluster,         request=CLUSTER,    response=CLUSTER),
    V1Route("GET",    NS + "/clusters",                     "clusters.list",      ray_list("rayclusters"), list_clusters,          response=CLUSTERS,  query=LIMIT_CONTINUE),
    V1Route("GET",    NS + "/clusters/<seg:name>",          "clusters.get",       ray("rayclusters"),      get_cluster,            response=CLUSTER),
    V1Route("DELETE", NS + "/clusters/<seg:name>",          "clusters.delete",    ray("rayclusters"),      delete_cluster,         response=EMPTY),
    V1Route("GET",    "/clusters",                          "clusters.list_all",  ray_list("rayclusters"), list_all_clusters,      response=CLUSTERS,  query=LIMIT_CONTINUE),
    V1Route("POST",   NS + "/jobs",                         "jobs.create",        ray("rayjobs"),          create_job,             request=JOB,        response=JOB),
    V1Route("GET",    NS + "/jobs",                         "jobs.list",          ray_list("rayjobs"),     list_jobs,              response=JOBS,      query=LIMIT_CONTINUE),
    V1Route("GET",    NS + "/jobs/<seg:name>",              "jobs.get",           ray("rayjobs"),          get_job,                response=JOB),
    V1Route("DELETE", NS + "/jobs/<seg:name>",              "jobs.delete",        ray("rayjobs"),          delete_job,             response=EMPTY),
    V1Route("GET",    "/jobs",                              "jobs.list_all",      ray_list("rayjobs"),     list_all_jobs,          response=JOBS,      query=LIMIT_CONTINUE),
    V1Route("POST",   NS + "/services",                     "services.create",    ray("rayservices"),      create_service,         request=SERVICE,    response=SERVICE),
    V1Route("GET",    NS + "/services",                     "services.list",      ray_list("rayservices"), list_services,          response=SERVICES,  query=PAGE_SIZE_TOKEN),
    V1Route("GET",    NS + "/services/<seg:name>",          "services.get",       ray("rayservices"),      get_service,            response=SERVICE),
    V1Route("PUT",    NS + "/services/<seg:name>",          "services.update",    ray("rayservices"),      update_service,         request=SERVICE,    response=SERVICE),
    V1Route("DELETE", NS + "/services/<seg:name>",          "services.delete",    ray("rayservices"),      delete_service,         response=EMPTY),
    V1Route("GET",    "/services",                          "services.list_all",  ray_list("rayservices"), list_all_services,      response=SERVICES,  query=PAGE_SIZE_TOKEN),
    V1Route("POST",   SUBMISSIONS,                          "submissions.create", dashboard(),             submit_job_submission,  request=SUBMISSION, response=SUBMIT_REPLY),
    V1Route("GET",    SUBMISSIONS,                          "submissions.list",   dashboard(),             list_job_submissions,   response=SUBMISSIONS_LIST),
    V1Route("GET",    SUBMISSIONS + "/log/<seg:id>",        "submissions.logs",   dashboard("{id}/logs"),  get_job_submission_log, response=SUBMISSION_LOG),
    V1Route("GET",    SUBMISSIONS + "/<seg:id>",            "submissions.get",    dashboard("{id}"),       get_job_submission,     response=SUBMISSION_INFO),
    V1Route("POST",   SUBMISSIONS + "/<seg:id>",            "submissions.stop",   dashboard("{id}/stop"),  stop_job_submission,    response=EMPTY),
    V1Route("DELETE", SUBMISSIONS + "/<seg:id>",            "submissions.delete", dashboard("{id}"),       delete_job_submission,  response=EMPTY),
)  # fmt: skip

# Every row, served or not, for finding the row of a request (deprecation headers, route name).
_TABLE = Map(
    [Rule(V1_PREFIX + row.rule, endpoint=row, methods=[row.method]) for row in ROUTES],
    converters={"seg": SegmentConverter},
    merge_slashes=False,
)


def match_route(method: str, path: str) -> tuple[V1Route, dict[str, str]] | None:
    """The table row of ``method path`` (HEAD is GET) and its path values, or None."""
    try:
        return _TABLE.bind("bridge").match(path, method.upper())
    except HTTPException:
        return None


def _served_under_other_methods(method: str, path: str) -> bool:
    """Whether rows of the table have this path but not this method: 501 as in Go, also when
    those rows are not served yet (Flask knows no rule for them)."""
    if not is_v1_path(path):
        return False
    try:
        _TABLE.bind("bridge").match(path, method.upper())
    except MethodNotAllowed:
        return True
    except HTTPException:
        return False
    return False


def v2_successor(method: str, path: str) -> Successor | None:
    """The v2 call replacing ``method path`` (a v1 path), or None for paths v1 never served."""
    matched = match_route(method, path)
    return matched[0].successor_at(matched[1]) if matched else None


def _add_served_rules(bp: Blueprint, routes: tuple[V1Route, ...]) -> None:
    for row in routes:
        if row.view is not None:
            bp.add_url_rule(
                row.rule,
                endpoint=row.endpoint,
                view_func=row.view,
                methods=[row.method],
                provide_automatic_options=False,
                merge_slashes=False,
            )


# At import, once: a blueprint takes no rules after its first registration, and every
# create_app registers it again.
_add_served_rules(blueprint, ROUTES)


def init_app(app: Flask) -> None:
    """Mount the v1 surface: its routes, and what it does for the whole ``/apis/v1`` prefix
    (also for requests no v1 route takes): errors in the v1 form and deprecation headers."""
    app.url_map.converters.setdefault("seg", SegmentConverter)  # before the rules are bound
    app.register_blueprint(blueprint)
    register_error_renderer(app, V1_PREFIX, render_http_error)
    app.before_request(_apply_stage)
    app.after_request(_add_v1_headers)
    state = app.extensions.get(EXTENSION)
    if state is not None:
        log.info("%s", describe_stages(state.config))


def today() -> _dt.date:
    """The day the stage is decided on (UTC, as the ``Sunset`` header's date)."""
    return _dt.datetime.now(_dt.UTC).date()


def _apply_stage() -> Response | None:
    """410 Gone, before any handler (or 404 of a row not served yet) runs, for a v1 call the
    stage no longer serves to this caller."""
    if not is_v1_path(request.path):
        return None
    matched = match_route(request.method, request.path)
    row, values = matched or (None, {})
    decision = decide(current_config(), row.name if row else None, request.method, caller_names(), today())
    g.v1_stage = decision.stage
    if not decision.refused:
        return None
    successor = row.successor_at(values) if row else None
    message = refusal_message(
        request.method, request.path, decision.stage, successor.describe() if successor else None
    )
    return v1_error_response(V1Error(Code.FAILED_PRECONDITION, message), status=410)


# --- errors and headers for the whole /apis/v1 prefix ---------------------------------------


@blueprint.before_request
def _reject_empty_segments() -> None:
    """``/apis/v1/namespaces//clusters``: Go's ServeMux cleaned the path and the gateway
    found no route, so an empty segment before the last one is 404 Not Found (whatever the
    method: ``render_http_error`` says the same when no rule took the request)."""
    if _has_empty_segment():
        raise ROUTE_NOT_FOUND


def _has_empty_segment() -> bool:
    return "//" in raw_request_path(request.environ) or "//" in request.path


@blueprint.errorhandler(V1Error)
def _render_v1_error(error: V1Error) -> Response:
    return v1_error_response(error)


def render_http_error(status: int, message: str) -> Response:
    """What the app's error handler answers for a v1 path: unknown path, wrong method, body
    too large, authentication, unexpected failures — all in the v1 ``{code, message}`` form."""
    if status in (404, 405) and _has_empty_segment():
        return v1_error_response(ROUTE_NOT_FOUND)  # Go cleaned the path first: no route
    if status == 404:
        if _served_under_other_methods(request.method, request.path):
            return v1_error_response(METHOD_NOT_ALLOWED)
        return v1_error_response(ROUTE_NOT_FOUND)
    if status == 405:
        return v1_error_response(METHOD_NOT_ALLOWED)
    code = HTTP_TO_CODE.get(status, Code.INTERNAL if status >= 500 else Code.UNKNOWN)
    return v1_error_response(V1Error(code, message), status=status)


def _add_v1_headers(response: Response) -> Response:
    if not is_v1_path(request.path):
        return response
    row, values = match_route(request.method, request.path) or (None, {})
    name_route("v1", row.name if row else None)
    for text in [*(g.pop("v1_input_warnings", None) or []), *(g.pop("v1_output_warnings", None) or [])]:
        response.headers.add("Warning", warning_299(text))
    successor = row.successor_at(values) if row else None
    for name, value in deprecation_headers(current_config(), successor):
        response.headers.add(name, value)
    stage = g.get("v1_stage")
    if stage:
        response.headers[STAGE_HEADER] = stage
    return response
