"""Autoscaler options both ways (§5.8, §6.6) and events.k8s.io/v1 Events as ClusterEvents (§9.3)."""

from __future__ import annotations

from typing import Any

import pytest

from v1compat.convert import cluster_event_from_event
from v1compat.convert.autoscaler import autoscaler_options, autoscaler_options_from_crd
from v1compat.convert.errors import ConversionError

# (field of AutoscalerOptions, CR autoscalerOptions, read back)
OPTION_CASES = [
    ({"idleTimeoutSeconds": 30}, {"idleTimeoutSeconds": 30}, {"idleTimeoutSeconds": 30}),
    ({"idleTimeoutSeconds": 0}, {}, {}),
    ({"idleTimeoutSeconds": -5}, {}, {}),
    ({"upscalingMode": "Conservative"}, {"upscalingMode": "Conservative"}, {"upscalingMode": "Conservative"}),
    (
        {"image": "rayproject/ray:2.46.0"},
        {"image": "rayproject/ray:2.46.0"},
        {"image": "rayproject/ray:2.46.0"},
    ),
    ({"imagePullPolicy": "always"}, {"imagePullPolicy": "Always"}, {"imagePullPolicy": "Always"}),
    ({"imagePullPolicy": "IfNotPresent"}, {}, {}),  # only Always is ever written
    (
        {"cpu": "500m", "memory": "512Mi"},
        {
            "resources": {
                "limits": {"cpu": "500m", "memory": "512Mi"},
                "requests": {"cpu": "500m", "memory": "512Mi"},
            }
        },
        {"cpu": "500m", "memory": "512Mi"},
    ),
    (
        {"cpu": "1"},  # memory defaults to 512Mi once either is given
        {
            "resources": {
                "limits": {"cpu": "1", "memory": "512Mi"},
                "requests": {"cpu": "1", "memory": "512Mi"},
            }
        },
        {"cpu": "1", "memory": "512Mi"},
    ),
    (
        {"memory": "1024Mi"},  # cpu defaults to 500m; quantities printed canonically
        {
            "resources": {
                "limits": {"cpu": "500m", "memory": "1Gi"},
                "requests": {"cpu": "500m", "memory": "1Gi"},
            }
        },
        {"cpu": "500m", "memory": "1Gi"},
    ),
    (
        {"envs": {"values": {"AUTOSCALER_LOG": "debug"}}},
        {"env": [{"name": "AUTOSCALER_LOG", "value": "debug"}]},
        {"envs": {"values": {"AUTOSCALER_LOG": "debug"}}},
    ),
    (
        {
            "envs": {
                "valuesFrom": {
                    "ignored-key-1": {"source": "CONFIGMAP", "name": "cm", "key": "ignored"},
                    "ignored-key-2": {"source": "FIELD", "key": "metadata.name"},  # dropped
                    "ignored-key-3": {"source": "SECRET", "name": "sec"},
                }
            }
        },
        {"envFrom": [{"configMapRef": {"name": "cm"}}, {"secretRef": {"name": "sec"}}]},
        {
            "envs": {
                "valuesFrom": {
                    "0": {"source": "CONFIGMAP", "name": "cm"},
                    "1": {"source": "SECRET", "name": "sec"},
                }
            }
        },
    ),
    (
        {
            "volumes": [
                {
                    "name": "logs",
                    "mount_path": "/tmp/ray",
                    "volume_type": "HOST_PATH",
                    "source": "/var/log/ray",
                    "read_only": True,
                    "mount_propagation_mode": "HOSTTOCONTAINER",
                }
            ]
        },
        {
            "volumeMounts": [
                {
                    "name": "logs",
                    "readOnly": True,
                    "mountPath": "/tmp/ray",
                    "mountPropagation": "HostToContainer",
                }
            ]
        },
        {
            "volumes": [
                {
                    "name": "logs",
                    "mount_path": "/tmp/ray",
                    "volume_type": "PERSISTENT_VOLUME_CLAIM",  # only the mount exists
                    "read_only": True,
                    "mount_propagation_mode": "HOSTTOCONTAINER",
                }
            ]
        },
    ),
]


@pytest.mark.parametrize(("options", "crd", "read_back"), OPTION_CASES)
def test_each_autoscaler_option(
    options: dict[str, Any], crd: dict[str, Any], read_back: dict[str, Any]
) -> None:
    assert autoscaler_options(options) == crd
    assert autoscaler_options_from_crd(crd) == read_back


def test_no_options() -> None:
    assert autoscaler_options(None) is None
    assert autoscaler_options_from_crd(None) is None


def test_only_valuesfrom_with_no_usable_source_writes_no_envfrom() -> None:
    assert autoscaler_options({"envs": {"valuesFrom": {"x": {"source": "FIELD", "key": "k"}}}}) == {}


@pytest.mark.parametrize(
    ("options", "cause"),
    [
        ({"cpu": "half"}, "cpu for autoscaler is not specified correctly"),
        ({"memory": "1GB"}, "memory for autoscaler is not specified correctly"),
        ({"cpu": "x", "memory": "y"}, "cpu for autoscaler is not specified correctly"),
    ],
)
def test_autoscaler_quantity_errors(options: dict[str, Any], cause: str) -> None:
    with pytest.raises(ConversionError) as raised:
        autoscaler_options(options)
    assert str(raised.value) == cause


def test_read_back_of_resources_go_style() -> None:
    # Requests are read only without limits; a missing quantity prints "0" (Go's zero Quantity).
    crd = {
        "resources": {"requests": {"memory": "2Gi"}},
        "envFrom": [{"prefix": "X_"}],
        "env": [{"name": "F", "valueFrom": {}}],
    }
    assert autoscaler_options_from_crd(crd) == {
        "cpu": "0",
        "memory": "2Gi",
        "envs": {"values": {"F": ""}, "valuesFrom": {}},
    }


EVENT = {
    "apiVersion": "events.k8s.io/v1",
    "kind": "Event",
    "metadata": {
        "name": "test-cluster.17a3b",
        "namespace": "ns",
        "creationTimestamp": "2024-05-01T10:00:00Z",
    },
    "regarding": {"kind": "RayCluster", "name": "test-cluster", "namespace": "ns"},
    "reason": "CreatedService",
    "note": "Created service ns/test-cluster-head-svc",
    "type": "Normal",
    "reportingController": "raycluster-controller",
}


@pytest.mark.parametrize(
    ("timing", "first", "last", "count"),
    [
        (  # new-style event with a series
            {
                "eventTime": "2024-05-01T10:00:01.123456Z",
                "series": {"count": 4, "lastObservedTime": "2024-05-01T10:05:00.999999Z"},
            },
            "2024-05-01T10:00:01Z",
            "2024-05-01T10:05:00Z",
            4,
        ),
        (  # new-style single event: last = eventTime
            {"eventTime": "2024-05-01T10:00:01.000000Z"},
            "2024-05-01T10:00:01Z",
            "2024-05-01T10:00:01Z",
            0,
        ),
        (  # core/v1 event seen through events.k8s.io: deprecated fields
            {
                "eventTime": None,
                "deprecatedFirstTimestamp": "2024-05-01T09:00:00Z",
                "deprecatedLastTimestamp": "2024-05-01T09:30:00Z",
                "deprecatedCount": 7,
            },
            "2024-05-01T09:00:00Z",
            "2024-05-01T09:30:00Z",
            7,
        ),
        ({}, "0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z", 0),  # Go's zero time
    ],
)
def test_cluster_event(timing: dict[str, Any], first: str, last: str, count: int) -> None:
    assert cluster_event_from_event({**EVENT, **timing}, "test-cluster") == {
        "id": "test-cluster.17a3b",
        "name": "test-cluster-test-cluster.17a3b",
        "created_at": "2024-05-01T10:00:00Z",
        "first_timestamp": first,
        "last_timestamp": last,
        "reason": "CreatedService",
        "message": "Created service ns/test-cluster-head-svc",
        "type": "Normal",
        "count": count,
    }


def test_event_name_defaults_to_the_regarded_object() -> None:
    assert cluster_event_from_event(EVENT)["name"] == "test-cluster-test-cluster.17a3b"
    assert cluster_event_from_event(EVENT, "svc")["name"] == "svc-test-cluster.17a3b"


@pytest.mark.parametrize("count", [2**31, -(2**31) - 1, 2.5, "3", True])
def test_an_event_count_outside_int32_reads_as_zero(count: Any) -> None:
    event = {"metadata": {"name": "e"}, "deprecatedCount": count, "regarding": {"name": "c"}}
    assert cluster_event_from_event(event)["count"] == 0


def test_autoscaler_options_of_the_wrong_type_read_as_unset() -> None:
    options = {"idleTimeoutSeconds": 2**31, "upscalingMode": 3, "image": "img", "imagePullPolicy": None}
    assert autoscaler_options_from_crd(options) == {"image": "img"}
    assert autoscaler_options_from_crd({"idleTimeoutSeconds": -5}) == {"idleTimeoutSeconds": -5}
