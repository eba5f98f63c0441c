"""The v1 converters are pure: the clock is passed in, the same input gives the same CR, and a
request that cannot be converted raises a ConversionError (the orchestration layer, not the
converter, turns it into the Go server's HTTP-level error)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from v1compat.clusters_api import build_raycluster
from v1compat.convert import (
    ConversionError,
    MissingTemplateError,
    cluster_to_raycluster,
)
from v1compat.errors import Code, V1Error

TEMPLATE = {"name": "t", "namespace": "ns", "cpu": 1, "memory": 2, "memory_unit": "Gi"}
CLUSTER = {
    "name": "c",
    "namespace": "ns",
    "user": "u",
    "cluster_spec": {"head_group_spec": {"compute_template": "t", "rayStartParams": {"a": "b"}}},
}
STAMP = "ray.io/creation-timestamp"


def test_the_creation_timestamp_is_the_now_passed_in():
    then = datetime(2020, 2, 29, 12, 0, 1, 500000, tzinfo=UTC)
    built = cluster_to_raycluster(CLUSTER, "ns", {"t": TEMPLATE}, now=then)
    assert built["metadata"]["annotations"][STAMP] == "2020-02-29 12:00:01.5 +0000 UTC"
    later = cluster_to_raycluster(CLUSTER, "ns", {"t": TEMPLATE}, now=then + timedelta(days=1))
    assert later["metadata"]["annotations"][STAMP] == "2020-03-01 12:00:01.5 +0000 UTC"


def test_the_same_input_and_now_give_the_same_cr():
    then = datetime(2024, 5, 6, tzinfo=UTC)
    first = cluster_to_raycluster(CLUSTER, "ns", {"t": TEMPLATE}, now=then)
    assert cluster_to_raycluster(CLUSTER, "ns", {"t": TEMPLATE}, now=then, now_nanosecond=None) == first


def test_now_has_no_default():
    with pytest.raises(TypeError):
        cluster_to_raycluster(CLUSTER, "ns", {"t": TEMPLATE})  # type: ignore[call-arg]


def test_a_missing_template_is_a_conversion_error_not_an_http_error():
    with pytest.raises(MissingTemplateError) as raised:
        cluster_to_raycluster(CLUSTER, "ns", {}, now=datetime(2024, 1, 1, tzinfo=UTC))
    assert raised.value.name == "t"
    assert not isinstance(raised.value, V1Error)


def test_a_bad_volume_is_a_conversion_error_with_gos_cause():
    volume = {"name": "e", "mount_path": "/e", "volume_type": "EPHEMERAL"}
    head = {**CLUSTER["cluster_spec"]["head_group_spec"], "volumes": [volume]}
    cluster = {**CLUSTER, "cluster_spec": {"head_group_spec": head}}
    with pytest.raises(ConversionError) as raised:
        cluster_to_raycluster(cluster, "ns", {"t": TEMPLATE}, now=datetime(2024, 1, 1, tzinfo=UTC))
    assert str(raised.value) == "storage for ephemeral volume is empty"
    assert not isinstance(raised.value, V1Error)
    # ... which the orchestration layer wraps the way the Go resource manager does
    with pytest.raises(V1Error) as wrapped:
        build_raycluster(cluster, "ns", {"t": TEMPLATE}, clock=lambda: 0)
    assert wrapped.value.code == Code.INVALID_ARGUMENT
    assert wrapped.value.message == (
        "Failed to create a Ray cluster: Create Cluster failed.: InvalidInputError: "
        "Failed to create a Ray cluster: storage for ephemeral volume is empty"
    )


def test_the_orchestration_layer_reads_its_clock_to_the_nanosecond():
    built = build_raycluster(CLUSTER, "ns", {"t": TEMPLATE}, clock=lambda: 1_000_000_000 * 86400 + 7)
    assert built["metadata"]["annotations"][STAMP] == "1970-01-02 00:00:00.000000007 +0000 UTC"
