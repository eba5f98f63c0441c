"""The v1 OpenAPI document, generated from the route table and the request schemas: valid
OpenAPI, every route in it with its schemas, JSON names (the KubeRay example bodies are
validated against the served document in tests/contract/v1/test_swagger.py)."""

import json

import pytest
from jsonschema import Draft4Validator
from openapi_spec_validator import validate

from tests.support.openapi import operation, request_validator
from v1compat.openapi import SERVICE_DOCUMENTS, build_document, openapi_path, service_document
from v1compat.routes import ROUTES

DOCUMENT = build_document(ROUTES)


def test_the_document_is_valid_openapi():
    validate(DOCUMENT)
    json.dumps(DOCUMENT)  # plain JSON, nothing else


def test_every_route_of_the_table_is_an_operation():
    for row in ROUTES:
        op = DOCUMENT["paths"][openapi_path(row.rule)][row.method.lower()]
        assert op["operationId"] == row.name
        assert op["deprecated"] is True
        assert "default" in op["responses"]
    count = sum(len(operations) for operations in DOCUMENT["paths"].values())
    assert count == len(ROUTES) == 27


BODILESS_WRITES = {"submissions.stop"}  # POST .../{id}: the Go route takes no body (spec §1.5)


def test_every_row_names_its_schemas():
    for row in ROUTES:
        assert row.view is not None, row.name
        assert row.response is not None, row.name
        takes_body = row.method in ("POST", "PUT") and row.name not in BODILESS_WRITES
        assert (row.request is not None) == takes_body, row.name


def test_list_rows_document_their_query_under_json_names():
    op = operation(DOCUMENT, "clusters.list")
    query = {p["name"]: p["schema"] for p in op["parameters"] if p["in"] == "query"}
    assert query == {"continue": {"type": "string"}, "limit": {"type": "integer", "format": "int64"}}


def test_properties_are_json_names_and_say_their_proto_name():
    head = DOCUMENT["components"]["schemas"]["HeadGroupSpec"]["properties"]
    assert head["securityContext"]["x-proto-name"] == "security_context"
    assert head["computeTemplate"]["x-proto-name"] == "compute_template"
    assert "x-proto-name" not in head["image"]
    assert "continue" in DOCUMENT["components"]["schemas"]["ListClustersResponse"]["properties"]


def test_request_schemas_refuse_misnamed_fields_and_values_outside_their_type():
    validator = request_validator(DOCUMENT, "templates.create")
    assert not validator.is_valid({"name": "t", "storageClass": "x"})
    assert not validator.is_valid({"name": "t", "cpu": -1})
    assert validator.is_valid({"name": "t", "cpu": 2, "memory": 4, "gpuAccelerator": "x"})


@pytest.mark.parametrize("service", SERVICE_DOCUMENTS)
def test_each_service_document_is_valid_and_holds_its_operations_only(service):
    document = service_document(DOCUMENT, service)
    validate(document)
    prefixes = {
        "config": "templates.",
        "cluster": "clusters.",
        "job": "jobs.",
        "serve": "services.",
        "job_submission": "submissions.",
        "error": "-",
    }
    names = [op["operationId"] for ops in document["paths"].values() for op in ops.values()]
    assert all(name.startswith(prefixes[service]) for name in names)
    assert len(names) == sum(row.name.startswith(prefixes[service]) for row in ROUTES)
    assert "Status" in document["components"]["schemas"]


def test_enum_schemas_take_names_and_numbers():
    volume_type = DOCUMENT["components"]["schemas"]["Volume"]["properties"]["volumeType"]
    validator = Draft4Validator(volume_type)
    assert validator.is_valid("CONFIGMAP") and validator.is_valid(3)
    assert not validator.is_valid("CONFIG_MAP")
