"""Validating JSON against the v1 OpenAPI document (``v1compat.openapi``): a request body
against an operation's request schema, or an answer against a component schema."""

from __future__ import annotations

import copy
from typing import Any

from openapi_schema_validator import OAS30Validator

# Which operation each KubeRay example body (kuberay/examples) is a request of.
EXAMPLE_OPERATIONS = {
    "compute_template.json": "templates.create",
    "autoscaling_clusters.json": "clusters.create",
    "ha_clusters.json": "clusters.create",
    "jobsubmission_clusters.json": "clusters.create",
}


def operation(document: dict[str, Any], operation_id: str) -> dict[str, Any]:
    for operations in document["paths"].values():
        for op in operations.values():
            if op["operationId"] == operation_id:
                return op
    raise AssertionError(f"no operation {operation_id} in the document")


def strict(document: dict[str, Any]) -> dict[str, Any]:
    """The document with unknown properties refused, so a misnamed field fails validation too
    (the bridge itself accepts them, with a warning)."""
    stricter = copy.deepcopy(document)
    for schema in stricter["components"]["schemas"].values():
        if "properties" in schema:
            schema["additionalProperties"] = False
    return stricter


def request_validator(document: dict[str, Any], operation_id: str) -> OAS30Validator:
    """A strict validator of the request body of ``operation_id``."""
    body = operation(document, operation_id)["requestBody"]["content"]["application/json"]["schema"]
    return OAS30Validator({**body, "components": strict(document)["components"]})


def component_validator(document: dict[str, Any], name: str) -> OAS30Validator:
    """A strict validator of the component schema ``name`` (``Cluster``, ``ComputeTemplate``)."""
    return OAS30Validator(
        {"$ref": f"#/components/schemas/{name}", "components": strict(document)["components"]}
    )
