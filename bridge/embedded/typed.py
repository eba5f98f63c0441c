"""The typed decoding Kubernetes does for the built-in kinds served here.

The API server decodes a ConfigMap, Service, Namespace or Event into Go structs, so a value
of the wrong JSON type is a 400 before anything is stored. Without it, ``"spec": "x"`` on a
Service was a 500, and an Event whose ``involvedObject`` was a string was stored and then
broke every list with an ``involvedObject.*`` field selector in its namespace. Only the
fields' types are checked, in Go's words; unknown fields are kept, as before.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from bridge.embedded.errors import ApiError, bad_request
from bridge.embedded.resources import Resource

# A shape: "string", "base64" ([]byte), "int32", "bool", "IntOrString", ("map", shape),
# ("list", shape), or a struct: (Go type name, {field: shape}).
Shape = Any
_STRINGS = ("list", "string")
_REFERENCE = (
    "v1.ObjectReference",
    {
        name: "string"
        for name in ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath")
    },
)
_SERVICE_PORT = (
    "v1.ServicePort",
    {
        "name": "string",
        "protocol": "string",
        "appProtocol": "string",
        "port": "int32",
        "targetPort": "IntOrString",
        "nodePort": "int32",
    },
)
_CORE_EVENT = {
    "involvedObject": _REFERENCE,
    "related": _REFERENCE,
    "reason": "string",
    "message": "string",
    "type": "string",
    "action": "string",
    "reportingComponent": "string",
    "reportingInstance": "string",
    "count": "int32",
    "firstTimestamp": "string",
    "lastTimestamp": "string",
    "eventTime": "string",
    "source": ("v1.EventSource", {"component": "string", "host": "string"}),
    "series": ("v1.EventSeries", {"count": "int32", "lastObservedTime": "string"}),
}
# events.k8s.io/v1 names for the same fields (events.py holds the whole mapping).
_EVENTS_V1_NAMES = {
    "involvedObject": "regarding",
    "message": "note",
    "source": "deprecatedSource",
    "firstTimestamp": "deprecatedFirstTimestamp",
    "lastTimestamp": "deprecatedLastTimestamp",
    "count": "deprecatedCount",
    "reportingComponent": "reportingController",
}

SHAPES: dict[str, dict[str, Shape]] = {
    "v1/configmaps": {"data": ("map", "string"), "binaryData": ("map", "base64"), "immutable": "bool"},
    "v1/services": {
        "spec": (
            "v1.ServiceSpec",
            {
                "ports": ("list", _SERVICE_PORT),
                "selector": ("map", "string"),
                "clusterIP": "string",
                "clusterIPs": _STRINGS,
                "type": "string",
                "externalIPs": _STRINGS,
                "sessionAffinity": "string",
                "loadBalancerIP": "string",
                "externalName": "string",
                "ipFamilies": _STRINGS,
                "ipFamilyPolicy": "string",
                "publishNotReadyAddresses": "bool",
            },
        ),
        "status": ("v1.ServiceStatus", {}),
    },
    "v1/namespaces": {
        "spec": ("v1.NamespaceSpec", {"finalizers": _STRINGS}),
        "status": ("v1.NamespaceStatus", {"phase": "string"}),
    },
    "v1/events": _CORE_EVENT,
    "events.k8s.io/v1/events": {
        _EVENTS_V1_NAMES.get(name, name): shape for name, shape in _CORE_EVENT.items()
    },
}


def json_type(value: object) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return {dict: "object", list: "array", str: "string"}.get(type(value), "null")


def check(resource: Resource, obj: dict) -> None:
    """400 when a field of a built-in kind has the wrong JSON type (kinds without a shape pass)."""
    fields = SHAPES.get(resource.key)
    if fields is not None:
        _struct(resource, obj, fields, resource.kind)


def _struct(resource: Resource, obj: dict, fields: dict[str, Shape], path: str) -> None:
    for name, shape in fields.items():
        value = obj.get(name)
        if value is not None:
            _value(resource, value, shape, f"{path}.{name}")


def _value(resource: Resource, value: Any, shape: Shape, path: str) -> None:
    if isinstance(shape, tuple) and shape[0] in ("map", "list"):
        container = dict if shape[0] == "map" else list
        if not isinstance(value, container):
            raise _wrong(resource, value, path, _go_name(shape))
        for item in value.values() if container is dict else value:
            if item is not None:  # Go decodes a null element as the zero value
                _value(resource, item, shape[1], path)
    elif isinstance(shape, tuple):
        if not isinstance(value, dict):
            raise _wrong(resource, value, path, shape[0])
        _struct(resource, value, shape[1], path)
    elif shape == "base64" and isinstance(value, str):
        try:
            base64.b64decode(value, validate=True)
        except binascii.Error:
            raise bad_request(
                f'{resource.kind} in version "{resource.version}" cannot be handled as '
                f"a {resource.kind}: illegal base64 data in {path}"
            ) from None
    elif not _scalar_fits(value, shape):
        raise _wrong(resource, value, path, "string" if shape == "base64" else shape)


def _scalar_fits(value: Any, shape: str) -> bool:
    if shape in ("string", "base64"):
        return isinstance(value, str)
    if shape == "bool":
        return isinstance(value, bool)
    is_int = isinstance(value, int) and not isinstance(value, bool)
    if shape == "int32":
        return is_int and -(2**31) <= value < 2**31
    return is_int or isinstance(value, str)  # IntOrString


def _go_name(shape: Shape) -> str:
    if isinstance(shape, str):
        return shape
    if shape[0] == "map":
        return f"map[string]{_go_name(shape[1])}"
    if shape[0] == "list":
        return f"[]{_go_name(shape[1])}"
    return shape[0]


def _wrong(resource: Resource, value: Any, path: str, go_type: str) -> ApiError:
    return bad_request(
        f'{resource.kind} in version "{resource.version}" cannot be handled as a {resource.kind}: '
        f"json: cannot unmarshal {json_type(value)} into Go struct field {path} of type {go_type}"
    )
