"""v1 RayServices: ``/apis/v1/namespaces/{ns}/services`` and the list of all."""

from __future__ import annotations

from flask import Response, request

from v1compat import services_api
from v1compat.handlers import fan_out_limits, load_message, v2_client
from v1compat.schemas import ListRayServicesResponseSchema, RayServiceSchema
from v1compat.wire import v1_json

SERVICE = RayServiceSchema()
SERVICES = ListRayServicesResponseSchema()


def create_service(namespace: str) -> Response:
    service = load_message(SERVICE)
    return v1_json(
        SERVICE.dump(services_api.create(v2_client(), namespace, service, limits=fan_out_limits()))
    )


def update_service(namespace: str, name: str) -> Response:
    service = load_message(SERVICE)
    return v1_json(
        SERVICE.dump(services_api.update(v2_client(), namespace, name, service, limits=fan_out_limits()))
    )


def get_service(namespace: str, name: str) -> Response:
    return v1_json(SERVICE.dump(services_api.get(v2_client(), namespace, name)))


def list_services(namespace: str) -> Response:
    page = services_api.page_query(request.args)
    return v1_json(SERVICES.dump(services_api.list_in_namespace(v2_client(), namespace, page)))


def list_all_services() -> Response:
    page = services_api.page_query(request.args)
    return v1_json(SERVICES.dump(services_api.list_all(v2_client(), page)))


def delete_service(namespace: str, name: str) -> Response:
    services_api.delete(v2_client(), namespace, name)
    return v1_json({})
