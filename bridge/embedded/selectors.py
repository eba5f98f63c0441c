"""Label and field selectors, parsed and matched as apimachinery does (``labels.Parse``,
``fields.ParseSelector``), with its error messages, which the API answers as 400 BadRequest."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bridge.embedded.errors import ApiError, bad_request
from bridge.embedded.resources import Resource
from bridge.kube import names

# -- label selectors ---------------------------------------------------------------------


@dataclass(frozen=True)
class Requirement:
    key: str
    operator: str  # in, notin, exists, !, gt, lt  ("=", "==" are "in"; "!=" is "notin")
    values: tuple[str, ...] = ()

    def matches(self, labels: dict[str, str]) -> bool:
        present = self.key in labels
        value = labels.get(self.key)
        if self.operator == "in":
            return present and value in self.values
        if self.operator == "notin":
            return not present or value not in self.values
        if self.operator == "exists":
            return present
        if self.operator == "!":
            return not present
        try:
            number = int(value) if present else None
        except ValueError:
            return False
        if number is None:
            return False
        bound = int(self.values[0])
        return number > bound if self.operator == "gt" else number < bound


LabelSelector = tuple[Requirement, ...]

_SPECIAL = "!=(),<>"
_KEYWORDS = {"in", "notin"}


def _tokens(text: str) -> list[str]:
    tokens: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char.isspace():
            i += 1
        elif char in _SPECIAL:
            if text[i : i + 2] in ("==", "!="):
                tokens.append(text[i : i + 2])
                i += 2
            else:
                tokens.append(char)
                i += 1
        else:
            start = i
            while i < len(text) and not text[i].isspace() and text[i] not in _SPECIAL:
                i += 1
            tokens.append(text[start:i])
    return tokens


def _is_identifier(token: str | None) -> bool:
    return token is not None and token[0] not in _SPECIAL and token not in _KEYWORDS


def _check_key(key: str) -> None:
    prefix, name = names.split_qualified_name(key)
    problems = []
    if prefix and not names.DNS1123_SUBDOMAIN.is_valid(prefix):
        problems.append("prefix part must be a lowercase RFC 1123 subdomain")
    if len(name) > names.QUALIFIED_NAME_PART.max_length:
        problems.append("name part " + names.max_length_message(names.QUALIFIED_NAME_PART.max_length))
    if not names.QUALIFIED_NAME_PART.matches_pattern(name):
        problems.append(names.QUALIFIED_NAME_PART.explanation)
    if problems:
        raise bad_request(
            f'unable to parse requirement: <nil>: Invalid value: "{key}": ' + "; ".join(problems)
        )


def _check_value(key: str, index: int, value: str) -> None:
    if problems := names.LABEL_VALUE.problems(value):
        raise bad_request(
            f'unable to parse requirement: values[{index}][{key}]: Invalid value: "{value}": {problems[0]}'
        )


def parse_label_selector(text: str) -> LabelSelector:
    """Parse ``app=x,tier in (a,b),!legacy,env!=prod`` into requirements."""
    tokens = _tokens(text)
    position = 0

    def peek() -> str | None:
        return tokens[position] if position < len(tokens) else None

    def take() -> str | None:
        nonlocal position
        token = peek()
        position += 1
        return token

    def shown(token: str | None) -> str:
        return "end of string" if token is None else token

    requirements: list[Requirement] = []
    while peek() is not None:
        token = take()
        if token == "!":
            key = take()
            if not _is_identifier(key):
                raise bad_request(f"found '{shown(key)}', expected: identifier")
            _check_key(key)  # type: ignore[arg-type]
            requirements.append(Requirement(key, "!"))  # type: ignore[arg-type]
        elif _is_identifier(token):
            key = token  # type: ignore[assignment]
            _check_key(key)
            operator = peek()
            if operator in (None, ","):
                requirements.append(Requirement(key, "exists"))
            else:
                take()
                if operator in ("=", "==", "!="):
                    value = peek()
                    if value in (None, ","):
                        value = ""
                    elif _is_identifier(value):
                        take()
                    else:
                        raise bad_request(f"found '{value}', expected: identifier")
                    _check_value(key, 0, value)  # type: ignore[arg-type]
                    requirements.append(Requirement(key, "notin" if operator == "!=" else "in", (value,)))
                elif operator in ("in", "notin"):
                    opening = take()
                    if opening != "(":
                        raise bad_request(f"found '{shown(opening)}', expected: '('")
                    values: list[str] = []
                    while True:
                        value = peek()
                        if value in (",", ")"):
                            values.append("")
                        elif _is_identifier(value):
                            take()
                            values.append(value)  # type: ignore[arg-type]
                        else:
                            raise bad_request(f"found '{shown(value)}', expected: ',', ')' or identifier")
                        closing = take()
                        if closing == ")":
                            break
                        if closing != ",":
                            raise bad_request(f"found '{shown(closing)}', expected: ',' or ')'")
                    for index, value in enumerate(values):
                        _check_value(key, index, value)
                    requirements.append(Requirement(key, operator, tuple(sorted(set(values)))))
                elif operator in (">", "<"):
                    value = take()
                    if not _is_identifier(value) or not re.fullmatch(r"-?\d+", value or ""):
                        raise bad_request(
                            f"unable to parse requirement: values[0][{key}]: Invalid value: "
                            f"\"{shown(value)}\": for 'Gt', 'Lt' operators, the value must be an integer"
                        )
                    requirements.append(Requirement(key, "gt" if operator == ">" else "lt", (value,)))  # type: ignore[arg-type]
                else:
                    raise bad_request(f"found '{operator}', expected: in, notin, =, ==, !=, gt, lt")
        else:
            raise bad_request(f"found '{shown(token)}', expected: !, identifier, or 'end of string'")
        separator = take()
        if separator is None:
            break
        if separator != ",":
            raise bad_request(f"found '{separator}', expected: ',' or 'end of string'")
        if peek() is None:
            raise bad_request("found 'end of string', expected: !, identifier, or 'end of string'")
    return tuple(requirements)


def labels_match(selector: LabelSelector, obj: dict) -> bool:
    labels = (obj.get("metadata") or {}).get("labels") or {}
    return all(requirement.matches(labels) for requirement in selector)


# -- field selectors ---------------------------------------------------------------------


@dataclass(frozen=True)
class FieldTerm:
    field: str
    value: str
    negated: bool


FieldSelector = tuple[FieldTerm, ...]

_INVOLVED = ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath")

# Selectable fields per resource key, each with how to read it from an object.
_EXTRA_FIELDS: dict[str, dict[str, Callable[[dict], object]]] = {
    "v1/events": {
        **{f"involvedObject.{f}": (lambda o, f=f: (o.get("involvedObject") or {}).get(f)) for f in _INVOLVED},
        "reason": lambda o: o.get("reason"),
        "reportingComponent": lambda o: o.get("reportingComponent"),
        "source": lambda o: (o.get("source") or {}).get("component"),
        "type": lambda o: o.get("type"),
    },
    "events.k8s.io/v1/events": {
        **{f"regarding.{f}": (lambda o, f=f: (o.get("regarding") or {}).get(f)) for f in _INVOLVED},
        "reason": lambda o: o.get("reason"),
        "reportingController": lambda o: o.get("reportingController"),
        "type": lambda o: o.get("type"),
    },
    "v1/namespaces": {"status.phase": lambda o: (o.get("status") or {}).get("phase")},
    "v1/services": {
        "spec.clusterIP": lambda o: (o.get("spec") or {}).get("clusterIP"),
        "spec.type": lambda o: (o.get("spec") or {}).get("type"),
    },
}
_META_FIELDS: dict[str, Callable[[dict], object]] = {
    "metadata.name": lambda o: (o.get("metadata") or {}).get("name"),
    "metadata.namespace": lambda o: (o.get("metadata") or {}).get("namespace"),
}


def _split_unescaped(text: str, separator: str) -> list[str]:
    parts, current, escaped = [], [], False
    for char in text:
        if escaped:
            current.append("\\" + char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    if escaped:
        current.append("\\")
    parts.append("".join(current))
    return parts


def _unescape(value: str) -> str:
    out, i = [], 0
    while i < len(value):
        if value[i] == "\\":
            if i + 1 >= len(value) or value[i + 1] not in "\\,=":
                raise bad_request(f"invalid field selector: invalid escape sequence: {value[i : i + 2]}")
            out.append(value[i + 1])
            i += 2
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def parse_field_selector(text: str, resource: Resource) -> FieldSelector:
    terms: list[FieldTerm] = []
    if not text:
        return ()
    for part in _split_unescaped(text, ","):
        for operator in ("!=", "==", "="):
            field, found, value = part.partition(operator)
            if found and "\\" not in field:
                break
        else:
            raise bad_request(f"invalid selector: '{text}'; can't understand '{part}'")
        field = field.strip()
        if field not in _fields(resource):
            raise _unsupported(resource, field)
        terms.append(FieldTerm(field, _unescape(value), operator == "!="))
    return tuple(terms)


def _fields(resource: Resource) -> dict[str, Callable[[dict], object]]:
    return {**_META_FIELDS, **_EXTRA_FIELDS.get(resource.key, {})}


def _unsupported(resource: Resource, field: str) -> ApiError:
    if resource.group and resource.group != "events.k8s.io":
        return bad_request(
            f'"{field}" is not a known field selector: only "metadata.name", "metadata.namespace"'
        )
    return bad_request(f"field label not supported: {field}")


def fields_match(selector: FieldSelector, obj: dict, resource: Resource) -> bool:
    readers = _fields(resource)
    for term in selector:
        try:
            value = readers[term.field](obj)
        except AttributeError:  # a malformed object stored before typed decoding: no value
            value = None
        actual = "" if value is None else str(value)
        if (actual == term.value) == term.negated:
            return False
    return True
