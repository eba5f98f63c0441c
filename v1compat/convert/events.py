"""events.k8s.io/v1 Event -> v1 ClusterEvent (also used for RayServiceEvent, same fields).

Mirrors the event loop of ``FromCrdToAPICluster`` and its helpers ``getFirstEventTimestamp``,
``getLastEventTimestamp`` and ``getEventCount`` (apiserver/pkg/model/converter.go): times at
second precision; an unset time prints as Go's zero time, ``0001-01-01T00:00:00Z``.
"""

from __future__ import annotations

from typing import Any

from v1compat.convert.proto import ZERO_TIME, int32_field, rfc3339_seconds


def _first_timestamp(event: dict[str, Any]) -> str:
    event_time = rfc3339_seconds(event.get("eventTime"))
    if event_time != ZERO_TIME:
        return event_time
    return rfc3339_seconds(event.get("deprecatedFirstTimestamp"))


def _last_timestamp(event: dict[str, Any]) -> str:
    series = event.get("series")
    if series is not None:
        return rfc3339_seconds(series.get("lastObservedTime"))
    deprecated_last = rfc3339_seconds(event.get("deprecatedLastTimestamp"))
    if deprecated_last != ZERO_TIME:
        return deprecated_last
    return rfc3339_seconds(event.get("eventTime"))


def _count(event: dict[str, Any]) -> int:
    series = event.get("series")
    if series is not None:
        return int32_field(series.get("count")) or 0
    return int32_field(event.get("deprecatedCount")) or 0


def cluster_event_from_event(event: dict[str, Any], owner_name: str | None = None) -> dict[str, Any]:
    """A ClusterEvent message for one events.k8s.io/v1 Event.

    ``name`` is ``<owner_name>-<event name>``. For clusters Go used the cluster's
    ``ray.io/cluster-name`` label (``raycluster_to_cluster`` passes it), for services the
    service name; without ``owner_name`` the object the event is about (``regarding.name``) is
    used, which is the same for anything the v1 API created.
    """
    metadata = event.get("metadata") or {}
    event_name = metadata.get("name") or ""
    if owner_name is None:
        owner_name = (event.get("regarding") or {}).get("name") or ""
    return {
        "id": event_name,
        "name": f"{owner_name}-{event_name}",
        "created_at": rfc3339_seconds(metadata.get("creationTimestamp")),
        "first_timestamp": _first_timestamp(event),
        "last_timestamp": _last_timestamp(event),
        "reason": event.get("reason") or "",
        "message": event.get("note") or "",
        "type": event.get("type") or "",
        "count": _count(event),
    }
