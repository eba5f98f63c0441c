"""Names and labels, validated with apimachinery's rules and messages (422 Invalid)."""

from __future__ import annotations

from typing import Any

from bridge.embedded.errors import ApiError, bad_request, invalid
from bridge.embedded.resources import Resource
from bridge.kube import names

# Which rule names follow, per resource (Kubernetes: namespaces are labels, services DNS-1035).
_NAME_RULE_OF = {"v1/namespaces": names.DNS1123_LABEL, "v1/services": names.DNS1035_LABEL}


def name_errors(resource: Resource, name: str) -> list[str]:
    return _NAME_RULE_OF.get(resource.storage_key, names.DNS1123_SUBDOMAIN).problems(name)


def prefix_errors(resource: Resource, prefix: str) -> list[str]:
    """``generateName`` is validated on its own, as Kubernetes does (a trailing dash masked),
    not only the name cut from it: a 300-character prefix is invalid, not silently cut."""
    if not prefix:
        return []
    return name_errors(resource, prefix[:-1] + "a" if len(prefix) > 1 and prefix.endswith("-") else prefix)


def invalid_field(resource: Resource, name: str, field: str, value: Any, message: str) -> ApiError:
    rendered = f'"{value}"' if isinstance(value, str) else value
    return invalid(
        resource.kind,
        resource.group,
        name,
        [
            {
                "reason": "FieldValueInvalid",
                "message": f"Invalid value: {rendered}: {message}",
                "field": field,
            }
        ],
    )


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
        if not names.is_qualified_name(key):
            causes.append(
                {
                    "reason": "FieldValueInvalid",
                    "field": "metadata.labels",
                    "message": f'Invalid value: "{key}": {names.QUALIFIED_NAME_PART.explanation}',
                }
            )
        if problems := names.LABEL_VALUE.problems(value):
            causes.append(
                {
                    "reason": "FieldValueInvalid",
                    "field": "metadata.labels",
                    "message": f'Invalid value: "{value}": {problems[0]}',
                }
            )
    if causes:
        raise invalid(resource.kind, resource.group, meta.get("name", ""), causes)
