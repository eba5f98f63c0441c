"""What every write does before the store changes: the body decoded into the stored form,
checked against the CRD schema, and the checks that need the store (run under its lock).

Views (``events.k8s.io/v1`` events) arrive in the client's form and are stored in their core
form: ``incoming`` converts them with ``events.to_core``.
"""

from __future__ import annotations

from werkzeug.wrappers import Request

from bridge.embedded import core_kinds, events, objects, typed
from bridge.embedded.errors import not_found
from bridge.embedded.resources import BY_KEY, Resource
from bridge.embedded.schema import SchemaRegistry
from bridge.embedded.store import NAMESPACES, Store
from bridge.embedded.wire import decode_object, read_body


def storage_resource(resource: Resource) -> Resource:
    """The resource whose objects are stored: a view writes the objects of the one it shows."""
    return BY_KEY[resource.view_of] if resource.view_of else resource


def request_object(request: Request) -> dict:
    return objects.require_object(decode_object(request, read_body(request)))


def incoming(resource: Resource, body: dict) -> dict:
    """A request body in the client's form -> the stored form."""
    if resource.view_of:
        objects.check_type_meta(resource, body)
        typed.check(resource, body)  # in the client's field names, before conversion
        return events.to_core(body)
    return body


def admit(
    schemas: SchemaRegistry, request: Request, resource: Resource, obj: dict, subresource: str = ""
) -> tuple[dict, list[str]]:
    """Prune, default and validate against the CRD schema (custom resources only)."""
    if not objects.tracks_generation(resource):
        return obj, []
    return schemas.admit(resource, obj, request.args.get("fieldValidation", "Warn"), subresource or None)


def require_namespace(store: Store, namespace: str) -> None:
    """Called under the store lock: a namespace that is gone cannot receive objects."""
    if namespace and store.get(NAMESPACES, "", namespace) is None:
        raise not_found("namespaces", "", namespace)


def allocate(store: Store, obj: dict) -> dict:
    """Called under the store lock: a new Service gets a cluster IP nobody else has."""
    if obj.get("kind") != "Service" or obj.get("apiVersion") != "v1":
        return obj
    services, _ = store.list("v1/services")
    taken = {(svc.get("spec") or {}).get("clusterIP", "") for svc in services}
    return core_kinds.allocate_cluster_ip(obj, taken)
