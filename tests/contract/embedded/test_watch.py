"""``?watch=true`` over plain HTTP: chunked JSON lines, resume, selectors, bookmarks, timeouts."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator

import pytest
import requests

from bridge.embedded import start
from tests.support.factories import RAY, raycluster
from tests.support.sessions import Api


def _events(api: Api, path: str, **params) -> Iterator[dict]:
    """Watch events as they arrive; the stream ends when the server ends it."""
    with api.get(path, params={"watch": "true", **params}, stream=True) as answer:
        assert answer.status_code == 200
        assert answer.headers["Content-Type"] == "application/json"
        assert answer.headers.get("Transfer-Encoding") == "chunked"
        for line in answer.iter_lines():
            if line:
                yield json.loads(line)


def _after(delay: float, action: Callable[[], object]) -> threading.Timer:
    timer = threading.Timer(delay, action)
    timer.start()
    return timer


def _take(events: Iterator[dict], count: int) -> list[dict]:
    taken = []
    for event in events:
        taken.append(event)
        if len(taken) == count:
            break
    return taken


def test_watch_without_resource_version_starts_with_current_objects(api, namespace):
    api.post(f"/api/v1/namespaces/{namespace}/configmaps", json={"metadata": {"name": "old"}})
    events = _events(api, f"/api/v1/namespaces/{namespace}/configmaps", timeoutSeconds=20)
    first = next(events)  # the watch is established once its first event arrived
    api.post(f"/api/v1/namespaces/{namespace}/configmaps", json={"metadata": {"name": "new"}})
    second = next(events)
    events.close()
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in (first, second)] == [
        ("ADDED", "old"),
        ("ADDED", "new"),
    ]


def test_watch_resumes_after_a_resource_version(api, namespace):
    path = f"/api/v1/namespaces/{namespace}/configmaps"
    first = api.post(path, json={"metadata": {"name": "one"}}).json()
    api.put(f"{path}/one", json={**first, "data": {"v": "2"}})
    api.delete(f"{path}/one")
    events = _take(
        _events(api, path, resourceVersion=first["metadata"]["resourceVersion"], timeoutSeconds=20), 2
    )
    assert [e["type"] for e in events] == ["MODIFIED", "DELETED"]
    assert events[0]["object"]["data"] == {"v": "2"}
    assert int(events[1]["object"]["metadata"]["resourceVersion"]) > int(
        events[0]["object"]["metadata"]["resourceVersion"]
    )


def test_watch_from_compacted_resource_version_sends_expired_error():
    with start(history=2) as server, Api(server.url) as api:
        path = "/api/v1/namespaces/default/configmaps"
        old = api.post(path, json={"metadata": {"name": "a"}}).json()["metadata"]["resourceVersion"]
        for name in "bcd":
            api.post(path, json={"metadata": {"name": name}})
        events = list(_events(api, path, resourceVersion=old, timeoutSeconds=20))
        assert len(events) == 1 and events[0]["type"] == "ERROR"
        status = events[0]["object"]
        assert status["kind"] == "Status" and status["code"] == 410 and status["reason"] == "Expired"
        assert status["message"].startswith(f"too old resource version: {old} (")


def test_objects_entering_and_leaving_a_selector_are_added_and_deleted(api, namespace):
    path = f"{RAY}/namespaces/{namespace}/rayclusters"
    created = api.post(path, json=raycluster("moving")).json()

    def relabel():
        labelled = api.patch(
            f"{path}/moving",
            json={"metadata": {"labels": {"watch": "me"}}},
            headers={"Content-Type": "application/merge-patch+json"},
        )
        api.patch(
            f"{path}/moving",
            json={"metadata": {"labels": {"watch": None}}},
            headers={"Content-Type": "application/merge-patch+json"},
        )
        return labelled

    timer = _after(0.2, relabel)
    events = _take(
        _events(
            api,
            path,
            labelSelector="watch=me",
            resourceVersion=created["metadata"]["resourceVersion"],
            timeoutSeconds=20,
        ),
        2,
    )
    timer.join()
    assert [e["type"] for e in events] == ["ADDED", "DELETED"]


def test_watch_one_namespace_ignores_others(api, namespace):
    other = namespace + "-other"
    api.post("/api/v1/namespaces", json={"metadata": {"name": other}})

    def write():
        api.post(f"/api/v1/namespaces/{other}/configmaps", json={"metadata": {"name": "elsewhere"}})
        api.post(f"/api/v1/namespaces/{namespace}/configmaps", json={"metadata": {"name": "here"}})

    rv = api.get(f"/api/v1/namespaces/{namespace}/configmaps").json()["metadata"]["resourceVersion"]
    timer = _after(0.2, write)
    events = _take(
        _events(api, f"/api/v1/namespaces/{namespace}/configmaps", resourceVersion=rv, timeoutSeconds=20), 1
    )
    timer.join()
    api.delete(f"/api/v1/namespaces/{other}")
    assert events[0]["object"]["metadata"]["name"] == "here"


def test_bookmarks_carry_only_the_resource_version():
    with start(bookmark_interval=0.2) as server, Api(server.url) as api:
        rv = api.get("/api/v1/namespaces/default/configmaps").json()["metadata"]["resourceVersion"]
        events = _take(
            _events(
                api,
                "/api/v1/namespaces/default/configmaps",
                resourceVersion=rv,
                allowWatchBookmarks="true",
                timeoutSeconds=20,
            ),
            1,
        )
        assert events == [
            {
                "type": "BOOKMARK",
                "object": {"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"resourceVersion": rv}},
            }
        ]


def test_no_bookmarks_unless_allowed():
    with start(bookmark_interval=0.1) as server, Api(server.url) as api:
        events = list(
            _events(api, "/api/v1/namespaces/default/configmaps", resourceVersion="1", timeoutSeconds=1)
        )
        assert all(e["type"] != "BOOKMARK" for e in events)


def test_timeout_seconds_ends_the_stream(api, namespace):
    events = list(_events(api, f"/api/v1/namespaces/{namespace}/configmaps", timeoutSeconds=1))
    assert events == []


def test_watch_through_events_k8s_io_converts_objects(api, namespace):
    rv = api.get(f"/api/v1/namespaces/{namespace}/events").json()["metadata"]["resourceVersion"]
    timer = _after(
        0.2,
        lambda: api.post(
            f"/api/v1/namespaces/{namespace}/events",
            json={
                "metadata": {"name": "ev"},
                "message": "pulled",
                "reason": "Pulled",
                "type": "Normal",
                "involvedObject": {"kind": "RayCluster", "name": "c", "namespace": namespace},
            },
        ),
    )
    events = _take(
        _events(
            api,
            f"/apis/events.k8s.io/v1/namespaces/{namespace}/events",
            resourceVersion=rv,
            timeoutSeconds=20,
        ),
        1,
    )
    timer.join()
    obj = events[0]["object"]
    assert obj["apiVersion"] == "events.k8s.io/v1"
    assert obj["note"] == "pulled" and obj["regarding"]["kind"] == "RayCluster"
    assert "message" not in obj and "involvedObject" not in obj


def test_stopping_the_server_ends_open_watches():
    server = start()
    stream = requests.get(
        server.url + "/api/v1/namespaces/default/configmaps",
        params={"watch": "true", "resourceVersion": "1"},
        stream=True,
        timeout=30,
    )
    done = threading.Event()

    def read():
        for _ in stream.iter_lines():
            pass
        done.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    server.stop()
    assert done.wait(20)
    stream.close()


def test_watch_of_a_single_object(api, namespace):
    path = f"/api/v1/namespaces/{namespace}/configmaps"
    api.post(path, json={"metadata": {"name": "other"}})
    api.post(path, json={"metadata": {"name": "mine"}})
    events = _take(_events(api, f"{path}/mine", timeoutSeconds=20), 1)
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [("ADDED", "mine")]


def test_send_initial_events_ends_with_an_annotated_bookmark(api, namespace):
    path = f"/api/v1/namespaces/{namespace}/configmaps"
    api.post(path, json={"metadata": {"name": "there"}})
    events = _take(
        _events(
            api,
            path,
            sendInitialEvents="true",
            allowWatchBookmarks="true",
            resourceVersionMatch="NotOlderThan",
            timeoutSeconds=20,
        ),
        2,
    )
    assert [e["type"] for e in events] == ["ADDED", "BOOKMARK"]
    assert events[1]["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}


def test_watch_for_kubectl_streams_table_rows(api, namespace):
    path = f"/api/v1/namespaces/{namespace}/configmaps"
    api.post(path, json={"metadata": {"name": "tabled"}, "data": {"a": "1", "b": "2"}})
    table_accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
    with api.get(
        path, params={"watch": "true", "timeoutSeconds": 20}, stream=True, headers={"Accept": table_accept}
    ) as answer:
        assert answer.headers["Content-Type"] == "application/json;as=Table;v=v1;g=meta.k8s.io"
        event = json.loads(next(answer.iter_lines()))
    assert event["type"] == "ADDED" and event["object"]["kind"] == "Table"
    assert event["object"]["rows"][0]["cells"][:2] == ["tabled", 2]


@pytest.mark.parametrize("value", ["", "yes", "TRUE"])
def test_any_watch_value_but_false_or_0_is_a_watch(api, namespace, value):
    """apimachinery reads every value of a boolean parameter except "false" and "0" as true."""
    path = f"/api/v1/namespaces/{namespace}/configmaps"
    api.post(path, json={"metadata": {"name": "w"}})
    with api.get(path, params={"watch": value, "timeoutSeconds": 20}, stream=True) as answer:
        first = json.loads(next(line for line in answer.iter_lines() if line))
    assert first["type"] == "ADDED" and first["object"]["metadata"]["name"] == "w"
    assert api.get(path, params={"watch": "False"}).json()["kind"] == "ConfigMapList"
    assert api.get(path, params={"watch": "0"}).json()["kind"] == "ConfigMapList"
