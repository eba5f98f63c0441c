"""Environment values / valuesFrom and security contexts, both ways (§5.7, §5.9, §6.3)."""

from __future__ import annotations

from typing import Any

import pytest

from v1compat.convert.constants import HEAD_RESERVED_ENV, WORKER_RESERVED_ENV
from v1compat.convert.environment import (
    env_vars_from_environment,
    environment_from_env_vars,
)
from v1compat.convert.security import (
    container_security_context,
    security_context_from_container,
)

# (valuesFrom entry, container env entry, entry read back)
VALUE_FROM_CASES = [
    (
        {"source": "CONFIGMAP", "name": "cm", "key": "k"},
        {"name": "V", "valueFrom": {"configMapKeyRef": {"name": "cm", "key": "k"}}},
        {"source": "CONFIGMAP", "name": "cm", "key": "k"},
    ),
    (
        {"name": "cm", "key": "k"},  # CONFIGMAP is the default source
        {"name": "V", "valueFrom": {"configMapKeyRef": {"name": "cm", "key": "k"}}},
        {"source": "CONFIGMAP", "name": "cm", "key": "k"},
    ),
    (
        {"source": "SECRET", "name": "redis-password-secret", "key": "password"},
        {"name": "V", "valueFrom": {"secretKeyRef": {"name": "redis-password-secret", "key": "password"}}},
        {"source": "SECRET", "name": "redis-password-secret", "key": "password"},
    ),
    (
        {"source": "RESOURCEFIELD", "name": "ray-head", "key": "limits.cpu"},
        {
            "name": "V",
            "valueFrom": {"resourceFieldRef": {"containerName": "ray-head", "resource": "limits.cpu"}},
        },
        {"source": "RESOURCEFIELD", "name": "ray-head", "key": "limits.cpu"},
    ),
    (
        {"source": "FIELD", "name": "ignored", "key": "metadata.namespace"},
        {"name": "V", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
        {"source": "FIELD", "key": "metadata.namespace"},
    ),
    (
        {"source": 7, "key": "status.hostIP"},  # an undefined source number reads a field, as in Go
        {"name": "V", "valueFrom": {"fieldRef": {"fieldPath": "status.hostIP"}}},
        {"source": "FIELD", "key": "status.hostIP"},
    ),
]


@pytest.mark.parametrize(("value_from", "env", "read_back"), VALUE_FROM_CASES)
def test_values_from_each_source(
    value_from: dict[str, Any], env: dict[str, Any], read_back: dict[str, Any]
) -> None:
    built = env_vars_from_environment({"valuesFrom": {"V": value_from}})
    assert built == [env]
    assert environment_from_env_vars(built, frozenset()) == {"values": {}, "valuesFrom": {"V": read_back}}


def test_values_come_before_values_from_in_request_order() -> None:
    environment = {
        "valuesFrom": {"B_FROM": {"source": "SECRET", "name": "s", "key": "k"}},
        "values": {"Z": "1", "A": "2", "EMPTY": ""},
    }
    assert env_vars_from_environment(environment) == [
        {"name": "Z", "value": "1"},
        {"name": "A", "value": "2"},
        {"name": "EMPTY"},  # Go's omitempty drops an empty value
        {"name": "B_FROM", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}},
    ]


def test_empty_reference_names_are_omitted() -> None:
    assert env_vars_from_environment({"valuesFrom": {"V": {"source": "SECRET", "key": "k"}}}) == [
        {"name": "V", "valueFrom": {"secretKeyRef": {"key": "k"}}}
    ]


@pytest.mark.parametrize("environment", [None, {}, {"values": {}, "valuesFrom": {}}])
def test_no_environment_no_env(environment: dict[str, Any] | None) -> None:
    assert env_vars_from_environment(environment) == []


@pytest.mark.parametrize(
    ("reserved", "hidden"),
    [
        (
            HEAD_RESERVED_ENV,
            ["MY_POD_IP", "RAY_CLUSTER_NAME", "RAY_PORT", "RAY_ADDRESS", "RAY_USAGE_STATS_KUBERAY_IN_USE"],
        ),
        (
            WORKER_RESERVED_ENV,
            [
                "RAY_DISABLE_DOCKER_CPU_WARNING",
                "TYPE",
                "CPU_REQUEST",
                "CPU_LIMITS",
                "MEMORY_REQUESTS",
                "MEMORY_LIMITS",
                "MY_POD_NAME",
                "MY_POD_IP",
                "FQ_RAY_IP",
                "RAY_IP",
                "RAY_CLUSTER_NAME",
                "RAY_PORT",
                "RAY_ADDRESS",
                "RAY_USAGE_STATS_KUBERAY_IN_USE",
                "REDIS_PASSWORD",
            ],
        ),
    ],
    ids=["head", "worker"],
)
def test_reserved_names_are_hidden_on_read_back(reserved: frozenset[str], hidden: list[str]) -> None:
    env = [{"name": name, "value": "x"} for name in hidden] + [{"name": "MINE", "value": "y"}]
    assert environment_from_env_vars(env, reserved) == {"values": {"MINE": "y"}, "valuesFrom": {}}


def test_unknown_value_source_is_dropped_on_read_back() -> None:
    env = [{"name": "X", "valueFrom": {"fileKeyRef": {"path": "p"}}}, {"name": "Y"}]
    assert environment_from_env_vars(env, frozenset()) == {"values": {"Y": ""}, "valuesFrom": {}}


@pytest.mark.parametrize(
    ("security", "container", "read_back"),
    [
        (
            {"capabilities": {"add": ["SYS_PTRACE"], "drop": ["ALL"]}, "privileged": True},
            {"capabilities": {"add": ["SYS_PTRACE"], "drop": ["ALL"]}, "privileged": True},
            {"capabilities": {"add": ["SYS_PTRACE"], "drop": ["ALL"]}, "privileged": True},
        ),
        (
            {"privileged": False},  # optional bool: set to false is kept
            {"capabilities": {}, "privileged": False},
            {"capabilities": {}, "privileged": False},
        ),
        ({}, {"capabilities": {}}, {"capabilities": {}}),
        (
            {"capabilities": {"add": ["NET_ADMIN"]}},
            {"capabilities": {"add": ["NET_ADMIN"]}},
            {"capabilities": {"add": ["NET_ADMIN"]}},
        ),
    ],
)
def test_security_context(
    security: dict[str, Any], container: dict[str, Any], read_back: dict[str, Any]
) -> None:
    assert container_security_context(security) == container
    assert security_context_from_container(container) == read_back


def test_no_security_context() -> None:
    assert container_security_context(None) is None
    assert security_context_from_container(None) is None
    assert security_context_from_container({"runAsUser": 1000}) == {"capabilities": {}}
