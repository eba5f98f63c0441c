"""The proxy's guarantees through a real gunicorn process (gevent workers), in front of a fake_upstream
upstream that records every request and fails on purpose: the path allowlist (raw request
lines, nothing normalised on the way), retries, streaming, header hygiene, and idle streams
released when their client hangs up."""

from __future__ import annotations

import json
import socket
import threading

import pytest
import requests
from werkzeug.wrappers import Response

from tests.support.allowlist_cases import ALLOWED, REFUSED_BEHIND_GUNICORN
from tests.support.fake_upstream import json_answer, kuberay_services
from tests.support.live_server import LiveServer
from tests.support.waiting import wait_until

RC = "/apis/ray.io/v1/namespaces/x/rayclusters"


@pytest.fixture(scope="module")
def bridge(start_bridge, fake_upstream):
    return start_bridge(
        "--upstream", fake_upstream.url, "--workers", "1", "--retry-backoff", "0.05", "--retry-max", "3",
    )  # fmt: skip


@pytest.fixture(scope="module")
def raw(bridge):
    return LiveServer(bridge.url, "127.0.0.1", bridge.port).raw


def test_refused_paths_never_reach_the_upstream(raw, upstream):
    reached = {}
    for path in REFUSED_BEHIND_GUNICORN:
        upstream.reset()
        status, body = raw(path)
        document = json.loads(body)
        if path == "/":  # outside both APIs: the Go v1 server's answer
            not_found = document == {"code": 5, "message": "Not Found"}
        else:
            not_found = document["reason"] == "NotFound"
        if upstream.calls or status != 404 or not not_found:
            reached[path] = (status, upstream.paths())
    assert reached == {}
    assert len(REFUSED_BEHIND_GUNICORN) >= 40


def test_allowed_paths_arrive_canonical_and_verbatim(raw, upstream):
    wrong = {}
    for path, expected in ALLOWED:
        upstream.reset(kuberay_services)
        status, _ = raw(path)
        forwarded = [c.raw_uri for c in upstream.calls if not c.path.endswith("/services")]
        if status != 200 or forwarded != [expected or path]:
            wrong[path] = (status, forwarded)
    assert wrong == {}


def failing(times: int, status: int = 503, headers: dict | None = None):
    def script(call, number):
        if number <= times:
            status_body = {"kind": "Status", "code": status, "message": f"try {number}"}
            return json_answer(status, status_body, headers)
        return json_answer(200, {"kind": "RayCluster", "attempt": number})

    return script


def test_get_retried_post_not(bridge, upstream):
    upstream.reset(failing(2))
    response = requests.get(bridge.url + RC, timeout=10)
    assert response.status_code == 200 and response.json()["attempt"] == 3

    upstream.reset(failing(2))
    response = requests.post(bridge.url + RC + "/a/status", json={}, timeout=10)
    assert response.status_code == 503 and response.json()["message"] == "try 1"
    assert len(upstream.calls) == 1


def test_retry_after_honoured(bridge, upstream):
    upstream.reset(failing(1, 503, {"Retry-After": "1"}))
    assert requests.get(bridge.url + RC, timeout=10).status_code == 200
    first, second = upstream.calls
    assert second.at - first.at >= 1.0


def test_watch_events_stream_through_gunicorn(bridge, upstream):
    release = threading.Event()

    def watch(call, number):
        def events():
            yield b'{"type":"ADDED","object":{"metadata":{"name":"one"}}}\n'
            release.wait(15)
            yield b'{"type":"ADDED","object":{"metadata":{"name":"two"}}}\n'

        return Response(events(), content_type="application/json")

    upstream.reset(watch)
    try:
        with requests.get(bridge.url + RC, params={"watch": "true"}, stream=True, timeout=15) as response:
            lines = response.iter_lines()
            assert json.loads(next(lines))["object"]["metadata"]["name"] == "one"
            assert not release.is_set()
            release.set()
            assert json.loads(next(lines))["object"]["metadata"]["name"] == "two"
    finally:
        release.set()


@pytest.mark.parametrize("sent_after_the_request", [b"", b"x", b"GET /version HTTP/1.1\r\n"])
def test_client_hangup_ends_an_idle_stream(bridge, upstream, sent_after_the_request):
    """The bridge lets go of an idle upstream watch once its client is gone, whatever the
    client sent after its request: the request's log line (written when the response closes)
    appears while the upstream is still idle."""
    hold = threading.Event()

    def idle_watch(call, number):
        def events():
            yield b""
            hold.wait(20)

        return Response(events(), content_type="application/json")

    upstream.reset(idle_watch)
    try:
        sock = socket.create_connection(("127.0.0.1", bridge.port), timeout=10)
        request_id = f"hangup-{len(sent_after_the_request)}"
        sock.sendall(
            f"GET {RC}?watch=true HTTP/1.1\r\nHost: b\r\nX-Request-Id: {request_id}\r\n\r\n".encode()
        )
        assert sock.recv(1024).startswith(b"HTTP/1.1 200")  # headers came at once
        sock.sendall(sent_after_the_request)
        sock.close()
        assert wait_until(lambda: f'"{request_id}"' in bridge.log(), deadline_seconds=10)
        assert not hold.is_set()
    finally:
        hold.set()


def test_headers_cleaned_through_gunicorn(bridge, upstream):
    requests.get(
        bridge.url + RC,
        headers={
            "X-Forwarded-For": "6.6.6.6",
            "X-Forwarded-Proto": "https",
            "Impersonate-User": "admin",
            "Connection": "X-Hop",
            "X-Hop": "1",
        },
        timeout=10,
    )
    headers = upstream.calls[0].headers
    assert headers["X-Forwarded-For"] == "127.0.0.1"
    assert headers["X-Forwarded-Proto"] == "http"
    assert "Impersonate-User" not in headers and "X-Hop" not in headers


@pytest.mark.parametrize(
    "request_bytes,code",
    [
        (b"POST " + RC.encode() + b" HTTP/1.1\r\nHost: b\r\nContent-Length: 4\r\n"
         b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /api/v1/secrets HTTP/1.1\r\nHost: b\r\n\r\n", 400),
        (b"GET /apis/ray.io/v1/a\x00b HTTP/1.1\r\nHost: b\r\n\r\n", 400),
        (b"GET " + RC.encode() + b" HTTP/1.1\r\nHost: b\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n", 431),
        (b"GET /apis/ray.io/v1/" + b"a" * 9000 + b" HTTP/1.1\r\nHost: b\r\n\r\n", 414),
    ],
    ids=["cl-te-smuggling", "nul-in-path", "huge-header", "long-path"],
)  # fmt: skip
def test_requests_gunicorn_refuses_get_a_status_and_reach_nothing(bridge, upstream, request_bytes, code):
    with socket.create_connection(("127.0.0.1", bridge.port), timeout=10) as sock:
        sock.sendall(request_bytes)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    assert int(head.split(b" ", 2)[1]) == code
    assert b"Content-Type: application/json" in head
    status = json.loads(body)
    assert status["kind"] == "Status" and status["code"] == code
    assert upstream.calls == []
