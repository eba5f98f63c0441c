"""Small readers for the message dicts V1b's schemas produce (proto names, enum names).

An absent field means the proto zero value; an enum arrives as its value name, or as a bare
integer when the client sent a number the proto does not define (protojson keeps those).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

# The v1 proto enums (proto/cluster.proto): value names by number. The schemas (names and
# numbers on the wire) and the converters (names in messages) read these, and nothing else.
CLUSTER_ENVIRONMENTS = ("DEV", "TESTING", "STAGING", "PRODUCTION")
ENV_VALUE_SOURCES = ("CONFIGMAP", "SECRET", "RESOURCEFIELD", "FIELD")
VOLUME_TYPES = ("PERSISTENT_VOLUME_CLAIM", "HOST_PATH", "EPHEMERAL", "CONFIGMAP", "SECRET", "EMPTY_DIR")
HOST_PATH_TYPES = ("DIRECTORY", "FILE")
MOUNT_PROPAGATION_MODES = ("NONE", "HOSTTOCONTAINER", "BIDIRECTIONAL")
ACCESS_MODES = ("RWO", "ROX", "RWX")

ZERO_TIME = "0001-01-01T00:00:00Z"
# How Kubernetes writes every metav1.Time: whole seconds in UTC, nothing to convert.
_WHOLE_SECONDS_UTC = re.compile(
    r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\dZ"
)
# Seconds precision is all the Go server keeps, so the fraction is parsed and dropped.
_RFC3339 = re.compile(
    r"(?P<whole>\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2})(?:\.\d+)?(?P<offset>[Zz]|[+-]\d{2}:\d{2})"
)


INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


def int32_field(value: Any) -> int | None:
    """An int32 field of a CR as the v1 message takes it: an integer in int32's range, else None.

    Kubernetes validates a CR's types but not ``format: int32``, so a hand-edited CR may hold
    ``replicas: 5000000000``; Go's typed client could not decode such an object and failed the
    whole call (500). The bridge reads the one field as unset instead (MIGRATION.md, "Wire
    format"), and never writes a number its type cannot hold.
    """
    if isinstance(value, bool) or not isinstance(value, int) or not INT32_MIN <= value <= INT32_MAX:
        return None
    return value


def string_field(value: Any) -> str | None:
    """A string field of a CR: the string, else None (a value of another type: see int32_field)."""
    return value if isinstance(value, str) else None


def enum_name(value: Any, names: tuple[str, ...]) -> str | int:
    """The value name of an enum field; 0 when absent, the bare number when undefined."""
    if value is None or value == "":
        return names[0]
    if isinstance(value, bool):
        return names[int(value)]
    if isinstance(value, int):
        return names[value] if 0 <= value < len(names) else value
    return value


def rfc3339_seconds(timestamp: Any) -> str:
    """A Kubernetes time as the Go server emits it: ``timestamppb{Seconds: t.Unix()}``.

    Go's zero time (an unset timestamp) becomes ``0001-01-01T00:00:00Z``, as protojson prints
    ``Timestamp{Seconds: -62135596800}``.
    """
    if not timestamp or not isinstance(timestamp, str):
        return ZERO_TIME
    if _WHOLE_SECONDS_UTC.fullmatch(timestamp):
        return timestamp
    match = _RFC3339.fullmatch(timestamp.strip())
    if not match:
        return timestamp
    whole, offset = match.group("whole"), match.group("offset")
    parsed = datetime.fromisoformat(whole + ("+00:00" if offset in ("Z", "z") else offset))
    utc = parsed.astimezone(UTC)
    return f"{utc.year:04d}-{utc:%m-%dT%H:%M:%S}Z"
