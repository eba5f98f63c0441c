"""Names and labels, validated with apimachinery's rules and messages (422 Invalid)."""

from __future__ import annotations

import re
from typing import Any

from bridge.embedded.errors import ApiError, bad_request, invalid
from bridge.embedded.resources import Resource

_DNS1123_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN = _DNS1123_LABEL + r"(\." + _DNS1123_LABEL + r")*"
_DNS1035_LABEL = r"[a-z]([-a-z0-9]*[a-z0-9])?"

_NAME_RULES: dict[str, tuple[str, int, str]] = {
    "subdomain": (
        _DNS1123_SUBDOMAIN, 253,
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
        "'-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', "
        "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ),
    "label": (
        _DNS1123_LABEL, 63,
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
        "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', "
        "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    ),
    "dns1035": (
        _DNS1035_LABEL, 63,
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with "
        "an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
        "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
    ),
}
_QUALIFIED_NAME_PART = r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_QUALIFIED_NAME_RULE = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
    "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")
_LABEL_VALUE = r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?"
_LABEL_VALUE_RULE = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or "
    "'12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")
# Which rule names follow, per resource (Kubernetes: namespaces are labels, services DNS-1035).
_NAME_RULE_OF = {"v1/namespaces": "label", "v1/services": "dns1035"}


def name_errors(resource: Resource, name: str) -> list[str]:
    pattern, limit, explanation = _NAME_RULES[_NAME_RULE_OF.get(resource.storage_key, "subdomain")]
    problems = []
    if len(name) > limit:
        problems.append(f"must be no more than {limit} characters")
    if not re.fullmatch(pattern, name):
        problems.append(explanation)
    return problems


def prefix_errors(resource: Resource, prefix: str) -> list[str]:
    """``generateName`` is validated on its own, as Kubernetes does (a trailing dash masked),
    not only the name cut from it: a 300-character prefix is invalid, not silently cut."""
    if not prefix:
        return []
    return name_errors(resource, prefix[:-1] + "a" if len(prefix) > 1 and prefix.endswith("-") else prefix)


def invalid_field(resource: Resource, name: str, field: str, value: Any, message: str) -> ApiError:
    rendered = f'"{value}"' if isinstance(value, str) else value
    return invalid(resource.kind, resource.group, name, [{
        "reason": "FieldValueInvalid",
        "message": f"Invalid value: {rendered}: {message}",
        "field": field,
    }])


def check_labels(resource: Resource, obj: dict) -> None:
    """Label keys and values as apimachinery validates them (422 with one cause each)."""
    meta = obj["metadata"]
    labels = meta.get("labels")
    if labels is None:
        return
    if not isinstance(labels, dict):
        raise bad_request("metadata.labels must be an object of strings")
    causes = []
    for key, value in labels.items():
        if not isinstance(value, str):
            raise bad_request(f"metadata.labels: the value of {key!r} must be a string")
        prefix, _, short = key.rpartition("/")
        if (prefix and (len(prefix) > 253 or not re.fullmatch(_DNS1123_SUBDOMAIN, prefix))) \
                or len(short) > 63 or not re.fullmatch(_QUALIFIED_NAME_PART, short):
            causes.append({"reason": "FieldValueInvalid", "field": "metadata.labels",
                           "message": f'Invalid value: "{key}": {_QUALIFIED_NAME_RULE}'})
        if len(value) > 63 or not re.fullmatch(_LABEL_VALUE, value):
            rule = "must be no more than 63 characters" if len(value) > 63 else _LABEL_VALUE_RULE
            causes.append({"reason": "FieldValueInvalid", "field": "metadata.labels",
                           "message": f'Invalid value: "{value}": {rule}'})
    if causes:
        raise invalid(resource.kind, resource.group, meta.get("name", ""), causes)
