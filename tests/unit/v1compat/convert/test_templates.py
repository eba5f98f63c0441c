"""Compute templates: the Go server's ConfigMap format and what a template puts into a pod (§4)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.factories import example
from v1compat.convert.errors import ConversionError
from v1compat.convert.templates import (
    container_resources,
    pod_tolerations,
    template_memory,
)
from v1compat.errors import Code, V1Error
from v1compat.templates_api import CREATE_FAILED
from v1compat.validation import validate_template_memory
from v2proxy.templates import configmap_to_template as template_from_configmap
from v2proxy.templates import template_to_configmap as configmap_from_template


def test_example_template_is_stored_in_the_go_format() -> None:
    template = example("compute_template.json")
    assert configmap_from_template(template, "default") == {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": "default-template",
            "namespace": "default",
            "labels": {
                "ray.io/config-type": "compute-template",
                "ray.io/compute-template": "default-template",
            },
        },
        "data": {
            "name": "default-template",
            "namespace": "default",
            "cpu": "2",
            "memory": "4",
            "memory_unit": "Gi",
            "gpu": "0",
            "gpu_accelerator": "",
            "extended_resources": "null",
        },
    }


def test_tolerations_and_extended_resources_are_go_json() -> None:
    template = {
        "name": "t",
        "namespace": "ns",
        "cpu": 4,
        "memory": 8,
        "memory_unit": "Mi",
        "gpu": 1,
        "gpu_accelerator": "nvidia.com/mig-1g.5gb",
        "extended_resources": {"vpc.amazonaws.com/efa": 32},
        "tolerations": [{"key": "blah1", "operator": "Exists", "effect": "NoExecute"}],
    }
    data = configmap_from_template(template, "ns")["data"]
    assert data["memory_unit"] == "Mi"
    assert data["gpu"] == "1"
    assert data["gpu_accelerator"] == "nvidia.com/mig-1g.5gb"
    assert data["extended_resources"] == '{"vpc.amazonaws.com/efa":32}'
    assert data["tolerations"] == '[{"key":"blah1","operator":"Exists","effect":"NoExecute"}]'


def test_template_round_trips_through_its_configmap() -> None:
    template = {
        "name": "t",
        "namespace": "ns",
        "cpu": 4,
        "memory": 8,
        "memory_unit": "Mi",
        "gpu": 2,
        "gpu_accelerator": "amd.com/gpu",
        "extended_resources": {"vpc.amazonaws.com/efa": 32},
        "tolerations": [{"key": "k", "operator": "Equal", "value": "v", "effect": "NoSchedule"}],
    }
    assert template_from_configmap(configmap_from_template(template, "ns")) == template


def test_read_back_takes_identity_from_metadata_and_keeps_legacy_unit_missing() -> None:
    legacy = {
        "metadata": {"name": "old", "namespace": "team"},
        "data": {"name": "other", "namespace": "elsewhere", "cpu": "2", "memory": "4", "gpu": "x"},
    }
    template = template_from_configmap(legacy)
    assert (template["name"], template["namespace"]) == ("old", "team")
    assert (template["cpu"], template["memory"], template["gpu"]) == (2, 4, 0)
    assert "memory_unit" not in template
    assert "extended_resources" not in template


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ({"cpu": 2, "memory": 4, "memory_unit": "Gi"}, {"cpu": "2", "memory": "4Gi"}),
        ({"cpu": 1, "memory": 512, "memory_unit": "Mi"}, {"cpu": "1", "memory": "512Mi"}),
        # written through Quantity.MarshalJSON, which prints the canonical form
        ({"cpu": 8, "memory": 4096, "memory_unit": "Mi"}, {"cpu": "8", "memory": "4Gi"}),
        ({"cpu": 1000, "memory": 1, "memory_unit": "Ti"}, {"cpu": "1k", "memory": "1Ti"}),
        # legacy ConfigMap without memory_unit: Gi (deviation: Go asked for 4 bytes)
        ({"cpu": 2, "memory": 4}, {"cpu": "2", "memory": "4Gi"}),
        (
            {"cpu": 2, "memory": 4, "memory_unit": "Gi", "gpu": 1},
            {"cpu": "2", "memory": "4Gi", "nvidia.com/gpu": "1"},
        ),
        (
            {"cpu": 2, "memory": 4, "memory_unit": "Gi", "gpu": 2, "gpu_accelerator": "amd.com/gpu"},
            {"amd.com/gpu": "2", "cpu": "2", "memory": "4Gi"},
        ),
        (
            {"cpu": 2, "memory": 4, "memory_unit": "Gi", "gpu": 0, "gpu_accelerator": "amd.com/gpu"},
            {"cpu": "2", "memory": "4Gi"},
        ),
        (
            {
                "cpu": 2,
                "memory": 4,
                "extended_resources": {"vpc.amazonaws.com/efa": 32, "example.com/none": 0},
            },
            {"cpu": "2", "memory": "4Gi", "vpc.amazonaws.com/efa": "32"},
        ),
    ],
)
def test_container_resources(template: dict[str, Any], expected: dict[str, str]) -> None:
    resources = container_resources({"name": "t", **template})
    assert resources == {"limits": expected, "requests": expected}
    assert list(resources["limits"]) == sorted(expected)  # Go's JSON sorts map keys


def test_unparsable_stored_memory_is_a_conversion_error_not_a_crash() -> None:
    with pytest.raises(ConversionError, match=r'memory "4GB" of compute template t is not a valid quantity'):
        container_resources({"name": "t", "cpu": 2, "memory": 4, "memory_unit": "GB"})


@pytest.mark.parametrize(
    ("operator", "effect", "expected_operator", "expected_effect"),
    [
        ("Exists", "NoExecute", "Exists", "NoExecute"),
        ("Equal", "NoSchedule", "Equal", "NoSchedule"),
        ("", "PreferNoSchedule", "Equal", "PreferNoSchedule"),
        ("exists", "", "Equal", "PreferNoSchedule"),
        ("Anything", "noschedule", "Equal", "PreferNoSchedule"),
    ],
)
def test_tolerations(operator: str, effect: str, expected_operator: str, expected_effect: str) -> None:
    template = {"tolerations": [{"key": "k", "operator": operator, "value": "v", "effect": effect}]}
    assert pod_tolerations(template) == [
        {"key": "k", "operator": expected_operator, "value": "v", "effect": expected_effect}
    ]


def test_toleration_without_key_or_value_omits_them() -> None:
    assert pod_tolerations({"tolerations": [{"operator": "Exists", "effect": "NoExecute"}]}) == [
        {"operator": "Exists", "effect": "NoExecute"}
    ]


@pytest.mark.parametrize("unit", ["Gi", "Mi", "G", "", None])
def test_valid_memory_units_pass(unit: str | None) -> None:
    template = {
        "name": "t",
        "namespace": "ns",
        "cpu": 1,
        "memory": 4,
        **({"memory_unit": unit} if unit is not None else {}),
    }
    validate_template_memory(template, CREATE_FAILED)
    assert template_memory(template) == f"4{unit or 'Gi'}"


@pytest.mark.parametrize("unit", ["GB", "gb", "Gib", " Gi"])
def test_invalid_memory_unit_is_a_client_error(unit: str) -> None:
    with pytest.raises(V1Error) as raised:
        validate_template_memory(
            {"name": "t", "namespace": "ns", "cpu": 1, "memory": 4, "memory_unit": unit}, CREATE_FAILED
        )
    assert raised.value.code == Code.INVALID_ARGUMENT
    assert raised.value.http_status == 400
    assert raised.value.message.startswith(
        "Failed to convert compute runtime (ns/t): Create compute template failed.: InvalidInputError: "
    )
    assert f'memory "4{unit}" is not a valid quantity' in raised.value.message
