"""v1 compute templates: ``/apis/v1/namespaces/{ns}/compute_templates`` and the list of all."""

from __future__ import annotations

from flask import Response

from v1compat import templates_api
from v1compat.handlers import load_message, v2_client
from v1compat.schemas import ComputeTemplateSchema, ListComputeTemplatesResponseSchema
from v1compat.wire import v1_json

TEMPLATE = ComputeTemplateSchema()
TEMPLATES = ListComputeTemplatesResponseSchema()


def create_template(namespace: str) -> Response:
    template = load_message(TEMPLATE)
    return v1_json(TEMPLATE.dump(templates_api.create(v2_client(), namespace, template)))


def get_template(namespace: str, name: str) -> Response:
    return v1_json(TEMPLATE.dump(templates_api.get(v2_client(), namespace, name)))


def list_templates(namespace: str) -> Response:
    templates = templates_api.list_in_namespace(v2_client(), namespace)
    return v1_json(TEMPLATES.dump({"compute_templates": templates}))


def list_all_templates() -> Response:
    return v1_json(TEMPLATES.dump({"compute_templates": templates_api.list_all(v2_client())}))


def delete_template(namespace: str, name: str) -> Response:
    templates_api.delete(v2_client(), namespace, name)
    return v1_json({})
