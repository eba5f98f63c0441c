"""The one v1 route table: every row has a unique name and a v2 successor, and the table alone
decides what is served, what a request is called in logs and metrics, and its successor."""

from __future__ import annotations

import pytest

from bridge.core.config import BridgeConfig
from v1compat.deprecation import Successor
from v1compat.routes import ROUTES, match_route, v2_successor


def _example_path(rule: str) -> str:
    return "/apis/v1" + rule.replace("<seg:", "x<").replace("<", "").replace(">", "")


def test_every_row_has_a_unique_name_and_a_unique_method_and_rule():
    names = [row.name for row in ROUTES]
    assert len(names) == len(set(names))
    calls = [(row.method, row.rule) for row in ROUTES]
    assert len(calls) == len(set(calls))


@pytest.mark.parametrize("row", ROUTES, ids=lambda row: row.name)
def test_every_row_names_its_v2_successor_and_is_found_by_its_own_path(row):
    path = _example_path(row.rule)
    matched, values = match_route(row.method, path)
    assert matched is row
    successor = v2_successor(row.method, path)
    assert isinstance(successor, Successor)
    assert successor.method == row.method
    assert all(value in successor.path for value in values.values())


def test_head_is_the_get_row_and_unknown_calls_match_no_row():
    assert match_route("HEAD", "/apis/v1/clusters")[0].name == "clusters.list_all"
    assert match_route("PUT", "/apis/v1/namespaces/ns/clusters/c") is None
    assert match_route("GET", "/apis/v1/namespaces/ns/image_templates") is None


def test_an_empty_path_value_matches_the_row_but_names_no_successor():
    assert match_route("GET", "/apis/v1/namespaces/ns/clusters/")[0].name == "clusters.get"
    assert v2_successor("GET", "/apis/v1/namespaces/ns/clusters/") is None
    assert v2_successor("GET", "/apis/v1/namespaces//clusters") is None


# --- over HTTP: the table decides what is served and how the request is named ----------------


@pytest.fixture(scope="module")
def client(embedded):
    from bridge.app import create_app

    return create_app(BridgeConfig(upstream=embedded.url)).test_client()


def test_every_route_of_the_go_v1_server_is_served():
    assert len(ROUTES) == 27
    assert [row.name for row in ROUTES if row.view is None] == []


def test_the_log_line_names_the_row(client, ns, caplog):
    caplog.set_level("INFO", logger="kuberay_bridge.requests")
    client.get(f"/apis/v1/namespaces/{ns}/clusters").close()
    client.get(f"/apis/v1/namespaces/{ns}/jobs").close()
    client.get("/apis/v1/no/such/thing").close()
    fields = [record.fields for record in caplog.records if record.name == "kuberay_bridge.requests"]
    assert [(entry["dialect"], entry["route"], entry["status"]) for entry in fields] == [
        ("v1", "clusters.list", 200),
        ("v1", "jobs.list", 200),
        ("v1", None, 404),
    ]


# --- over HTTP, every row: Go's routing answers (spec §3.2, §3.6), served or not --------------

METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH")


def _methods_of(rule: str) -> set[str]:
    return {row.method for row in ROUTES if row.rule == rule}


@pytest.mark.parametrize("row", ROUTES, ids=lambda row: row.name)
def test_every_row_answers_another_method_with_501(client, row):
    path = _example_path(row.rule)
    for method in sorted(set(METHODS) - _methods_of(row.rule)):
        answer = client.open(path, method=method)
        assert answer.status_code == 501, (method, path)
        assert answer.get_json() == {"code": 12, "message": "Method Not Allowed"}


@pytest.mark.parametrize(
    "row", [row for row in ROUTES if "<seg:namespace>" in row.rule], ids=lambda row: row.name
)
def test_every_row_answers_an_empty_namespace_segment_with_404(client, row):
    path = _example_path(row.rule).replace("/namespaces/xnamespace/", "/namespaces//")
    for method in METHODS:
        answer = client.open(path, method=method)
        assert answer.status_code == 404, (method, path)
        assert answer.get_json() == {"code": 5, "message": "Not Found"}


@pytest.mark.parametrize("row", ROUTES, ids=lambda row: row.name)
def test_every_row_answers_a_trailing_slash_as_an_empty_last_segment(client, row):
    """``path/`` has one more, empty, segment: it is the call of the row with that shape (an
    empty name: 400 from a served handler, 404 if not served yet), 501 if only other methods
    have that shape, 404 if no row has it."""
    path = _example_path(row.rule) + "/"
    answer = client.open(path, method=row.method)
    body = answer.get_json()
    matched = match_route(row.method, path)
    if matched is None:
        other = any(match_route(method, path) for method in METHODS)
        expected = (501, 12) if other else (404, 5)
        assert (answer.status_code, body["code"]) == expected, path
    elif matched[0].view is None:
        assert (answer.status_code, body) == (404, {"code": 5, "message": "Not Found"}), path
    else:
        assert "" in matched[1].values()
        assert (answer.status_code, body["code"]) == (400, 3), path
        assert "empty" in body["message"]


def test_a_trailing_slash_after_a_name_matches_no_row():
    assert match_route("GET", "/apis/v1/namespaces/ns/clusters/c/") is None
    assert match_route("GET", "/apis/v1/namespaces/ns/clusters/")[0].name == "clusters.get"
    assert match_route("POST", "/apis/v1/namespaces/ns/jobsubmissions/c/")[0].name == "submissions.stop"
