"""The allowlist holds whatever the path encoding: a recording upstream proves that refused
paths never reach Kubernetes, and that allowed ones arrive in their canonical form only."""

from __future__ import annotations

import json
import socket

import pytest

from tests.support.allowlist_cases import ALLOWED, REFUSED
from tests.support.fake_upstream import kuberay_services
from tests.support.live_server import make_app, serving


@pytest.fixture(scope="module")
def live(fake_upstream):
    with serving(make_app(fake_upstream.url)) as server:
        yield server


@pytest.mark.parametrize("path", REFUSED)
def test_refused_paths_never_reach_the_upstream(live, upstream, path):
    status, body = live.raw(path)
    assert upstream.calls == []
    assert status == 404
    document = json.loads(body)
    if path == "/":  # outside both APIs: the Go v1 server's answer (its gateway was mounted on /)
        assert document == {"code": 5, "message": "Not Found"}
    else:
        assert document["kind"] == "Status" and document["reason"] == "NotFound"


@pytest.mark.parametrize("path,expected", ALLOWED)
def test_allowed_paths_arrive_canonical_and_verbatim(live, upstream, path, expected):
    upstream.reset(kuberay_services)
    status, _ = live.raw(path)
    assert status == 200
    forwarded = [call for call in upstream.calls if not call.path.endswith("/services")]
    assert [call.raw_uri for call in forwarded] == [expected or path]


def test_wrong_method_is_405_status_with_allow(live, upstream):
    status, body = live.raw("/apis/events.k8s.io/v1/namespaces/x/events", method="DELETE")
    assert status == 405
    assert json.loads(body)["reason"] == "MethodNotAllowed"
    assert upstream.calls == []
    status, _ = live.raw("/version", method="POST")
    assert status == 405 and upstream.calls == []


def _raw_with_head(live, path: str, method: str) -> tuple[int, str, dict]:
    with socket.create_connection((live.host, live.port), timeout=10) as sock:
        sock.sendall(f"{method} {path} HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.decode("latin-1").partition("\r\n\r\n")
    lines = head.split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split(" ")[1]), headers.get("Allow", ""), json.loads(body)


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "BREW"])
def test_unknown_methods_get_the_table_s_answer(live, upstream, method):
    status, allow, body = _raw_with_head(live, "/apis/events.k8s.io/v1/namespaces/x/events", method)
    assert (status, allow, body["reason"]) == (405, "GET, HEAD", "MethodNotAllowed")
    status, allow, body = _raw_with_head(live, "/api/v1/namespaces/default/secrets", method)
    assert (status, allow, body["reason"]) == (404, "", "NotFound")
    assert upstream.calls == []
