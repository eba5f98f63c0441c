"""The shared get / list / delete flows over objects the v1 API manages, with a fake v2 client:
the calls they make, and the Go errors they raise, for any ManagedKind."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from v1compat import managed
from v1compat.clusters_api import CLUSTERS
from v1compat.convert.constants import MANAGED_BY_SELECTOR
from v1compat.errors import Code, V1Error
from v1compat.managed import ManagedKind
from v1compat.templates_api import TEMPLATES

OWNED = {"metadata": {"name": "o", "labels": {"owner": "v1"}}}
FOREIGN = {"metadata": {"name": "o", "labels": {}}}


def _jobs_path(namespace: str | None, name: str | None) -> str:
    base = "/apis/ray.io/v1" + (f"/namespaces/{namespace}" if namespace else "") + "/rayjobs"
    return f"{base}/{name}" if name else base


# A kind none of the v1 modules defines yet: the flows need nothing else to serve it.
JOBS = ManagedKind(
    noun="Job",
    path=_jobs_path,
    selector="owner=v1",
    owns=lambda obj: obj["metadata"]["labels"].get("owner") == "v1",
    not_owned=lambda name: f"RayJob {name} is not ours",
    get_failed="Get Job failed",
    delete_failed=lambda name: f"Failed to delete job {name}.",
)


@dataclass
class Answer:
    status: int
    body: Any = None

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


@dataclass
class FakeV2:
    """Answers each verb with a fixed answer and records every call."""

    answers: dict[str, Answer]
    calls: list[tuple[str, str, Any]] = field(default_factory=list)

    def _answer(self, verb: str, path: str, extra: Any = None) -> Answer:
        self.calls.append((verb, path, extra))
        return self.answers[verb]

    def get(self, path: str, query: Any = None) -> Answer:
        return self._answer("get", path, query)

    def list(self, path: str, query: Any = None) -> Answer:
        return self._answer("list", path, query)

    def create(self, path: str, body: Any) -> Answer:
        return self._answer("create", path, body)

    def delete(self, path: str) -> Answer:
        return self._answer("delete", path)


def test_fetch_returns_a_managed_object():
    client = FakeV2({"get": Answer(200, OWNED)})
    assert managed.fetch(client, JOBS, "ns", "o", "Get job failed.") == OWNED
    assert client.calls == [("get", "/apis/ray.io/v1/namespaces/ns/rayjobs/o", None)]


def test_fetch_of_a_missing_object_is_gos_not_found():
    client = FakeV2({"get": Answer(404, {"message": 'rayjobs.ray.io "o" not found'})})
    with pytest.raises(V1Error) as raised:
        managed.fetch(client, JOBS, "ns", "o", "Get job failed.")
    assert (raised.value.code, raised.value.message) == (
        Code.NOT_FOUND,
        'Job o not found: Get job failed.: NotFoundError: Job o not found: rayjobs.ray.io "o" not found',
    )


def test_fetch_of_an_unmanaged_object_is_not_found_with_the_kinds_reason():
    client = FakeV2({"get": Answer(200, FOREIGN)})
    with pytest.raises(V1Error) as raised:
        managed.fetch(client, JOBS, "ns", "o", "Get job failed.")
    assert raised.value.code == Code.NOT_FOUND
    assert raised.value.message.endswith("NotFoundError: Job o not found: RayJob o is not ours")


def test_fetch_wraps_other_upstream_failures_with_the_kinds_text():
    client = FakeV2({"get": Answer(403, {"message": "forbidden"})})
    with pytest.raises(V1Error) as raised:
        managed.fetch(client, JOBS, "ns", "o", "Get job failed.")
    assert (raised.value.code, raised.value.message) == (
        Code.PERMISSION_DENIED,
        "Get job failed.: Get Job failed: forbidden",
    )


def test_list_puts_the_managed_selector_first_and_returns_the_next_page():
    body = {"items": [OWNED], "metadata": {"continue": "next"}}
    client = FakeV2({"list": Answer(200, body)})
    items, token = managed.list_items(client, JOBS, None, "List failed.", query=[("limit", "1")])
    assert (items, token) == ([OWNED], "next")
    query = [("labelSelector", "owner=v1"), ("limit", "1")]
    assert client.calls == [("list", "/apis/ray.io/v1/rayjobs", query)]


def test_list_failure_is_wrapped_in_the_callers_context():
    client = FakeV2({"list": Answer(500, {"message": "boom"})})
    with pytest.raises(V1Error) as raised:
        managed.list_items(client, JOBS, "ns", "List jobs failed.", "in ns")
    assert raised.value.message == "List jobs failed.: in ns: boom"


def test_delete_looks_up_first_and_never_deletes_an_unmanaged_object():
    client = FakeV2({"get": Answer(200, FOREIGN), "delete": Answer(200, {})})
    with pytest.raises(V1Error) as raised:
        managed.delete(client, JOBS, "ns", "o", "Get job failure")
    assert raised.value.code == Code.NOT_FOUND
    assert [verb for verb, _, _ in client.calls] == ["get"]


def test_delete_of_a_managed_object():
    client = FakeV2({"get": Answer(200, OWNED), "delete": Answer(200, {})})
    managed.delete(client, JOBS, "ns", "o", "Get job failure")
    assert [(verb, path) for verb, path, _ in client.calls] == [
        ("get", "/apis/ray.io/v1/namespaces/ns/rayjobs/o"),
        ("delete", "/apis/ray.io/v1/namespaces/ns/rayjobs/o"),
    ]


def test_delete_that_finds_nothing_any_more_is_not_found():
    client = FakeV2({"get": Answer(200, OWNED), "delete": Answer(404, {"message": "gone"})})
    with pytest.raises(V1Error) as raised:
        managed.delete(client, JOBS, "ns", "o", "Get job failure")
    assert raised.value.message == "Job o not found: Get job failure: NotFoundError: Job o not found: gone"


def test_delete_failure_is_gos_internal_error_with_the_kinds_text():
    client = FakeV2({"get": Answer(200, OWNED), "delete": Answer(500, {"message": "etcd down"})})
    with pytest.raises(V1Error) as raised:
        managed.delete(client, JOBS, "ns", "o", "Get job failure")
    assert raised.value.code == Code.INTERNAL
    assert "Failed to delete job o.: etcd down" in raised.value.message


@pytest.mark.parametrize(
    ("kind", "collection", "selector"),
    [
        (CLUSTERS, "/apis/ray.io/v1/namespaces/ns/rayclusters", MANAGED_BY_SELECTOR),
        (TEMPLATES, "/api/v1/namespaces/ns/configmaps", "ray.io/config-type=compute-template"),
    ],
)
def test_the_served_kinds_list_only_what_v1_manages(kind, collection, selector):
    client = FakeV2({"list": Answer(200, {"items": []})})
    assert managed.list_items(client, kind, "ns") == ([], "")
    assert client.calls == [("list", collection, [("labelSelector", selector)])]
