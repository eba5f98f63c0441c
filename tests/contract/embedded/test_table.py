"""``Table`` answers: the columns and cells ``kubectl get`` prints."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bridge.embedded.resources import lookup
from bridge.embedded.table import as_table, human_duration, json_path

NOW = datetime(2026, 11, 21, 12, 0, 0, tzinfo=UTC)
COLUMNS = (
    {"name": "desired workers", "type": "integer", "jsonPath": ".status.desiredWorkerReplicas"},
    {"name": "status", "type": "string", "jsonPath": ".status.state"},
    {"name": "first port", "type": "integer", "jsonPath": ".spec.ports[0].port"},
    {"name": "age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
    {"name": "head pod IP", "type": "string", "jsonPath": ".status.head.podIP", "priority": 1},
)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (-5, "<invalid>"),
        (-1, "0s"),
        (0, "0s"),
        (119, "119s"),
        (125, "2m5s"),
        (600, "10m"),
        (3 * 3600 + 60, "3h1m"),
        (10 * 3600, "10h"),
        (3 * 86400 + 3600, "3d1h"),
        (30 * 86400, "30d"),
        (3 * 365 * 86400, "3y"),
        (10 * 365 * 86400, "10y"),
    ],
)
def test_ages_read_like_kubectl(seconds, text):
    assert human_duration(seconds) == text


def test_json_path():
    obj = {"spec": {"ports": [{"port": 80}]}, "status": {"head": {"podIP": "10.0.0.1"}}}
    assert json_path(obj, ".spec.ports[0].port") == 80
    assert json_path(obj, ".status.head.podIP") == "10.0.0.1"
    assert json_path(obj, ".spec.ports[3].port") is None
    assert json_path(obj, ".status.missing.deeper") is None


def test_custom_resource_columns():
    cluster = {
        "metadata": {"name": "demo", "creationTimestamp": "2026-11-21T11:55:00Z"},
        "spec": {"ports": [{"port": 8265}]},
        "status": {"desiredWorkerReplicas": 2, "state": "ready"},
    }
    table = as_table(lookup("ray.io", "v1", "rayclusters"), [cluster], columns=COLUMNS, now=NOW)
    assert (table["kind"], table["apiVersion"]) == ("Table", "meta.k8s.io/v1")
    assert [c["name"] for c in table["columnDefinitions"]] == [
        "Name",
        "desired workers",
        "status",
        "first port",
        "age",
        "head pod IP",
    ]
    assert table["columnDefinitions"][-1]["priority"] == 1
    [row] = table["rows"]
    assert row["cells"] == ["demo", 2, "ready", 8265, "5m", None]
    assert row["object"] == {
        "kind": "PartialObjectMetadata",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": cluster["metadata"],
    }


def test_service_printer():
    svc = {
        "metadata": {"name": "dash", "creationTimestamp": "2026-11-21T11:00:00Z"},
        "spec": {
            "type": "NodePort",
            "clusterIP": "127.0.0.1",
            "selector": {"app": "ray"},
            "ports": [{"port": 8265, "nodePort": 30265, "protocol": "TCP"}],
        },
    }
    table = as_table(lookup("", "v1", "services"), [svc], now=NOW)
    assert [c["name"] for c in table["columnDefinitions"]] == [
        "Name",
        "Type",
        "Cluster-IP",
        "External-IP",
        "Port(s)",
        "Age",
        "Selector",
    ]
    assert table["rows"][0]["cells"] == [
        "dash",
        "NodePort",
        "127.0.0.1",
        "<none>",
        "8265:30265/TCP",
        "60m",
        "app=ray",
    ]


def test_events_look_the_same_through_both_apis():
    core = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": "e"},
        "type": "Warning",
        "reason": "Failed",
        "message": "pull failed ",
        "lastTimestamp": "2026-11-21T11:59:00Z",
        "involvedObject": {"kind": "Pod", "name": "head"},
    }
    viewed = {
        "apiVersion": "events.k8s.io/v1",
        "kind": "Event",
        "metadata": {"name": "e"},
        "type": "Warning",
        "reason": "Failed",
        "note": "pull failed ",
        "deprecatedLastTimestamp": "2026-11-21T11:59:00Z",
        "regarding": {"kind": "Pod", "name": "head"},
    }
    expected = ["60s", "Warning", "Failed", "pod/head", "pull failed"]
    assert as_table(lookup("", "v1", "events"), [core], now=NOW)["rows"][0]["cells"] == expected
    viewed_table = as_table(lookup("events.k8s.io", "v1", "events"), [viewed], now=NOW)
    assert viewed_table["rows"][0]["cells"] == expected
