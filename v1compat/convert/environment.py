"""EnvironmentVariables (``values`` + ``valuesFrom``) <-> container ``env``.

Mirrors ``convertEnvironmentVariables`` (apiserver/pkg/util/cluster.go) and
``convertEnvVariables`` (apiserver/pkg/model/converter.go). Go iterated maps, so its env order
was random; here it is the order the client wrote, values first, then valuesFrom, as in Go.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from v1compat.convert.proto import ENV_VALUE_SOURCES, enum_name


def env_var(name: str, value: str) -> dict[str, Any]:
    """A corev1.EnvVar with a plain value; Go's ``omitempty`` drops an empty value."""
    return {"name": name, "value": value} if value else {"name": name}


def _named(name: str, **fields: Any) -> dict[str, Any]:
    # LocalObjectReference.name and ResourceFieldSelector.containerName are omitempty.
    return {**({"name": name} if name else {}), **fields}


def env_var_from(name: str, value_from: dict[str, Any]) -> dict[str, Any]:
    """One ``valuesFrom`` entry as a corev1.EnvVar; an unknown source reads a field, as in Go."""
    source = enum_name(value_from.get("source"), ENV_VALUE_SOURCES)
    ref_name = value_from.get("name") or ""
    key = value_from.get("key") or ""
    if source == "CONFIGMAP":
        selector = {"configMapKeyRef": _named(ref_name, key=key)}
    elif source == "SECRET":
        selector = {"secretKeyRef": _named(ref_name, key=key)}
    elif source == "RESOURCEFIELD":
        container = {"containerName": ref_name} if ref_name else {}
        selector = {"resourceFieldRef": {**container, "resource": key}}
    else:
        selector = {"fieldRef": {"fieldPath": key}}
    return {"name": name, "valueFrom": selector}


def env_vars_from_environment(environment: dict[str, Any] | None) -> list[dict[str, Any]]:
    """convertEnvironmentVariables: all ``values``, then all ``valuesFrom``."""
    if not environment:
        return []
    converted = [env_var(name, value) for name, value in (environment.get("values") or {}).items()]
    converted += [
        env_var_from(name, value_from or {})
        for name, value_from in (environment.get("valuesFrom") or {}).items()
    ]
    return converted


def environment_from_env_vars(env: Iterable[dict[str, Any]], reserved: frozenset[str]) -> dict[str, Any]:
    """convertEnvVariables: the container env minus ``reserved`` names, back into a message.

    Both maps are always returned (possibly empty), because Go allocated both; the read-back
    therefore shows ``"environment": {}`` for every server-built group.
    """
    values: dict[str, str] = {}
    values_from: dict[str, dict[str, Any]] = {}
    for var in env:
        name = var.get("name") or ""
        if name in reserved:
            continue
        source = var.get("valueFrom")
        if source is None:
            values[name] = var.get("value") or ""
        elif (ref := source.get("configMapKeyRef")) is not None:
            values_from[name] = {
                "source": "CONFIGMAP",
                "name": ref.get("name") or "",
                "key": ref.get("key") or "",
            }
        elif (ref := source.get("secretKeyRef")) is not None:
            values_from[name] = {
                "source": "SECRET",
                "name": ref.get("name") or "",
                "key": ref.get("key") or "",
            }
        elif (ref := source.get("resourceFieldRef")) is not None:
            values_from[name] = {
                "source": "RESOURCEFIELD",
                "name": ref.get("containerName") or "",
                "key": ref.get("resource") or "",
            }
        elif (ref := source.get("fieldRef")) is not None:
            values_from[name] = {"source": "FIELD", "key": ref.get("fieldPath") or ""}
    return {"values": values, "valuesFrom": values_from}
