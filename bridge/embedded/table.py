"""``meta.k8s.io/v1`` ``Table`` answers, the columns ``kubectl get`` prints.

kubectl asks for a Table (``Accept: application/json;as=Table;v=v1;g=meta.k8s.io``) and prints
whatever columns the server chose. For custom resources those are the CRD's
``additionalPrinterColumns`` after a leading ``Name`` (a CRD without any gets ``Age``), with the
cells the API server computes: integers stay integers, ``date`` columns become ages like
``5m``, a missing value is ``null`` (kubectl prints ``<none>`` or nothing). Built-in kinds get
the columns of Kubernetes' own printers (ConfigMap, Service, Namespace, Event).

CRD columns belong to the server that loaded the CRDs: the caller passes its
:class:`~bridge.embedded.schema.SchemaRegistry`'s ``printer_columns(resource)``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from bridge.embedded.events import to_core
from bridge.embedded.resources import Resource

NAME_COLUMN = {
    "name": "Name",
    "type": "string",
    "format": "name",
    "priority": 0,
    "description": "Name must be unique within a namespace.",
}
AGE_COLUMN = {
    "name": "Age",
    "type": "string",
    "format": "",
    "priority": 0,
    "description": "CreationTimestamp is a timestamp representing the server time when "
    "this object was created.",
}


# -- values -------------------------------------------------------------------------------


def _parse_time(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None


def human_duration(seconds: float) -> str:
    """``duration.HumanDuration``: the age texts kubectl users know (``2m5s``, ``3h``, ``4d``)."""
    whole = int(seconds)
    if whole < -1:
        return "<invalid>"
    if whole < 0:
        return "0s"
    if whole < 120:
        return f"{whole}s"
    minutes = whole // 60
    if minutes < 10:
        return _in_two_units(minutes, "m", whole % 60, "s")
    if minutes < 180:
        return f"{minutes}m"
    hours = whole // 3600
    if hours < 8:
        return _in_two_units(hours, "h", minutes % 60, "m")
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        return _in_two_units(hours // 24, "d", hours % 24, "h")
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        return _in_two_units(hours // 24 // 365, "y", (hours // 24) % 365, "d")
    return f"{hours // 24 // 365}y"


def _in_two_units(major: int, major_unit: str, minor: int, minor_unit: str) -> str:
    """``2m5s``, or ``2m`` when the smaller unit is zero."""
    return f"{major}{major_unit}{minor}{minor_unit}" if minor else f"{major}{major_unit}"


def age(timestamp: Any, now: datetime) -> str:
    when = _parse_time(timestamp)
    if when is None:
        return "<unknown>"
    return human_duration((now - when).total_seconds())


_STEP = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]")


def json_path(obj: Any, path: str) -> Any:
    """The value at a simple JSONPath (``.status.head.podIP``, ``.spec.ports[0].port``), or None."""
    value = obj
    for key, index in _STEP.findall(path.strip().lstrip("{").rstrip("}")):
        if key:
            value = value.get(key) if isinstance(value, dict) else None
        else:
            position = int(index)
            value = value[position] if isinstance(value, list) and position < len(value) else None
        if value is None:
            return None
    return value


def cell(column_type: str, value: Any, now: datetime) -> Any:
    """``cellForJSONValue`` of the CRD table convertor."""
    if value is None:
        return None
    if column_type == "integer":
        return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    if column_type == "number":
        return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    if column_type == "boolean":
        return value if isinstance(value, bool) else None
    if column_type == "date":
        return age(value, now) if isinstance(value, str) else None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, separators=(",", ":"))


# -- built-in printers --------------------------------------------------------------------


def _column(name: str, description: str = "", priority: int = 0, type_: str = "string") -> dict[str, Any]:
    return {"name": name, "type": type_, "format": "", "description": description, "priority": priority}


def _service_ports(spec: dict) -> str:
    ports = []
    for port in spec.get("ports") or []:
        text = str(port.get("port", ""))
        if port.get("nodePort"):
            text += f":{port['nodePort']}"
        ports.append(f"{text}/{port.get('protocol', 'TCP')}")
    return ",".join(ports) or "<none>"


def _service_external(spec: dict, status: dict) -> str:
    kind = spec.get("type", "ClusterIP")
    if kind == "ExternalName":
        return spec.get("externalName") or "<none>"
    addresses = list(spec.get("externalIPs") or [])
    if kind == "LoadBalancer":
        ingress = (status.get("loadBalancer") or {}).get("ingress") or []
        addresses += [i.get("ip") or i.get("hostname") or "" for i in ingress]
        return ",".join(addresses) or "<pending>"
    return ",".join(addresses) or "<none>"


def _selector(selector: dict | None) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted((selector or {}).items())) or "<none>"


def _event_last_seen(event: dict, now: datetime) -> str:
    series = event.get("series") or {}
    for candidate in (
        series.get("lastObservedTime"),
        event.get("lastTimestamp"),
        event.get("eventTime"),
        (event.get("metadata") or {}).get("creationTimestamp"),
    ):
        if _parse_time(candidate) is not None:
            return age(candidate, now)
    return "<unknown>"


def _event_object(event: dict) -> str:
    involved = event.get("involvedObject") or {}
    return f"{str(involved.get('kind', '')).lower()}/{involved.get('name', '')}"


Printer = tuple[list[dict[str, Any]], Callable[[dict, datetime], list[Any]]]

BUILTIN_PRINTERS: dict[str, Printer] = {
    "v1/configmaps": (
        [NAME_COLUMN, _column("Data", "Data contains the configuration data.", type_="integer"), AGE_COLUMN],
        lambda o, now: [len(o.get("data") or {}) + len(o.get("binaryData") or {})],
    ),
    "v1/services": (
        [
            NAME_COLUMN,
            _column("Type"),
            _column("Cluster-IP"),
            _column("External-IP"),
            _column("Port(s)"),
            AGE_COLUMN,
            _column("Selector", priority=1),
        ],
        lambda o, now: [
            (o.get("spec") or {}).get("type", "ClusterIP"),
            (o.get("spec") or {}).get("clusterIP") or "<none>",
            _service_external(o.get("spec") or {}, o.get("status") or {}),
            _service_ports(o.get("spec") or {}),
            None,
            _selector((o.get("spec") or {}).get("selector")),
        ],
    ),
    "v1/namespaces": (
        [NAME_COLUMN, _column("Status", "The status of the namespace"), AGE_COLUMN],
        lambda o, now: [(o.get("status") or {}).get("phase") or "Active"],
    ),
}
EVENT_COLUMNS = [
    _column("Last Seen"),
    _column("Type"),
    _column("Reason"),
    _column("Object"),
    _column("Message"),
]


def _metadata_row(obj: dict) -> dict[str, Any]:
    return {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": obj.get("metadata") or {},
    }


def _rows_for_builtin(key: str, objects: list[dict], now: datetime) -> tuple[list, list]:
    columns, cells_of = BUILTIN_PRINTERS[key]
    rows = []
    for obj in objects:
        meta = obj.get("metadata") or {}
        extra = cells_of(obj, now)
        # Age sits after the kind's own columns except for Service, where it comes before Selector.
        if key == "v1/services":
            extra[4] = age(meta.get("creationTimestamp"), now)
            cells = [meta.get("name", "")] + extra
        else:
            cells = [meta.get("name", "")] + extra + [age(meta.get("creationTimestamp"), now)]
        rows.append({"cells": cells, "object": _metadata_row(obj)})
    return columns, rows


def _rows_for_events(objects: list[dict], now: datetime) -> tuple[list, list]:
    rows = []
    for obj in objects:
        event = to_core(obj) if str(obj.get("apiVersion", "")).startswith("events.k8s.io/") else obj
        rows.append(
            {
                "cells": [
                    _event_last_seen(event, now),
                    event.get("type", ""),
                    event.get("reason", ""),
                    _event_object(event),
                    (event.get("message") or "").strip(),
                ],
                "object": _metadata_row(obj),
            }
        )
    return EVENT_COLUMNS, rows


def _rows_for_crd(
    columns: tuple[dict[str, Any], ...], objects: list[dict], now: datetime
) -> tuple[list, list]:
    definitions = [NAME_COLUMN] + [
        {
            "name": c["name"],
            "type": c.get("type", "string"),
            "format": c.get("format", ""),
            "description": c.get("description", ""),
            "priority": int(c.get("priority", 0)),
        }
        for c in columns
    ]
    rows = []
    for obj in objects:
        cells: list[Any] = [(obj.get("metadata") or {}).get("name", "")]
        cells += [cell(c.get("type", "string"), json_path(obj, c["jsonPath"]), now) for c in columns]
        rows.append({"cells": cells, "object": _metadata_row(obj)})
    return definitions, rows


def as_table(
    resource: Resource,
    objects: list[dict],
    columns: tuple[dict[str, Any], ...] | None = None,
    now: datetime | None = None,
    resource_version: str | None = None,
) -> dict:
    """A ``Table`` of ``objects``; ``columns`` are the CRD's printer columns (none: ``Age``)."""
    now = now or datetime.now(UTC)
    if resource.view_of == "v1/events" or resource.key == "v1/events":
        definitions, rows = _rows_for_events(objects, now)
    elif resource.key in BUILTIN_PRINTERS:
        definitions, rows = _rows_for_builtin(resource.key, objects, now)
    else:
        if not columns:
            columns = resource.printer_columns or (
                {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
            )
        definitions, rows = _rows_for_crd(tuple(columns), objects, now)
    metadata = {"resourceVersion": resource_version} if resource_version else {}
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": metadata,
        "columnDefinitions": definitions,
        "rows": rows,
    }
