"""Request bodies in Kubernetes' protobuf encoding, for the built-in kinds served here.

kubectl 1.32 sends typed requests (``kubectl create namespace|configmap|service``, Go
clients' typed Create/Update/Delete) as ``application/vnd.kubernetes.protobuf`` and does not
fall back to JSON on 415, so a Kubernetes-compatible server must read them. The encoding is
the ``k8s\\x00`` magic, then a ``runtime.Unknown`` envelope (type meta + raw message); the
raw message is decoded here with a field table taken from ``k8s.io/api`` ``generated.proto``
(only the fields these kinds use; unknown fields are skipped, as protobuf allows).

Go writes zero values (``""``, ``0``, empty messages) for non-pointer fields; they are
dropped, as Go's ``omitempty`` JSON would, and the server's defaults apply. Answers stay
JSON (clients list ``application/json`` as an accepted fallback).
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from bridge.embedded.errors import ApiError, bad_request

MEDIA_TYPE = "application/vnd.kubernetes.protobuf"
MAGIC = b"k8s\x00"

# A field: (JSON name, type, repeated). Types: s(tring), i(nt), b(ool), bytes, map (string ->
# string), mapbytes (string -> base64), time, microtime, intstr, or a message name below.
Field = tuple[str, str, bool]
_S, _I, _B = "s", "i", "b"

MESSAGES: dict[str, dict[int, Field]] = {
    "Unknown": {1: ("typeMeta", "TypeMeta", False), 2: ("raw", "bytes", False)},
    "TypeMeta": {1: ("apiVersion", _S, False), 2: ("kind", _S, False)},
    "ObjectMeta": {
        1: ("name", _S, False),
        2: ("generateName", _S, False),
        3: ("namespace", _S, False),
        4: ("selfLink", _S, False),
        5: ("uid", _S, False),
        6: ("resourceVersion", _S, False),
        7: ("generation", _I, False),
        8: ("creationTimestamp", "time", False),
        9: ("deletionTimestamp", "time", False),
        10: ("deletionGracePeriodSeconds", _I, False),
        11: ("labels", "map", False),
        12: ("annotations", "map", False),
        13: ("ownerReferences", "OwnerReference", True),
        14: ("finalizers", _S, True),
    },
    "OwnerReference": {
        1: ("kind", _S, False),
        3: ("name", _S, False),
        4: ("uid", _S, False),
        5: ("apiVersion", _S, False),
        6: ("controller", _B, False),
        7: ("blockOwnerDeletion", _B, False),
    },
    "Namespace": {
        1: ("metadata", "ObjectMeta", False),
        2: ("spec", "NamespaceSpec", False),
        3: ("status", "NamespaceStatus", False),
    },
    "NamespaceSpec": {1: ("finalizers", _S, True)},
    "NamespaceStatus": {1: ("phase", _S, False)},
    "ConfigMap": {
        1: ("metadata", "ObjectMeta", False),
        2: ("data", "map", False),
        3: ("binaryData", "mapbytes", False),
        4: ("immutable", _B, False),
    },
    "Service": {1: ("metadata", "ObjectMeta", False), 2: ("spec", "ServiceSpec", False)},
    "ServiceSpec": {
        1: ("ports", "ServicePort", True),
        2: ("selector", "map", False),
        3: ("clusterIP", _S, False),
        4: ("type", _S, False),
        5: ("externalIPs", _S, True),
        7: ("sessionAffinity", _S, False),
        8: ("loadBalancerIP", _S, False),
        9: ("loadBalancerSourceRanges", _S, True),
        10: ("externalName", _S, False),
        11: ("externalTrafficPolicy", _S, False),
        12: ("healthCheckNodePort", _I, False),
        13: ("publishNotReadyAddresses", _B, False),
        17: ("ipFamilyPolicy", _S, False),
        18: ("clusterIPs", _S, True),
        19: ("ipFamilies", _S, True),
        20: ("allocateLoadBalancerNodePorts", _B, False),
        21: ("loadBalancerClass", _S, False),
        22: ("internalTrafficPolicy", _S, False),
        23: ("trafficDistribution", _S, False),
    },
    "ServicePort": {
        1: ("name", _S, False),
        2: ("protocol", _S, False),
        3: ("port", _I, False),
        4: ("targetPort", "intstr", False),
        5: ("nodePort", _I, False),
        6: ("appProtocol", _S, False),
    },
    "IntOrString": {1: ("type", _I, False), 2: ("intVal", _I, False), 3: ("strVal", _S, False)},
    "Event": {
        1: ("metadata", "ObjectMeta", False),
        2: ("involvedObject", "ObjectReference", False),
        3: ("reason", _S, False),
        4: ("message", _S, False),
        5: ("source", "EventSource", False),
        6: ("firstTimestamp", "time", False),
        7: ("lastTimestamp", "time", False),
        8: ("count", _I, False),
        9: ("type", _S, False),
        10: ("eventTime", "microtime", False),
        11: ("series", "EventSeries", False),
        12: ("action", _S, False),
        13: ("related", "ObjectReference", False),
        14: ("reportingComponent", _S, False),
        15: ("reportingInstance", _S, False),
    },
    "ObjectReference": {
        1: ("kind", _S, False),
        2: ("namespace", _S, False),
        3: ("name", _S, False),
        4: ("uid", _S, False),
        5: ("apiVersion", _S, False),
        6: ("resourceVersion", _S, False),
        7: ("fieldPath", _S, False),
    },
    "EventSource": {1: ("component", _S, False), 2: ("host", _S, False)},
    "EventSeries": {1: ("count", _I, False), 2: ("lastObservedTime", "microtime", False)},
    "Time": {1: ("seconds", _I, False), 2: ("nanos", _I, False)},
    "DeleteOptions": {
        1: ("gracePeriodSeconds", _I, False),
        2: ("preconditions", "Preconditions", False),
        3: ("orphanDependents", _B, False),
        4: ("propagationPolicy", _S, False),
        5: ("dryRun", _S, True),
    },
    "Preconditions": {1: ("uid", _S, False), 2: ("resourceVersion", _S, False)},
}
# (apiVersion, kind) of a body -> its message.
TOP_LEVEL = {
    ("v1", "Namespace"),
    ("v1", "ConfigMap"),
    ("v1", "Service"),
    ("v1", "Event"),
    ("v1", "DeleteOptions"),
    ("meta.k8s.io/v1", "DeleteOptions"),
}


class _Malformed(ValueError):
    pass


def _varint(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if at >= len(data) or shift > 63:
            raise _Malformed("truncated varint")
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, at


def _fields(data: bytes) -> list[tuple[int, int | bytes]]:
    """The (field number, value) pairs of one message: varints as ints, the rest as bytes."""
    out: list[tuple[int, int | bytes]] = []
    at = 0
    while at < len(data):
        key, at = _varint(data, at)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, at = _varint(data, at)
            out.append((number, value))
        elif wire == 2:
            length, at = _varint(data, at)
            if at + length > len(data):
                raise _Malformed("truncated field")
            out.append((number, data[at : at + length]))
            at += length
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
            out.append((number, data[at : at + size]))
            at += size
        else:
            raise _Malformed(f"unsupported wire type {wire}")
    return out


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def _text(value: int | bytes) -> str:
    if not isinstance(value, bytes):
        raise _Malformed("expected a length-delimited field")
    return value.decode("utf-8")


def _time(value: int | bytes, micro: bool) -> str | None:
    parts = _message("Time", _text_bytes(value))
    seconds = parts.get("seconds", 0)
    if not seconds and not parts.get("nanos"):
        return None
    moment = datetime.fromtimestamp(seconds, UTC)
    if micro:
        moment = moment.replace(microsecond=parts.get("nanos", 0) // 1000)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _text_bytes(value: int | bytes) -> bytes:
    if not isinstance(value, bytes):
        raise _Malformed("expected a length-delimited field")
    return value


def _value(kind: str, raw: int | bytes) -> Any:
    if kind == _S:
        return _text(raw)
    if kind == _I:
        if not isinstance(raw, int):
            raise _Malformed("expected a varint")
        return _signed(raw)
    if kind == _B:
        return bool(raw)
    if kind == "bytes":
        return _text_bytes(raw)
    if kind in ("time", "microtime"):
        return _time(raw, kind == "microtime")
    if kind == "intstr":
        parts = _message("IntOrString", _text_bytes(raw))
        return parts.get("strVal", "") if parts.get("type") == 1 else parts.get("intVal", 0)
    return _message(kind, _text_bytes(raw))


def _entry(raw: int | bytes, value_kind: str) -> tuple[str, Any]:
    entry = dict(_fields(_text_bytes(raw)))
    key = _text(entry.get(1, b""))
    value = entry.get(2, b"")
    if value_kind == "mapbytes":
        return key, base64.b64encode(_text_bytes(value)).decode()
    return key, _text(value)


def _empty(value: Any) -> bool:
    return value in ("", 0, False, None) or value == {} or value == []


def _message(name: str, data: bytes) -> dict[str, Any]:
    table = MESSAGES[name]
    out: dict[str, Any] = {}
    for number, raw in _fields(data):
        field = table.get(number)
        if field is None:
            continue
        json_name, kind, repeated = field
        if kind in ("map", "mapbytes"):
            key, value = _entry(raw, kind)
            out.setdefault(json_name, {})[key] = value
        elif repeated:
            out.setdefault(json_name, []).append(_value(kind, raw))
        else:
            value = _value(kind, raw)
            if not _empty(value):
                out[json_name] = value
    return out


def decode(body: bytes) -> dict[str, Any]:
    """A protobuf request body as the JSON object it stands for."""
    if not body.startswith(MAGIC):
        raise bad_request("the protobuf body does not start with the Kubernetes magic number")
    try:
        envelope = _message("Unknown", body[len(MAGIC) :])
        type_meta = envelope.get("typeMeta", {})
        api_version, kind = type_meta.get("apiVersion", ""), type_meta.get("kind", "")
        if (api_version, kind) not in TOP_LEVEL:
            raise ApiError(
                415,
                "UnsupportedMediaType",
                f"the body of the request was in an unknown format - accepted media "
                f"types include: application/json, application/yaml (protobuf only "
                f"for Namespace, ConfigMap, Service, Event; not {api_version} {kind})",
                {},
            )
        obj = _message(kind, envelope.get("raw", b""))
    except (_Malformed, UnicodeDecodeError) as exc:
        raise bad_request(f"error decoding protobuf body: {exc}") from None
    return {"apiVersion": api_version, "kind": kind, **obj}
