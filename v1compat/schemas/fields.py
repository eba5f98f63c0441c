"""Marshmallow fields that read and write JSON the way protojson (grpc-gateway) did.

The Go server decoded request bodies with protojson, so a legacy client may send numbers as
numeric strings (``"cpu": "2"``), enums as names or numbers, and ``null`` for "unset"; it
answered with enums as integers and zero values left out. These fields reproduce both
directions. Type errors carry a ``{field}`` placeholder that the schema layer replaces with
the JSON path of the offending field, so a client learns *which* value was wrong
(``clusterSpec.workerGroupSpec[0].replicas``) rather than only that one was.
"""

from __future__ import annotations

import json
import math
import re
import struct
from collections.abc import Sequence
from typing import Any

from marshmallow import ValidationError, fields

_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")


def raw_json(value: Any) -> str:
    """The value as the client wrote it, for error messages."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def invalid(kind: str, value: Any) -> ValidationError:
    return ValidationError(f"invalid value for {kind} field {{field}}: {raw_json(value)}")


class ProtoScalar(fields.Field):
    """A proto3 scalar: ``kind`` names the proto type in messages; ``zero`` is omitted on output
    (unless ``emit_zero``) because protojson leaves zero values out."""

    kind = "scalar"
    zero: Any = None

    def __init__(self, *, emit_zero: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        self.emit_zero = emit_zero

    def omit_on_dump(self, value: Any) -> bool:
        return value is None or (value == self.zero and not self.emit_zero)


class String(ProtoScalar):
    kind = "string"
    zero = ""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        if not isinstance(value, str):
            raise invalid(self.kind, value)
        return value

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        return None if value is None else str(value)


class Bool(ProtoScalar):
    """proto3 bool: only JSON ``true``/``false``. ``optional`` bools are emitted whenever set."""

    kind = "bool"
    zero = False

    def __init__(self, *, optional: bool = False, **kwargs: Any):
        super().__init__(emit_zero=optional, **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise invalid(self.kind, value)
        return value

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        return None if value is None else bool(value)


class Integer(ProtoScalar):
    """A proto integer: a JSON number or a numeric string holding an integral value in range."""

    zero = 0
    low = 0
    high = 0

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> int:
        number = _integral(value)
        if number is None or not self.low <= number <= self.high:
            raise invalid(self.kind, value)
        return number

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        return None if value is None else int(value)


class UInt32(Integer):
    kind = "uint32"
    high = 2**32 - 1


class Int32(Integer):
    kind = "int32"
    low = -(2**31)
    high = 2**31 - 1


class Float(ProtoScalar):
    """proto3 ``float`` (32 bits): a JSON number or numeric string, held as the float32 value.

    Dumped in the shortest decimal form that reads back as the same float32, integral values
    without a fraction, as protojson prints them (``0.1`` stays ``0.1``, ``2.0`` is ``2``).
    NaN and the infinities are refused: no Kubernetes object could hold them.
    """

    kind = "float"
    zero = 0.0

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise invalid(self.kind, value)
        if isinstance(value, str) and not _NUMBER.fullmatch(value):
            raise invalid(self.kind, value)
        number = float(value)
        if not math.isfinite(number) or abs(number) > _FLOAT32_MAX:
            raise invalid(self.kind, value)
        return _shortest_float32(number)

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        if value is None:
            return None
        number = _shortest_float32(float(value))
        return int(number) if number.is_integer() and abs(number) < 1e21 else number


_FLOAT32_MAX = 3.4028234663852886e38


def _shortest_float32(number: float) -> float:
    """The float32 nearest ``number``, as the shortest decimal that reads back to it."""
    single = struct.unpack("f", struct.pack("f", number))[0]
    for digits in range(1, 10):
        candidate = float(f"{single:.{digits}g}")
        if struct.unpack("f", struct.pack("f", candidate))[0] == single:
            return candidate
    return single


def _integral(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value == int(value) else None
    if isinstance(value, str) and _NUMBER.fullmatch(value):
        try:
            number = float(value) if any(c in value for c in ".eE") else int(value)
        except ValueError:  # more than 4,300 digits: out of every range anyway
            return None
        return _integral(number)
    return None


class Enum(ProtoScalar):
    """A proto enum: loads a value name or number to the value *name*; dumps the number.

    Unknown names and numbers never reach this field: the input walker
    (``v1compat.schemas.base``) reports and drops them first, so here every value is known.
    """

    kind = "enum"

    def __init__(self, names: Sequence[str], **kwargs: Any):
        """``names``: the value names by number (``v1compat.convert.proto``)."""
        super().__init__(**kwargs)
        self.values = {name: number for number, name in enumerate(names)}
        self.names = dict(enumerate(names))
        self.zero = self.names[0]

    def known(self, value: Any) -> bool:
        if isinstance(value, bool):
            return False
        if isinstance(value, str):
            return value in self.values
        if isinstance(value, int):
            return value in self.names
        return False

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        if not self.known(value):
            raise invalid(self.kind, value)
        return value if isinstance(value, str) else self.names[value]

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        return self.values.get(value, 0)

    def omit_on_dump(self, value: Any) -> bool:
        if value is None:
            return True
        return self._serialize(value, None, None) == 0 and not self.emit_zero


class Timestamp(String):
    """google.protobuf.Timestamp, held as an RFC 3339 string; output only in practice."""

    kind = "timestamp"


class Map(fields.Field):
    """A proto map<string, V>: a JSON object whose values load through ``values``.

    protojson emits an empty map as nothing at all, so empty maps are omitted on output.
    """

    def __init__(self, values: fields.Field, **kwargs: Any):
        super().__init__(**kwargs)
        self.value_field = values

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> dict:
        if not isinstance(value, dict):
            raise invalid("map", value)
        loaded = {}
        for key, item in value.items():
            if item is None:
                # protojson rejects a null map value (it is not "unset" there); marshmallow's
                # own null message would name no field.
                kind = getattr(self.value_field, "kind", "map")
                raise ValidationError(f"invalid value for {kind} field {{field}}[{raw_json(key)}]: null")
            try:
                loaded[key] = self.value_field.deserialize(item)
            except ValidationError as error:
                message = _first_message(error.messages)
                raise ValidationError(message.replace("{field}", "{field}[" + raw_json(key) + "]")) from None
        return loaded

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        if value is None:
            return None
        # protojson writes map entries in key order (order.GenericKeyOrder), whatever the
        # order they were built in.
        return {key: self.value_field._serialize(value[key], None, None) for key in sorted(value)}

    def omit_on_dump(self, value: Any) -> bool:
        return not value


class Repeated(fields.List):
    """A proto repeated field; empty lists are omitted on output unless ``always`` (the list
    keys of list responses, which clients index directly)."""

    def __init__(self, item: fields.Field, *, always: bool = False, **kwargs: Any):
        super().__init__(item, **kwargs)
        self.always = always

    def omit_on_dump(self, value: Any) -> bool:
        return value is None or (not value and not self.always)


class Message(fields.Nested):
    """A proto sub-message: emitted whenever set, as ``{}`` if set but empty (protojson does)."""

    def omit_on_dump(self, value: Any) -> bool:
        return value is None


def _first_message(messages: Any) -> str:
    if isinstance(messages, str):
        return messages
    if isinstance(messages, list):
        return _first_message(messages[0])
    if isinstance(messages, dict):
        return _first_message(next(iter(messages.values())))
    return str(messages)


class UInt64(Integer):
    """proto uint64: protojson writes it as a JSON string (JavaScript numbers stop at 2**53)."""

    kind = "uint64"
    high = 2**64 - 1

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        return None if value is None else str(int(value))

    def omit_on_dump(self, value: Any) -> bool:
        return value is None or (value in (0, "0") and not self.emit_zero)
