"""The base of every v1 message schema: proto names inside, protojson on the wire.

Loading happens in two steps. ``read_message`` walks the request JSON along the schema first,
because only a walker knows *where* it is: it accepts each field under its proto name
(``cluster_spec``) or its JSON name (``clusterSpec``), rejects a field sent under both names (as
protojson does), turns ``null`` into "unset", and collects unknown fields and unknown enum
values with their JSON path (``clusterSpec.foo``). The Go server dropped those silently; the
bridge names them in ``Warning`` headers, or rejects them in strict mode. Marshmallow then does
the type conversion of what remains and returns a dict keyed by proto field names, with enum
values as their names, which is what the converters in ``v1compat.convert`` speak.

Dumping goes the other way: proto names out as lowerCamelCase JSON names, enums as integers,
and zero values left out, like grpc-gateway's marshaler (``EmitUnpopulated: false``). It walks
the declared fields itself rather than through marshmallow's per-field machinery, which
cost more than the whole Kubernetes list behind a v1 list of 1,000 clusters; each field still
formats its own value (``Field._serialize``), so the output is what ``Schema.dump`` gave.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields

from v1compat.schemas.fields import Enum, Map, ProtoScalar, Repeated, raw_json


def json_name(proto_name: str) -> str:
    """protoc's JSON name: drop each underscore and upper-case the letter after it."""
    return re.sub(r"_(.)", lambda m: m.group(1).upper(), proto_name)


def proto_name(field_name: str) -> str:
    """The proto name of a declared field: its Python name, less the ``_`` that a Python
    keyword needs (``continue_`` declares proto ``continue``)."""
    if field_name.endswith("_") and keyword.iskeyword(field_name[:-1]):
        return field_name[:-1]
    return field_name


def wire_names(schema: Schema) -> dict[str, tuple[str, fields.Field]]:
    """Every name a field of ``schema`` is accepted under: its proto name and its JSON name
    (protojson's rule), each with the field's Python name and field. The one table input
    walking and the OpenAPI document (``v1compat.openapi``) read, so no field has one name
    only; it is built once per schema instance."""
    names = schema.__dict__.get("_wire_names")
    if names is None:
        names = {}
        for name, field_obj in schema.load_fields.items():
            names[proto_name(name)] = (name, field_obj)
            names[field_obj.data_key or json_name(proto_name(name))] = (name, field_obj)
        schema.__dict__["_wire_names"] = names
    return names


class BodyError(ValueError):
    """The request body is not a valid message; the text is the client-facing message."""


@dataclass
class InputReport:
    """What the walker saw that the Go server would have silently dropped."""

    unknown: list[str] = field(default_factory=list)

    def unknown_field(self, path: str) -> None:
        self.unknown.append(f'unknown field "{path}"')

    def unknown_enum(self, path: str, value: Any) -> None:
        self.unknown.append(f'unknown enum value {raw_json(value)} for field "{path}"')


class ProtoSchema(Schema):
    """A proto message. Declare each field under its proto name exactly as the .proto file
    spells it (``security_context``; ``enableIngress`` where upstream wrote camelCase); the
    JSON name follows, and input accepts both (``wire_names``)."""

    class Meta:
        unknown = EXCLUDE

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        if field_obj.data_key is None:
            field_obj.data_key = json_name(proto_name(field_name))

    def dump(self, obj: Any, *, many: bool | None = None) -> Any:
        """The message (or messages) as protojson writes them: JSON names, zero values left out."""
        if self.many if many is None else many:
            return [self._dump_message(item) for item in obj]
        return self._dump_message(obj)

    def _dump_message(self, obj: Any) -> dict[str, Any]:
        plan = self.__dict__.get("_dump_plan")
        if plan is None:  # built once per schema: a v1 list dumps thousands of messages
            plan = self._dump_plan = [
                (name, field_obj.data_key or name, _dumper(field_obj), _omitter(field_obj))
                for name, field_obj in self.dump_fields.items()
            ]
        if not isinstance(obj, dict):  # messages are dicts; never fall back to attributes
            return {}
        dumped = {}
        for name, key, dump_value, omitted in plan:
            value = obj.get(name)
            if value is None:  # unset; None is never written
                continue
            value = dump_value(value)
            if value is not None and not omitted(value):
                dumped[key] = value
        return dumped


def _dumper(field_obj: fields.Field) -> Callable[[Any], Any]:
    """What ``field_obj.serialize`` makes of a value that is not None."""
    if isinstance(field_obj, fields.Nested):
        schema = field_obj.schema
        many = schema.many or field_obj.many
        return lambda value: schema.dump(value, many=many)
    if isinstance(field_obj, fields.List):
        inner = _dumper(field_obj.inner)
        return lambda value: [None if item is None else inner(item) for item in value]
    serialize = field_obj._serialize
    return lambda value: serialize(value, None, None)


def _omitter(field_obj: fields.Field) -> Callable[[Any], bool]:
    """Whether protojson leaves a dumped value (not None) out: zero scalars, empty lists and maps."""
    if isinstance(field_obj, Repeated):
        always = field_obj.always
        return lambda value: not value and not always
    if isinstance(field_obj, Map):
        return lambda value: not value
    if isinstance(field_obj, ProtoScalar):
        return field_obj.omit_on_dump
    return lambda value: False  # a set sub-message is written, as {} if empty


def read_message(schema: ProtoSchema, body: Any, report: InputReport) -> dict[str, Any]:
    """Load a request body into a proto-named message dict (see the module docstring).

    Raises BodyError for what protojson rejected: wrong JSON types, a field under both its
    names, a body that is not an object.
    """
    if not isinstance(body, dict):
        raise BodyError(f"proto: syntax error (line 1:1): unexpected token {_token(body)}")
    cleaned = _walk(schema, body, "", report)
    try:
        return schema.load(cleaned)
    except ValidationError as error:
        raise BodyError(_type_error_message(error.messages)) from None


def _token(value: Any) -> str:
    if isinstance(value, list):
        return "["
    return raw_json(value)


def _walk(schema: Schema, data: dict[str, Any], path: str, report: InputReport) -> dict[str, Any]:
    by_key = wire_names(schema)
    cleaned: dict[str, Any] = {}
    seen: dict[str, str] = {}
    for key, value in data.items():
        here = f"{path}.{key}" if path else key
        if key not in by_key:
            report.unknown_field(here)
            continue
        name, field_obj = by_key[key]
        if name in seen:
            raise BodyError(f"proto: duplicate field {raw_json(key)}")
        seen[name] = key
        if value is None:
            continue
        value = _walk_value(field_obj, value, here, report)
        if value is _DROPPED:
            continue
        cleaned[field_obj.data_key or name] = value
    return cleaned


_DROPPED = object()


def _walk_value(field_obj: fields.Field, value: Any, path: str, report: InputReport) -> Any:
    if isinstance(field_obj, Enum):
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # protojson reads an enum number written 3.0 or 3e0 as 3
        if isinstance(value, int) and not isinstance(value, bool) and not -(2**31) <= value < 2**31:
            raise BodyError(f"proto: invalid value for enum field {path}: {raw_json(value)}")
        if field_obj.known(value):
            return value
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            report.unknown_enum(path, value)
            return _DROPPED
        raise BodyError(f"proto: invalid value for enum field {path}: {raw_json(value)}")
    if isinstance(field_obj, fields.Nested):
        if not isinstance(value, dict):
            raise BodyError(f"proto: invalid value for message field {path}: {raw_json(value)}")
        return _walk(field_obj.schema, value, path, report)
    if isinstance(field_obj, fields.List):
        if not isinstance(value, list):
            raise BodyError(f"proto: invalid value for repeated field {path}: {raw_json(value)}")
        items = []
        for index, item in enumerate(value):
            if item is None:
                raise BodyError(f"proto: invalid value for repeated field {path}[{index}]: null")
            walked = _walk_value(field_obj.inner, item, f"{path}[{index}]", report)
            if walked is not _DROPPED:
                items.append(walked)
        return items
    if isinstance(field_obj, Map) and isinstance(field_obj.value_field, fields.Nested):
        if not isinstance(value, dict):
            raise BodyError(f"proto: invalid value for map field {path}: {raw_json(value)}")
        return {
            key: _walk_value(field_obj.value_field, item, f"{path}[{raw_json(key)}]", report)
            for key, item in value.items()
        }
    return value


def _type_error_message(messages: Any, path: str = "") -> str:
    """The first marshmallow error, with its ``{field}`` placeholder set to the JSON path."""
    if isinstance(messages, list):
        return _type_error_message(messages[0], path)
    if isinstance(messages, dict):
        key, inner = next(iter(messages.items()))
        if isinstance(key, int):
            step = f"{path}[{key}]"
        else:
            step = f"{path}.{key}" if path else str(key)
        return _type_error_message(inner, step)
    text = str(messages)
    if "{field}" in text:
        return "proto: " + text.replace("{field}", path)
    return f"proto: invalid value for field {path}: {text}"
