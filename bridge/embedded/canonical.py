"""Key order of objects in answers, as the Go API server writes them.

JSON clients do not care, but people diff answers and some tools compare bytes. Custom
resources are ``map[string]interface{}`` in Go, whose JSON has every object's keys sorted;
built-in kinds are structs, whose JSON follows the field order of the Go type (``kind``,
``apiVersion``, ``metadata``, then the type's own fields).
"""

from __future__ import annotations

from typing import Any

OBJECT_META = (  # ObjectMeta's fields, in the order the API server writes them
    "name",
    "generateName",
    "namespace",
    "selfLink",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "labels",
    "annotations",
    "ownerReferences",
    "finalizers",
    "managedFields",
)
_TYPED = {
    "v1/configmaps": ("immutable", "data", "binaryData"),
    "v1/services": ("spec", "status"),
    "v1/namespaces": ("spec", "status"),
    "v1/events": (
        "involvedObject",
        "reason",
        "message",
        "source",
        "firstTimestamp",
        "lastTimestamp",
        "count",
        "type",
        "eventTime",
        "series",
        "action",
        "related",
        "reportingComponent",
        "reportingInstance",
    ),
    "events.k8s.io/v1/events": (
        "eventTime",
        "series",
        "reportingController",
        "reportingInstance",
        "action",
        "reason",
        "regarding",
        "related",
        "note",
        "type",
        "deprecatedSource",
        "deprecatedFirstTimestamp",
        "deprecatedLastTimestamp",
        "deprecatedCount",
    ),
}


def _in_order(obj: dict, order: tuple[str, ...]) -> dict:
    ordered = {key: obj[key] for key in order if key in obj}
    ordered.update((key, value) for key, value in obj.items() if key not in ordered)
    return ordered


def sorted_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: sorted_keys(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [sorted_keys(item) for item in value]
    return value


def canonical(resource_key: str, obj: dict) -> dict:
    """``obj`` with its keys in the order the API server would write them."""
    fields = _TYPED.get(resource_key)
    if fields is None:
        return sorted_keys(obj)
    ordered = _in_order(obj, ("kind", "apiVersion", "metadata", *fields))
    if isinstance(ordered.get("metadata"), dict):
        ordered["metadata"] = _in_order(ordered["metadata"], OBJECT_META)
    return ordered
