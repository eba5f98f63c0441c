"""Core ``v1`` events seen through ``events.k8s.io/v1``, and back.

Kubernetes stores one kind of Event and serves it through two APIs; the field names
differ (``pkg/apis/events/v1/conversion.go``). The embedded server stores core events,
so a read through ``events.k8s.io/v1`` converts with :func:`to_events_v1` and a write
converts with :func:`to_core`. Both are pure and total: a field one side does not know
does not exist in the other API and is dropped, as conversion through the internal type does.

Kubernetes' Go serializer writes some zero values (``"firstTimestamp": null``,
``"reportingComponent": ""``); these functions only carry the fields that are present, so
a round trip gives back exactly what went in.
"""

from __future__ import annotations

import copy
from typing import Any

CORE_API_VERSION = "v1"
EVENTS_API_VERSION = "events.k8s.io/v1"

# (core v1 field, events.k8s.io/v1 field): the whole mapping; both directions use it.
_RENAMED: tuple[tuple[str, str], ...] = (
    ("involvedObject", "regarding"),
    ("message", "note"),
    ("source", "deprecatedSource"),
    ("firstTimestamp", "deprecatedFirstTimestamp"),
    ("lastTimestamp", "deprecatedLastTimestamp"),
    ("count", "deprecatedCount"),
    ("reportingComponent", "reportingController"),
)
_SAME: tuple[str, ...] = (
    "metadata",
    "reason",
    "type",
    "eventTime",
    "series",
    "action",
    "related",
    "reportingInstance",
)

_CORE_TO_EVENTS = dict(_RENAMED) | {name: name for name in _SAME}
_EVENTS_TO_CORE = {new: old for old, new in _RENAMED} | {name: name for name in _SAME}


def _convert(event: dict[str, Any], names: dict[str, str], api_version: str) -> dict[str, Any]:
    converted: dict[str, Any] = {"apiVersion": api_version, "kind": "Event"}
    for field, value in event.items():
        target = names.get(field)
        if target is not None:
            converted[target] = copy.deepcopy(value)
    return converted


def to_events_v1(core_event: dict[str, Any]) -> dict[str, Any]:
    """A core ``v1`` Event as ``events.k8s.io/v1`` shows it (``involvedObject`` -> ``regarding``...)."""
    return _convert(core_event, _CORE_TO_EVENTS, EVENTS_API_VERSION)


def to_core(events_v1_event: dict[str, Any]) -> dict[str, Any]:
    """An ``events.k8s.io/v1`` Event as the core ``v1`` Event it is stored as."""
    return _convert(events_v1_event, _EVENTS_TO_CORE, CORE_API_VERSION)


def list_to_events_v1(core_list: dict[str, Any]) -> dict[str, Any]:
    """An ``EventList`` of core events as ``events.k8s.io/v1`` lists it."""
    converted = {key: copy.deepcopy(value) for key, value in core_list.items() if key != "items"}
    converted["apiVersion"] = EVENTS_API_VERSION
    converted["kind"] = "EventList"
    converted["items"] = [to_events_v1(item) for item in core_list.get("items", [])]
    return converted
