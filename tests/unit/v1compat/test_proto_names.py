"""Wire parity as a class: every field of every v1 message is declared under its proto name
and accepted under that name and under its JSON name (protojson's rule)."""

import json
import re

import pytest

from tests.support.proto_schemas import all_proto_schemas
from tests.support.repo import SWAGGER_DIR
from v1compat.schemas.base import InputReport, json_name, proto_name, read_message

# The proto fields KubeRay declared in camelCase (proto/cluster.proto, job.proto, serve.proto);
# every other proto name is snake_case, and a camelCase declaration here is a bug
# (``securityContext`` was one: the Go client's ``security_context`` was dropped).
CAMEL_CASE_PROTO_FIELDS = frozenset(
    {
        "valuesFrom",
        "idleTimeoutSeconds",
        "upscalingMode",
        "imagePullPolicy",
        "enableInTreeAutoscaling",
        "autoscalerOptions",
        "headServiceAnnotations",
        "storageClassName",
        "accessMode",
        "enableIngress",
        "jobSubmitter",
        "entrypointNumCpus",
        "entrypointNumGpus",
        "entrypointResources",
        "activeDeadlineSeconds",  # job.proto, added with the submitter fields
        "serve_config_V2",
    }
)
SNAKE_CASE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")
SCHEMAS = all_proto_schemas()


def swagger_definitions() -> dict[str, dict]:
    definitions = {}
    for path in sorted(SWAGGER_DIR.glob("*.swagger.json")):
        definitions.update(json.loads(path.read_text())["definitions"])
    return definitions


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda schema: schema.__name__)
def test_every_field_is_declared_under_its_proto_name(schema):
    for name, field_obj in schema().fields.items():
        proto = proto_name(name)
        assert SNAKE_CASE.fullmatch(proto) or proto in CAMEL_CASE_PROTO_FIELDS, f"{schema.__name__}.{name}"
        assert field_obj.data_key == json_name(proto), f"{schema.__name__}.{name}"


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda schema: schema.__name__)
def test_every_field_is_accepted_under_its_proto_name_and_its_json_name(schema):
    declared = schema().fields
    for spelling in (lambda name: proto_name(name), lambda name: declared[name].data_key):
        report = InputReport()
        read_message(schema(), {spelling(name): None for name in declared}, report)
        assert report.unknown == []


def test_every_swagger_property_maps_to_a_field_of_our_schema():
    """The swagger files name JSON names; every message we declare has all of them."""
    by_name = {schema.__name__.removesuffix("Schema"): schema for schema in SCHEMAS}
    checked = 0
    for definition, body in swagger_definitions().items():
        message = definition.removeprefix("proto").replace("ListAll", "List")
        schema = by_name.get(message)
        if schema is None or "properties" not in body:
            continue
        ours = {field_obj.data_key for field_obj in schema().fields.values()}
        assert set(body["properties"]) <= ours, definition
        checked += 1
    assert checked >= 15  # the template and cluster messages at least
