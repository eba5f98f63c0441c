"""The OpenAPI document of the v1 surface, generated from the route table and the marshmallow
schemas that validate the requests, so the documentation cannot drift from the behaviour.

apispec's MarshmallowPlugin turns each ``ProtoSchema`` into a component; the protojson fields
of ``v1compat.schemas.fields`` get their OpenAPI form from ``_proto_field2properties`` (enums
as name or number, ``map<string, V>`` as an object of V, integers with their proto range).
Properties carry the JSON names (what the bridge writes); a field whose proto name differs
says so in ``x-proto-name``, and input accepts either (``v1compat.schemas.base.wire_names``).

Each row of ``v1compat.routes.ROUTES`` is one operation, with its path and query parameters,
its ``request``/``response`` schemas when the row names them (a row without them is still
documented: path, method, parameters, the error body), the v2 call that replaces it, and
``deprecated: true`` — the whole v1 API is. Rows the bridge does not serve yet say so.

``service_document`` cuts the document along KubeRay's gRPC services, for the
``/swagger/<service>.swagger.json`` files the Go server published (``v1compat.swagger``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from importlib import metadata
from typing import TYPE_CHECKING, Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import fields

from v1compat.deprecation import V1_PREFIX
from v1compat.query import QueryField
from v1compat.schemas.base import proto_name
from v1compat.schemas.common import StatusSchema
from v1compat.schemas.fields import Bool, Enum, Integer, Map, String, Timestamp

if TYPE_CHECKING:
    from v1compat.routes import V1Route

OPENAPI_VERSION = "3.0.3"  # what the packaged Swagger UI (4.x) renders fully

# The first part of a route name -> (KubeRay gRPC service: the tag, its swagger file name)
SERVICES = {
    "templates": ("ComputeTemplateService", "config"),
    "clusters": ("ClusterService", "cluster"),
    "jobs": ("RayJobService", "job"),
    "services": ("RayServeService", "serve"),
    "submissions": ("RayJobSubmissionService", "job_submission"),
}
ERROR_DOCUMENT = "error"  # the Go server's error.swagger.json: only the error body
SERVICE_DOCUMENTS = (*(file for _, file in SERVICES.values()), ERROR_DOCUMENT)

_DESCRIPTION = """\
The legacy KubeRay APIServer v1 HTTP API as kuberay-bridge serves it (deprecated: every \
operation names the v2 call that replaces it).

Request bodies are protojson: every field is accepted under its JSON name (shown here) or its \
proto name (snake_case, shown as `x-proto-name` where it differs), enums as names or numbers, \
integers as numbers or numeric strings. Unknown fields are accepted with a `Warning: 299` \
header naming them (`?strict=true`: 400). Answers use JSON names, enums as numbers, and leave \
zero values out. Errors are `{"code": <gRPC code>, "message": "..."}`."""

_PATH_VARIABLE = re.compile(r"<(?:\w+:)?(\w+)>")
_QUERY_SCHEMAS = {
    "string": {"type": "string"},
    "bool": {"type": "boolean"},
    "int32": {"type": "integer", "format": "int32"},
    "int64": {"type": "integer", "format": "int64"},
    "uint32": {"type": "integer", "format": "int64", "minimum": 0, "maximum": 2**32 - 1},
    "uint64": {"type": "integer", "minimum": 0},
}


def build_document(routes: Iterable[V1Route]) -> dict[str, Any]:
    """The OpenAPI document of these v1 routes (a plain dict, ready for JSON)."""
    plugin = MarshmallowPlugin()
    spec = APISpec(
        title="KubeRay APIServer v1 (kuberay-bridge)",
        version=_version(),
        openapi_version=OPENAPI_VERSION,
        plugins=[plugin],
        info={"description": _DESCRIPTION},
        tags=[{"name": tag, "description": f"proto/{file}.proto"} for tag, file in SERVICES.values()],
    )
    plugin.converter.add_attribute_function(_proto_field2properties)
    spec.components.schema("Status", schema=StatusSchema)
    for row in routes:
        spec.path(path=openapi_path(row.rule), operations={row.method.lower(): _operation(row)})
    return spec.to_dict()


def openapi_path(rule: str) -> str:
    """A table rule as an OpenAPI path: ``/namespaces/<seg:namespace>/clusters`` ->
    ``/apis/v1/namespaces/{namespace}/clusters``."""
    return V1_PREFIX + _PATH_VARIABLE.sub(r"{\1}", rule)


def service_document(document: dict[str, Any], service: str) -> dict[str, Any]:
    """The part of ``document`` about one KubeRay service (``cluster``, ``config``, ``error``...):
    its operations and the components they reach (always the error body)."""
    tags = {tag for tag, file in SERVICES.values() if file == service}
    paths: dict[str, Any] = {}
    for path, operations in document["paths"].items():
        kept = {method: op for method, op in operations.items() if set(op.get("tags", ())) & tags}
        if kept:
            paths[path] = kept
    schemas = document["components"]["schemas"]
    reached = _reachable(schemas, [paths, {"$ref": "#/components/schemas/Status"}])
    return {
        **document,
        "info": {**document["info"], "title": f"{document['info']['title']}: {service}"},
        "tags": [tag for tag in document.get("tags", []) if tag["name"] in tags],
        "paths": paths,
        "components": {"schemas": {name: schemas[name] for name in schemas if name in reached}},
    }


def _reachable(schemas: dict[str, Any], roots: list[Any]) -> set[str]:
    reached: set[str] = set()
    pending = list(roots)
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                name = ref.rsplit("/", 1)[1]
                if name not in reached:
                    reached.add(name)
                    pending.append(schemas[name])
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return reached


def _operation(row: V1Route) -> dict[str, Any]:
    tag, _ = SERVICES.get(row.name.split(".", 1)[0], ("v1", ""))
    variables = _PATH_VARIABLE.findall(row.rule)
    successor = row.successor_at({name: name.upper() for name in variables})
    description = f"Replaced by {successor.describe()}." if successor else ""
    if row.view is None:
        description += " Not served by this bridge yet: answers 404."
    operation: dict[str, Any] = {
        "operationId": row.name,
        "tags": [tag],
        "summary": row.name,
        "description": description.strip(),
        "deprecated": True,
        "parameters": [
            *(_path_parameter(name) for name in variables),
            *(_query_parameter(query_field) for query_field in row.query),
        ],
        "responses": {
            "200": _answer(row.response),
            "default": {
                "description": 'An error: `{"code": <gRPC code>, "message": "..."}`',
                "content": {"application/json": {"schema": StatusSchema}},
            },
        },
    }
    if row.request is not None:
        operation["requestBody"] = {
            "required": True,
            "description": "JSON names or proto names; unknown fields are warned about.",
            "content": {"application/json": {"schema": row.request}},
        }
    return operation


def _answer(schema: Any) -> dict[str, Any]:
    if schema is None:
        return {"description": "OK (body not documented yet)"}
    return {"description": "OK", "content": {"application/json": {"schema": schema}}}


def _path_parameter(name: str) -> dict[str, Any]:
    return {"in": "path", "name": name, "required": True, "schema": {"type": "string"}}


def _query_parameter(query_field: QueryField) -> dict[str, Any]:
    parameter: dict[str, Any] = {
        "in": "query",
        "name": query_field.json_name,
        "required": False,
        "schema": dict(_QUERY_SCHEMAS[query_field.kind]),
    }
    if query_field.name != query_field.json_name:
        parameter["description"] = f"Also accepted as `{query_field.name}`."
    return parameter


def _proto_field2properties(self: Any, field: fields.Field, **kwargs: Any) -> dict[str, Any]:
    """apispec attribute function (bound to its converter): the OpenAPI form of a protojson
    field of ``v1compat.schemas.fields``; other fields get nothing more."""
    properties: dict[str, Any] = {}
    if isinstance(field, Enum):
        names = list(field.values)
        properties["oneOf"] = [
            {"type": "string", "enum": names},
            {"type": "integer", "enum": list(field.names)},
        ]
        properties["description"] = "A value name or number; answers carry the number."
    elif isinstance(field, Integer):
        properties.update(type="integer", format=field.kind, minimum=field.low, maximum=field.high)
    elif isinstance(field, Timestamp):
        properties.update(type="string", format="date-time")
    elif isinstance(field, String):
        properties["type"] = "string"
    elif isinstance(field, Bool):
        properties["type"] = "boolean"
    elif isinstance(field, Map):
        properties.update(type="object", additionalProperties=self.field2property(field.value_field))
    if field.name and field.data_key and proto_name(field.name) != field.data_key:
        properties["x-proto-name"] = proto_name(field.name)
    return properties


def _version() -> str:
    try:
        return metadata.version("kuberay-bridge")
    except metadata.PackageNotFoundError:  # a source tree that was never installed
        return "0"
