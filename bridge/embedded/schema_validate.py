"""OpenAPI v3 validation of custom resources with the Kubernetes API server's error texts.

Kubernetes validates CRs with ``kube-openapi``'s validator and turns each result into a
``field.Error`` (``apiextensions-apiserver`` ``validation.go``); clients show those texts
and some parse the ``causes``. :func:`validate` returns the same causes:

==============================  ======================  =======================================
check                           reason                  message
==============================  ======================  =======================================
``required``                    FieldValueRequired      ``Required value``
``type`` (and ``format``)       FieldValueTypeInvalid   ``Invalid value: "string": spec.x in
                                                        body must be of type integer: "string"``
``enum``                        FieldValueNotSupported  ``Unsupported value: "x": supported
                                                        values: "a", "b"``
``maxLength``                   FieldValueTooLong       ``Too long: may not be more than N bytes``
``maxItems``/``maxProperties``  FieldValueTooMany       ``Too many: N: must have at most M items``
minimum, maximum, pattern,      FieldValueInvalid       ``Invalid value: V: spec.x in body
minLength, minItems, ...                                should be greater than or equal to 0``
==============================  ======================  =======================================

Not evaluated: CEL rules (``x-kubernetes-validations``), which need a CEL interpreter, and
``x-kubernetes-list-type`` uniqueness.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

Schema = dict[str, Any]
Cause = dict[str, str]

_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_FORMATS = {"date-time": _DATE_TIME, "datetime": _DATE_TIME}


@lru_cache(maxsize=256)
def _pattern(expression: str) -> re.Pattern[str]:
    return re.compile(expression)


def json_type(value: Any) -> str:
    """The JSON type name kube-openapi reports for a decoded value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _shown(value: Any) -> str:
    """A bad value as ``field.Error`` prints it: strings quoted, numbers bare, others as JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, (int, float)):
        return _number(value)
    if value is None:
        return "null"
    return json.dumps(value, separators=(",", ":"))


def _number(value: int | float) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _invalid(path: str, value: Any, detail: str) -> Cause:
    return {
        "reason": "FieldValueInvalid",
        "message": f"Invalid value: {_shown(value)}: {detail}",
        "field": path,
    }


def _type_invalid(path: str, value: Any, detail: str) -> Cause:
    return {
        "reason": "FieldValueTypeInvalid",
        "message": f"Invalid value: {_shown(value)}: {detail}",
        "field": path,
    }


def _type_matches(actual: str, types: tuple[str, ...]) -> bool:
    return actual in types or (actual == "integer" and "number" in types)


def _types(schema: Schema) -> tuple[str, ...]:
    if schema.get("x-kubernetes-int-or-string"):
        return ("integer", "string")
    declared = schema.get("type")
    return (declared,) if declared else ()


def validate(value: Any, schema: Schema, path: str, causes: list[Cause]) -> None:
    """Append to ``causes`` every way ``value`` breaks ``schema``; ``path`` names ``value``."""
    if value is None and schema.get("nullable"):
        return
    name = path or "."
    types = _types(schema)
    actual = json_type(value)
    if types and not _type_matches(actual, types):
        causes.append(
            _type_invalid(path, actual, f'{name} in body must be of type {",".join(types)}: "{actual}"')
        )
        return

    if "enum" in schema and value not in schema["enum"]:
        allowed = ", ".join(json.dumps(v if isinstance(v, str) else json.dumps(v)) for v in schema["enum"])
        causes.append(
            {
                "reason": "FieldValueNotSupported",
                "message": f"Unsupported value: {_shown(value)}: supported values: {allowed}",
                "field": path,
            }
        )

    if actual == "string":
        _validate_string(value, schema, path, name, causes)
    elif actual in ("integer", "number"):
        _validate_number(value, schema, path, name, causes)
    elif actual == "array":
        _validate_array(value, schema, path, name, causes)
    elif actual == "object":
        _validate_object(value, schema, path, name, causes)

    for branch in schema.get("allOf") or ():
        validate(value, branch, path, causes)
    any_of = schema.get("anyOf")
    if any_of and not schema.get("x-kubernetes-int-or-string"):
        if not any(_is_valid(value, branch, path) for branch in any_of):
            causes.append(_invalid(path, value, f'"{name}" must validate at least one schema (anyOf)'))
    one_of = schema.get("oneOf")
    if one_of and sum(_is_valid(value, branch, path) for branch in one_of) != 1:
        causes.append(_invalid(path, value, f'"{name}" must validate one and only one schema (oneOf)'))
    not_schema = schema.get("not")
    if not_schema is not None and _is_valid(value, not_schema, path):
        causes.append(_invalid(path, value, f'"{name}" must not validate the schema (not)'))


def _is_valid(value: Any, schema: Schema, path: str) -> bool:
    found: list[Cause] = []
    validate(value, schema, path, found)
    return not found


def _validate_string(value: str, schema: Schema, path: str, name: str, causes: list[Cause]) -> None:
    max_length = schema.get("maxLength")
    if max_length is not None and len(value) > max_length:
        unit = "byte" if max_length == 1 else "bytes"
        causes.append(
            {
                "reason": "FieldValueTooLong",
                "message": f"Too long: may not be more than {max_length} {unit}",
                "field": path,
            }
        )
    min_length = schema.get("minLength")
    if min_length is not None and len(value) < min_length:
        causes.append(_invalid(path, value, f"{name} in body should be at least {min_length} chars long"))
    pattern = schema.get("pattern")
    if pattern is not None and not _pattern(pattern).search(value):
        causes.append(_invalid(path, value, f"{name} in body should match '{pattern}'"))
    checker = _FORMATS.get(schema.get("format", ""))
    if checker is not None and not checker.match(value):
        causes.append(
            _type_invalid(
                path, value, f"{name} in body must be of type {schema['format']}: {json.dumps(value)}"
            )
        )


def _validate_number(value: int | float, schema: Schema, path: str, name: str, causes: list[Cause]) -> None:
    minimum = schema.get("minimum")
    if minimum is not None:
        if schema.get("exclusiveMinimum") and value <= minimum:
            causes.append(_invalid(path, value, f"{name} in body should be greater than {_number(minimum)}"))
        elif value < minimum:
            causes.append(
                _invalid(path, value, f"{name} in body should be greater than or equal to {_number(minimum)}")
            )
    maximum = schema.get("maximum")
    if maximum is not None:
        if schema.get("exclusiveMaximum") and value >= maximum:
            causes.append(_invalid(path, value, f"{name} in body should be less than {_number(maximum)}"))
        elif value > maximum:
            causes.append(
                _invalid(path, value, f"{name} in body should be less than or equal to {_number(maximum)}")
            )
    multiple_of = schema.get("multipleOf")
    if multiple_of and (value / multiple_of) % 1:
        causes.append(_invalid(path, value, f"{name} in body should be a multiple of {_number(multiple_of)}"))


def _validate_array(value: list, schema: Schema, path: str, name: str, causes: list[Cause]) -> None:
    min_items = schema.get("minItems")
    if min_items is not None and len(value) < min_items:
        causes.append(_invalid(path, value, f"{name} in body should have at least {min_items} items"))
    max_items = schema.get("maxItems")
    if max_items is not None and len(value) > max_items:
        causes.append(
            {
                "reason": "FieldValueTooMany",
                "message": f"Too many: {len(value)}: must have at most {max_items} items",
                "field": path,
            }
        )
    if schema.get("uniqueItems"):
        seen = [json.dumps(item, sort_keys=True) for item in value]
        if len(set(seen)) != len(seen):
            causes.append(_invalid(path, value, f"{name} in body shouldn't contain duplicates"))
    items = schema.get("items")
    if items is not None:
        for index, item in enumerate(value):
            validate(item, items, f"{path}[{index}]", causes)


def _validate_object(value: dict, schema: Schema, path: str, name: str, causes: list[Cause]) -> None:
    for required in schema.get("required") or ():
        if required not in value:
            causes.append(
                {
                    "reason": "FieldValueRequired",
                    "message": "Required value",
                    "field": f"{path}.{required}" if path else required,
                }
            )
    max_properties = schema.get("maxProperties")
    if max_properties is not None and len(value) > max_properties:
        causes.append(
            {
                "reason": "FieldValueTooMany",
                "message": f"Too many: {len(value)}: must have at most {max_properties} items",
                "field": path,
            }
        )
    min_properties = schema.get("minProperties")
    if min_properties is not None and len(value) < min_properties:
        causes.append(
            _invalid(path, value, f"{name} in body should have at least {min_properties} properties")
        )
    properties = schema.get("properties") or {}
    additional = schema.get("additionalProperties")
    for key, child in value.items():
        child_schema = properties.get(key)
        if child_schema is None and isinstance(additional, dict):
            child_schema = additional
        if child_schema is not None:
            validate(child, child_schema, f"{path}.{key}" if path else key, causes)
