"""v1 request body -> the Kubernetes manifests the bridge would create, and the v2 call.

``kuberay-bridge translate`` lets a client owner see (and apply) what their v1 payloads become,
with the same schemas, validation and converters a v1 create runs, so the manifest is
exactly what the bridge would write. Each kind is a row of ``KINDS``:

- ``name``: what ``--kind`` takes;
- ``schema``: the v1 message schema the body is read with (lowerCamelCase or snake_case in,
  proto names out, unknown fields reported);
- ``looks_like``: recognises a raw JSON body of this kind when ``--kind`` is not given;
- ``to_manifests``: validated message, namespace, a template lookup and the clock -> the
  manifests (raises ``V1Error`` for bad input, ``MissingTemplate`` for a template it cannot
  find), as the kind's ``*_api.create`` would build them;
- ``create_route``: the name of the kind's v1 create route, whose successor in the route table
  is the v2 call printed with the manifest;
- ``manifest_kind``: the Kubernetes kind it creates (documentation and ``--help``).

Every kind a v1 create builds a manifest for has its row: compute templates, clusters, jobs
and services (a job submission creates nothing in Kubernetes).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from v1compat import convert
from v1compat.clusters_api import build_raycluster
from v1compat.deprecation import Successor
from v1compat.errors import Code, V1Error
from v1compat.jobs_api import build_rayjob
from v1compat.routes import ROUTES
from v1compat.schemas import (
    ClusterSchema,
    ComputeTemplateSchema,
    InputReport,
    RayJobSchema,
    RayServiceSchema,
    read_message,
)
from v1compat.schemas.base import BodyError, ProtoSchema
from v1compat.services_api import CREATE_FAILED as SERVICE_CREATE_FAILED
from v1compat.services_api import build_rayservice
from v1compat.templates_api import CREATE_FAILED as TEMPLATE_CREATE_FAILED
from v1compat.validation import (
    validate_create_cluster,
    validate_create_job,
    validate_create_service,
    validate_create_template,
    validate_template_memory,
)
from v2proxy.templates import configmap_to_template, template_to_configmap

TemplateLookup = Callable[[str, str], "dict[str, Any] | None"]
"""(namespace, name) -> the v1 template (proto names), or None when there is none."""


class MissingTemplate(LookupError):
    def __init__(self, namespace: str, name: str):
        super().__init__(f"compute template {name!r} not found in namespace {namespace!r}")
        self.namespace = namespace
        self.name = name


@dataclass(frozen=True)
class TranslateKind:
    name: str
    schema: ProtoSchema
    looks_like: Callable[[dict[str, Any]], bool]
    to_manifests: Callable[[dict[str, Any], str, TemplateLookup, _dt.datetime], list[dict[str, Any]]]
    create_route: str
    manifest_kind: str


def _template_manifests(
    template: dict[str, Any], namespace: str, _templates: TemplateLookup, _now: _dt.datetime
) -> list[dict[str, Any]]:
    validate_create_template(namespace, template)
    validate_template_memory(template, TEMPLATE_CREATE_FAILED)
    return [template_to_configmap(template, namespace)]


def _found_templates(
    namespace: str, names: list[str], templates: TemplateLookup
) -> dict[str, dict[str, Any]]:
    found = {}
    for name in names:
        template = templates(namespace, name)
        if template is None:
            raise MissingTemplate(namespace, name)
        found[name] = template
    return found


def _cluster_manifests(
    cluster: dict[str, Any], namespace: str, templates: TemplateLookup, now: _dt.datetime
) -> list[dict[str, Any]]:
    validate_create_cluster(namespace, cluster)
    found = _found_templates(namespace, convert.required_templates(cluster), templates)
    return [build_raycluster(cluster, namespace, found, _clock_at(now))]


def _job_manifests(
    job: dict[str, Any], namespace: str, templates: TemplateLookup, _now: _dt.datetime
) -> list[dict[str, Any]]:
    """A RayJob carries no timestamp of the bridge's: the clock is not needed."""
    validate_create_job(namespace, job)
    found = _found_templates(namespace, convert.required_job_templates(job), templates)
    return [build_rayjob(job, namespace, found)]


def _service_manifests(
    service: dict[str, Any], namespace: str, templates: TemplateLookup, now: _dt.datetime
) -> list[dict[str, Any]]:
    validate_create_service(namespace, service)
    found = _found_templates(namespace, convert.required_templates(service), templates)
    return [build_rayservice(service, namespace, found, SERVICE_CREATE_FAILED, _clock_at(now))]


_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC)


def _clock_at(now: _dt.datetime) -> Callable[[], int]:
    """A clock stopped at ``now``, as the build functions take one (nanoseconds since the epoch)."""
    nanoseconds = (now - _EPOCH) // _dt.timedelta(microseconds=1) * 1000
    return lambda: nanoseconds


def _is_job(body: dict[str, Any]) -> bool:
    return "entrypoint" in body


def _is_service(body: dict[str, Any]) -> bool:
    return "serveConfigV2" in body or "serve_config_V2" in body


def _is_cluster(body: dict[str, Any]) -> bool:
    """A cluster spec alone: jobs and services carry one too."""
    return ("clusterSpec" in body or "cluster_spec" in body) and not (_is_job(body) or _is_service(body))


KINDS: tuple[TranslateKind, ...] = (
    TranslateKind(
        "compute_template",
        ComputeTemplateSchema(),
        lambda body: "cpu" in body and "memory" in body and "clusterSpec" not in body,
        _template_manifests,
        "templates.create",
        "ConfigMap",
    ),
    TranslateKind(
        "cluster",
        ClusterSchema(),
        _is_cluster,
        _cluster_manifests,
        "clusters.create",
        "RayCluster",
    ),
    TranslateKind("job", RayJobSchema(), _is_job, _job_manifests, "jobs.create", "RayJob"),
    TranslateKind(
        "service", RayServiceSchema(), _is_service, _service_manifests, "services.create", "RayService"
    ),
)
_ROUTES = {row.name: row for row in ROUTES}


def kind_named(name: str) -> TranslateKind:
    for kind in KINDS:
        if kind.name == name:
            return kind
    raise KeyError(name)


def detect_kind(body: Any) -> TranslateKind:
    if isinstance(body, dict):
        for kind in KINDS:
            if kind.looks_like(body):
                return kind
    names = ", ".join(kind.name for kind in KINDS)
    raise V1Error(Code.INVALID_ARGUMENT, f"cannot tell the kind of this body; pass --kind ({names})")


@dataclass(frozen=True)
class Translation:
    kind: TranslateKind
    manifests: list[dict[str, Any]]
    v2_call: Successor
    warnings: list[str]


def translate(
    body: Any,
    kind: TranslateKind | None,
    namespace: str | None,
    templates: TemplateLookup,
    now: _dt.datetime,
) -> Translation:
    """The manifests and the v2 create call for one v1 create body (the JSON, decoded).
    ``namespace`` is the path namespace of the v1 create (default: the body's); it replaces
    the body's, so one body can be translated for several namespaces."""
    kind = kind or detect_kind(body)
    report = InputReport()
    try:
        message = read_message(kind.schema, body, report)
    except BodyError as error:
        raise V1Error(Code.INVALID_ARGUMENT, str(error)) from None
    namespace = namespace or message.get("namespace") or ""
    message["namespace"] = namespace  # the v1 call's path namespace is the one that counts
    manifests = kind.to_manifests(message, namespace, templates, now)
    route = _ROUTES[kind.create_route]
    return Translation(kind, manifests, route.successor(route.method, namespace), list(report.unknown))


def template_from_document(document: Any) -> dict[str, Any]:
    """A template file: a compute-template ConfigMap, or a v1 compute template body."""
    if isinstance(document, dict) and document.get("kind") == "ConfigMap":
        return configmap_to_template(document)
    return read_message(ComputeTemplateSchema(), document, InputReport())
