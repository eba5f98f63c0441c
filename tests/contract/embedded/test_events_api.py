"""Core v1 events and events.k8s.io/v1 events are one object seen through two APIs."""

from __future__ import annotations

import pytest

from bridge.embedded.events import list_to_events_v1, to_core, to_events_v1

REGARDING = {
    "kind": "RayCluster",
    "namespace": "default",
    "name": "demo",
    "uid": "u-1",
    "apiVersion": "ray.io/v1",
    "resourceVersion": "7",
    "fieldPath": "spec.headGroupSpec",
}
RELATED = {"kind": "Pod", "namespace": "default", "name": "demo-head-x", "apiVersion": "v1"}
METADATA = {"name": "demo.17a", "namespace": "default", "resourceVersion": "9"}

# (core v1 field, value, events.k8s.io/v1 field): Kubernetes' pkg/apis/events/v1 conversion.
FIELD_PAIRS = [
    ("involvedObject", REGARDING, "regarding"),
    ("related", RELATED, "related"),
    ("message", "Created head pod demo-head-x", "note"),
    ("reason", "CreatedHeadPod", "reason"),
    ("type", "Normal", "type"),
    ("action", "Create", "action"),
    ("source", {"component": "raycluster-controller", "host": "node-1"}, "deprecatedSource"),
    ("firstTimestamp", "2026-11-21T10:00:00Z", "deprecatedFirstTimestamp"),
    ("lastTimestamp", "2026-11-21T10:05:00Z", "deprecatedLastTimestamp"),
    ("count", 3, "deprecatedCount"),
    ("eventTime", "2026-11-21T10:00:00.123456Z", "eventTime"),
    ("series", {"count": 4, "lastObservedTime": "2026-11-21T10:06:00.000001Z"}, "series"),
    ("reportingComponent", "ray.io/kuberay-operator", "reportingController"),
    ("reportingInstance", "kuberay-operator-abc", "reportingInstance"),
    ("metadata", METADATA, "metadata"),
]


@pytest.mark.parametrize(
    ("core_field", "value", "events_field"), FIELD_PAIRS, ids=[pair[0] for pair in FIELD_PAIRS]
)
def test_each_field_is_renamed_both_ways(core_field, value, events_field):
    seen = to_events_v1({"apiVersion": "v1", "kind": "Event", core_field: value})
    assert seen == {"apiVersion": "events.k8s.io/v1", "kind": "Event", events_field: value}

    stored = to_core({"apiVersion": "events.k8s.io/v1", "kind": "Event", events_field: value})
    assert stored == {"apiVersion": "v1", "kind": "Event", core_field: value}


def full_core_event() -> dict:
    event = {"apiVersion": "v1", "kind": "Event"}
    event.update({core_field: value for core_field, value, _ in FIELD_PAIRS})
    return event


def test_round_trips_are_lossless():
    core = full_core_event()
    assert to_core(to_events_v1(core)) == core
    events_v1 = to_events_v1(core)
    assert to_events_v1(to_core(events_v1)) == events_v1


def test_old_names_do_not_leak_into_the_other_api():
    seen = to_events_v1(full_core_event())
    assert not {
        "involvedObject",
        "message",
        "source",
        "firstTimestamp",
        "lastTimestamp",
        "count",
        "reportingComponent",
    } & set(seen)
    stored = to_core(seen)
    assert not {
        "regarding",
        "note",
        "deprecatedSource",
        "deprecatedFirstTimestamp",
        "deprecatedLastTimestamp",
        "deprecatedCount",
        "reportingController",
    } & set(stored)


def test_conversion_copies_instead_of_sharing():
    core = full_core_event()
    seen = to_events_v1(core)
    seen["regarding"]["name"] = "changed"
    seen["metadata"]["name"] = "changed"
    assert core["involvedObject"]["name"] == "demo"
    assert core["metadata"]["name"] == "demo.17a"


def test_event_list_is_relabelled():
    listed = list_to_events_v1(
        {
            "apiVersion": "v1",
            "kind": "EventList",
            "metadata": {"resourceVersion": "9"},
            "items": [full_core_event()],
        }
    )
    assert listed["apiVersion"] == "events.k8s.io/v1" and listed["kind"] == "EventList"
    assert listed["metadata"] == {"resourceVersion": "9"}
    assert listed["items"][0]["note"] == "Created head pod demo-head-x"


# -- through the embedded API server --------------------------------------------------------


def core_event(name: str, namespace: str) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": name, "namespace": namespace},
        "involvedObject": {**REGARDING, "namespace": namespace},
        "reason": "CreatedHeadPod",
        "message": "Created head pod",
        "type": "Normal",
        "source": {"component": "raycluster-controller"},
        "firstTimestamp": "2026-11-21T10:00:00Z",
        "lastTimestamp": "2026-11-21T10:05:00Z",
        "count": 2,
        "reportingComponent": "ray.io/kuberay-operator",
        "reportingInstance": "op-1",
    }


def test_core_event_is_readable_through_events_api(api, namespace):
    created = api.post(f"/api/v1/namespaces/{namespace}/events", json=core_event("e1", namespace))
    assert created.status_code == 201, created.text

    seen = api.get(f"/apis/events.k8s.io/v1/namespaces/{namespace}/events/e1")
    assert seen.status_code == 200, seen.text
    event = seen.json()
    assert event["apiVersion"] == "events.k8s.io/v1" and event["kind"] == "Event"
    assert event["regarding"]["name"] == "demo"
    assert event["note"] == "Created head pod"
    assert event["deprecatedSource"] == {"component": "raycluster-controller"}
    assert event["deprecatedCount"] == 2
    assert event["reportingController"] == "ray.io/kuberay-operator"
    assert "involvedObject" not in event and "message" not in event
    assert event["metadata"]["uid"] == created.json()["metadata"]["uid"]

    listed = api.get(f"/apis/events.k8s.io/v1/namespaces/{namespace}/events").json()
    assert listed["kind"] == "EventList" and listed["apiVersion"] == "events.k8s.io/v1"
    assert [item["note"] for item in listed["items"]] == ["Created head pod"]


def test_event_created_through_events_api_is_a_core_event(api, namespace):
    body = to_events_v1(core_event("e2", namespace))
    body["eventTime"] = "2026-11-21T10:00:00.000000Z"
    created = api.post(f"/apis/events.k8s.io/v1/namespaces/{namespace}/events", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["note"] == "Created head pod"

    stored = api.get(f"/api/v1/namespaces/{namespace}/events/e2").json()
    assert stored["apiVersion"] == "v1"
    assert stored["involvedObject"]["name"] == "demo"
    assert stored["message"] == "Created head pod"
    assert stored["reportingComponent"] == "ray.io/kuberay-operator"
    assert stored["count"] == 2


def test_missing_event_is_not_found_in_events_api(api, namespace):
    missing = api.get(f"/apis/events.k8s.io/v1/namespaces/{namespace}/events/nope")
    assert missing.status_code == 404
    status = missing.json()
    assert status["reason"] == "NotFound"
    assert status["message"] == 'events.events.k8s.io "nope" not found'
