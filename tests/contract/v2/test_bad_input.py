"""Input that used to make a 500, on both dialects in front of the recording upstream: each is
a clean 4xx in the dialect's format, and nothing malformed or truncated reaches the upstream."""

from __future__ import annotations

import json
import socket

import pytest

from tests.support.factories import raycluster, rayjob, rayservice
from tests.support.fake_upstream import json_answer
from tests.support.live_server import LiveServer, make_app

RC = "/apis/ray.io/v1/namespaces/x/rayclusters"
V1_TEMPLATES = "/apis/v1/namespaces/x/compute_templates"
LIMIT = 4096
HUGE_INTEGER = "9" * 5000


@pytest.fixture
def bridge(upstream, serve_app) -> LiveServer:
    return serve_app(make_app(upstream.url, max_body_bytes=LIMIT))


def send(bridge: LiveServer, head: str, body: bytes) -> tuple[int, dict]:
    """A request written byte for byte; the status and the decoded JSON answer."""
    with socket.create_connection((bridge.host, bridge.port), timeout=10) as sock:
        sock.sendall(head.encode() + b"\r\n" + body)
        sock.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head_bytes, _, answer = data.partition(b"\r\n\r\n")
    return int(head_bytes.split(b" ", 2)[1]), json.loads(answer)


def chunked(path: str) -> str:
    return (
        f"POST {path} HTTP/1.1\r\nHost: bridge\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\nConnection: close\r\n"
    )


def assert_dialect(path: str, answer: dict, code: int) -> None:
    if path.startswith("/apis/v1/"):
        assert set(answer) == {"code", "message"}
    else:
        assert answer["kind"] == "Status" and answer["code"] == code


@pytest.mark.parametrize("path", [RC, V1_TEMPLATES])
def test_an_invalid_chunk_size_line_is_a_400_and_nothing_reaches_the_upstream(bridge, upstream, path):
    status, answer = send(bridge, chunked(path), b'5\r\n{"a":\r\nzz\r\n1}\r\n0\r\n\r\n')
    assert status == 400
    assert_dialect(path, answer, 400)
    assert "malformed request body" in answer["message"]
    assert upstream.calls == []


@pytest.mark.parametrize("path", [RC, V1_TEMPLATES])
def test_a_chunked_body_over_the_limit_is_a_413_and_nothing_reaches_the_upstream(bridge, upstream, path):
    body = json.dumps({"name": "big", "namespace": "x", "cpu": 1, "memory": 1, "pad": "a" * LIMIT}).encode()
    framed = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    status, answer = send(bridge, chunked(path), framed)
    assert status == 413
    assert_dialect(path, answer, 413)
    assert upstream.calls == []


@pytest.mark.parametrize("path", [RC, V1_TEMPLATES])
def test_a_body_of_exactly_the_limit_is_accepted_and_one_byte_more_is_413(bridge, upstream, path):
    body = {"name": "t", "namespace": "x", "cpu": 1, "memory": 1, "metadata": {"name": "t"}}
    exact = json.dumps(body).encode()
    exact = exact[:-1] + b" " * (LIMIT - len(exact)) + b"}"
    assert len(exact) == LIMIT
    head = f"POST {path} HTTP/1.1\r\nHost: bridge\r\nContent-Type: application/json\r\nConnection: close\r\n"
    status, _ = send(bridge, head + f"Content-Length: {LIMIT}\r\n", exact)
    assert status != 413
    status, answer = send(bridge, head + f"Content-Length: {LIMIT + 1}\r\n", exact + b" ")
    assert status == 413
    assert_dialect(path, answer, 413)


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", '{"metadata": {"name": "a"}, "spec": {"n": ' + HUGE_INTEGER + "}}"),
        ("application/yaml", "metadata: {name: a}\nspec: {n: " + HUGE_INTEGER + "}\n"),
        ("application/json", '{"metadata": {"name": "a\\ud800"}}'),
        ("application/yaml", 'metadata: {name: "a\\ud800"}\n'),
        ("application/yaml", "metadata: {name: a}\nspec: {}\nspec: {x: 1}\n"),
    ],
    ids=[
        "json-huge-integer",
        "yaml-huge-integer",
        "json-lone-surrogate",
        "yaml-lone-surrogate",
        "yaml-duplicate-key",
    ],
)
def test_a_v2_body_that_kubernetes_cannot_store_is_a_400_status_and_is_not_forwarded(
    upstream, content_type, body
):
    client = make_app(upstream.url, max_body_bytes=65536).test_client()
    response = client.post(RC, data=body, content_type=content_type)
    assert response.status_code == 400
    assert response.get_json()["kind"] == "Status"
    assert upstream.calls == []


@pytest.mark.parametrize(
    "body",
    [
        f'{{"name": "t", "namespace": "x", "cpu": {HUGE_INTEGER}, "memory": 1}}',
        f'{{"name": "t", "namespace": "x", "cpu": "{HUGE_INTEGER}", "memory": 1}}',
        '{"name": "t\\ud800", "namespace": "x", "cpu": 1, "memory": 1}',
    ],
    ids=["huge-integer", "huge-integer-string", "lone-surrogate"],
)
def test_a_v1_body_that_cannot_be_stored_is_a_v1_400_and_nothing_is_sent(upstream, body):
    client = make_app(upstream.url, max_body_bytes=65536).test_client()
    response = client.post(V1_TEMPLATES, data=body, content_type="application/json")
    assert response.status_code == 400
    assert set(response.get_json()) == {"code", "message"}
    assert [call.method for call in upstream.calls if call.method != "GET"] == []


def test_a_v1_limit_of_thousands_of_digits_is_a_v1_400(upstream):
    client = make_app(upstream.url).test_client()
    response = client.get("/apis/v1/namespaces/x/clusters?limit=" + HUGE_INTEGER)
    assert response.status_code == 400
    assert "value out of range" in response.get_json()["message"]
    assert upstream.calls == []


def test_the_service_guard_checks_the_id_exactly_as_it_is_forwarded(upstream):
    client = make_app(upstream.url).test_client()
    client.get("/api/v1/namespaces/x/services/http:kuberay-head%253Adashboard/proxy/")
    lookup = upstream.calls[0]
    assert lookup.path == "/api/v1/namespaces/x/services"
    assert "fieldSelector=metadata.name%3Dhttp&" in lookup.query


def test_a_v1_list_leaves_out_an_object_it_cannot_convert_and_shows_the_others(upstream):
    good = {
        "metadata": {"name": "good", "namespace": "x"},
        "data": {"name": "good", "cpu": "1", "memory": "1"},
    }
    broken = {"metadata": {"name": "bad\ud800", "namespace": "x"}, "data": {"name": "bad\ud800"}}
    upstream.reset(lambda call, number: json_answer(200, {"kind": "ConfigMapList", "items": [broken, good]}))
    response = make_app(upstream.url).test_client().get(V1_TEMPLATES)
    assert response.status_code == 200
    assert [template["name"] for template in response.get_json()["computeTemplates"]] == ["good"]


@pytest.mark.parametrize(
    ("path", "factory", "key"),
    [
        ("/apis/v1/namespaces/x/clusters", raycluster, "clusters"),
        ("/apis/v1/namespaces/x/jobs", rayjob, "jobs"),
        ("/apis/v1/namespaces/x/services", rayservice, "services"),
    ],
)
def test_every_v1_list_of_custom_resources_leaves_out_what_it_cannot_convert(upstream, path, factory, key):
    items = [factory("bad\ud800"), factory("good")]
    for item in items:
        item["metadata"]["namespace"] = "x"  # as stored objects always carry it

    def answer(call, number):
        if "events" in call.path:
            return json_answer(200, {"kind": "EventList", "items": []})
        return json_answer(200, {"kind": "List", "items": items})

    upstream.reset(answer)
    response = make_app(upstream.url).test_client().get(path)
    assert response.status_code == 200
    assert [item["name"] for item in response.get_json()[key]] == ["good"]
