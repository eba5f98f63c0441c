"""What a client sees through the proxy: bytes, status codes and end-to-end headers exactly as
Kubernetes sent them, streams delivered as they arrive, and the caller's headers cleaned."""

from __future__ import annotations

import gzip
import json
import threading

import pytest
import requests
from werkzeug.wrappers import Response

from tests.support.live_server import make_app
from v2proxy.forwarder import is_stream
from v2proxy.messages import ProxyRequest

RC = "/apis/ray.io/v1/namespaces/x/rayclusters"


@pytest.fixture(scope="module")
def bridge_url(fake_upstream):
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, make_app(fake_upstream.url, max_body_bytes=4096), threaded=True)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_status_body_and_end_to_end_headers_pass_unchanged(bridge_url, upstream):
    conflict = {"kind": "Status", "code": 409, "reason": "AlreadyExists", "message": "exists"}
    body = json.dumps(conflict, indent=3).encode()

    def answer(call, number):
        response = Response(body, status=409, content_type="application/json;charset=utf-8")
        response.headers.add("Warning", '299 - "unknown field \\"spec.foo\\""')
        response.headers.add("Warning", '299 - "second warning"')
        response.headers["Audit-Id"] = "1b3c-audit"
        response.headers["X-Custom-Upstream"] = "kept"
        return response

    upstream.reset(answer)
    response = requests.post(bridge_url + RC + "/a/status", data=b"{}", timeout=10)
    assert response.status_code == 409
    assert response.content == body
    assert response.headers["Content-Type"] == "application/json;charset=utf-8"
    assert response.raw.headers.getlist("Warning") == [
        '299 - "unknown field \\"spec.foo\\""',
        '299 - "second warning"',
    ]
    assert response.headers["Audit-Id"] == "1b3c-audit"
    assert response.headers["X-Custom-Upstream"] == "kept"


def test_compressed_bodies_pass_through_compressed(bridge_url, upstream):
    plain = json.dumps({"kind": "RayClusterList", "items": [{"n": i} for i in range(200)]}).encode()
    packed = gzip.compress(plain)
    upstream.reset(
        lambda call, n: Response(
            packed, headers={"Content-Encoding": "gzip"}, content_type="application/json"
        )
    )
    response = requests.get(bridge_url + RC, headers={"Accept-Encoding": "gzip"}, stream=True, timeout=10)
    raw = response.raw.read(decode_content=False)
    assert raw == packed
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.headers["Content-Length"] == str(len(packed))
    assert upstream.calls[0].headers["Accept-Encoding"] == "gzip"


def test_caller_headers_are_cleaned_and_forwarded_headers_set(bridge_url, upstream):
    requests.get(
        bridge_url + RC,
        headers={
            "Host": "bridge.example:8443",
            "X-Forwarded-For": "6.6.6.6",
            "X-Forwarded-Host": "evil.example",
            "X-Forwarded-Proto": "https",
            "Forwarded": "for=6.6.6.6",
            "X-Remote-User": "admin",
            "Impersonate-User": "admin",
            "Impersonate-Group": "system:masters",
            "Impersonate-Extra-Scopes": "all",
            "Connection": "keep-alive, X-Secret-Hop",
            "X-Secret-Hop": "1",
            "Keep-Alive": "timeout=5",
            "TE": "trailers",
            "Proxy-Authorization": "Basic eDp5",
            "Expect": "100-continue",
            "Authorization": "Bearer caller-token",
            "X-HTTP-Method-Override": "DELETE",
            "X-HTTP-Method": "DELETE",
            "X-Method-Override": "DELETE",
            "X-Original-URL": "/api/v1/namespaces/default/secrets",
            "X-Rewrite-URL": "/api/v1/namespaces/default/secrets",
            "Accept": "application/json;as=Table;v=v1;g=meta.k8s.io",
            "User-Agent": "kubectl/v1.32.0",
        },
        timeout=10,
    )
    received = upstream.calls[0].headers
    names = {name.lower() for name, _ in received.items()}
    for dropped in (
        "forwarded",
        "x-remote-user",
        "impersonate-user",
        "impersonate-group",
        "impersonate-extra-scopes",
        "x-secret-hop",
        "keep-alive",
        "te",
        "proxy-authorization",
        "expect",  # the bridge answers the expectation itself
        "authorization",  # auth_mode none: the caller's token is not the bridge's to pass on
        "x-http-method-override",  # would turn an allowed method into one the table refused
        "x-http-method",
        "x-method-override",
        "x-original-url",  # would rewrite the path behind the allowlist's back
        "x-rewrite-url",
    ):
        assert dropped not in names, dropped
    assert received["X-Forwarded-For"] == "127.0.0.1"
    assert received["X-Forwarded-Host"] == "bridge.example:8443"
    assert received["X-Forwarded-Proto"] == "http"
    assert received["Accept"] == "application/json;as=Table;v=v1;g=meta.k8s.io"
    assert received["User-Agent"] == "kubectl/v1.32.0"
    assert received["Host"] != "bridge.example:8443"


def test_request_id_is_honoured_echoed_and_sent_upstream(bridge_url, upstream):
    response = requests.get(bridge_url + RC, headers={"X-Request-Id": "trace-42"}, timeout=10)
    assert response.headers["X-Request-Id"] == "trace-42"
    assert upstream.calls[-1].headers["X-Request-Id"] == "trace-42"
    generated = requests.get(bridge_url + RC, headers={"X-Request-Id": "bad id\x7f"}, timeout=10)
    request_id = generated.headers["X-Request-Id"]
    assert request_id and request_id != "bad id\x7f"
    assert upstream.calls[-1].headers["X-Request-Id"] == request_id


def test_watch_events_reach_the_client_while_the_upstream_stream_is_open(bridge_url, upstream):
    release = threading.Event()

    def watch(call, number):
        def events():
            yield json.dumps({"type": "ADDED", "object": {"metadata": {"name": "one"}}}).encode() + b"\n"
            release.wait(10)
            yield json.dumps({"type": "ADDED", "object": {"metadata": {"name": "two"}}}).encode() + b"\n"

        return Response(events(), content_type="application/json")

    upstream.reset(watch)
    try:
        with requests.get(bridge_url + RC + "?watch=true", stream=True, timeout=10) as response:
            lines = response.iter_lines()
            first = json.loads(next(lines))
            assert first["object"]["metadata"]["name"] == "one"
            assert not release.is_set()  # the upstream is still holding the stream open
            release.set()
            second = json.loads(next(lines))
            assert second["object"]["metadata"]["name"] == "two"
    finally:
        release.set()


def test_chunked_request_body_is_sent_upstream_whole_once_its_framing_is_checked(bridge_url, upstream):
    parts = [b'{"metadata": ', b'{"annotations": ', b'{"a": "b"}}}']
    response = requests.patch(
        bridge_url + RC + "/a",
        data=iter(parts),
        headers={"Content-Type": "application/merge-patch+json"},
        timeout=10,
    )
    assert response.status_code == 200
    call = upstream.calls[0]
    assert call.method == "PATCH"
    assert call.body == b"".join(parts)
    assert call.headers.get("Transfer-Encoding") is None
    assert call.headers["Content-Length"] == str(len(call.body))
    assert call.headers["Content-Type"] == "application/merge-patch+json"


def test_body_over_the_limit_is_413_status(bridge_url, upstream):
    response = requests.patch(
        bridge_url + RC + "/a",
        data=b"x" * 5000,
        headers={"Content-Type": "application/merge-patch+json"},
        timeout=10,
    )
    assert response.status_code == 413
    assert response.json()["kind"] == "Status"
    assert response.json()["reason"] == "RequestEntityTooLarge"
    assert upstream.calls == []


def test_chunked_body_over_the_limit_is_413_and_never_arrives_whole(bridge_url, upstream):
    chunks = [b"y" * 1000] * 6
    response = requests.patch(
        bridge_url + RC + "/a",
        data=iter(chunks),
        headers={"Content-Type": "application/merge-patch+json"},
        timeout=10,
    )
    assert response.status_code == 413
    assert response.json()["reason"] == "RequestEntityTooLarge"
    assert all(len(call.body) < 6000 for call in upstream.calls)


@pytest.mark.parametrize("chunked", [False, True])
def test_a_yaml_body_over_the_yaml_limit_is_413_where_json_passes(upstream, serve_app, chunked):
    url = serve_app(make_app(upstream.url, max_yaml_body_bytes=2048)).url + RC + "/a"
    body = b"metadata: {name: a}\nspec: {x: '" + b"y" * 3000 + b"'}\n"
    data = iter([body[:1000], body[1000:]]) if chunked else body
    response = requests.put(url, data=data, headers={"Content-Type": "application/yaml"}, timeout=10)
    assert response.status_code == 413
    assert response.json()["reason"] == "RequestEntityTooLarge"
    assert upstream.calls == []
    as_json = {"metadata": {"name": "a"}, "spec": {"x": "y" * 3000}}
    assert requests.put(url, json=as_json, timeout=10).status_code == 200


def test_empty_bodied_responses_keep_their_headers(bridge_url, upstream):
    upstream.reset(lambda call, n: Response(b"", status=204))
    response = requests.delete(bridge_url + RC + "/a", timeout=10)
    assert response.status_code == 204
    assert response.content == b""
    assert "text/html" not in response.headers.get("Content-Type", "")


@pytest.mark.parametrize(
    "query, route, streams",
    [
        ([("watch", "true")], "ray", True),
        ([("watch", "1")], "ray", True),
        ([("watch", "")], "ray", True),  # ?watch alone is a watch for the API server
        ([("watch", "yes")], "ray", True),
        ([("watch", "FALSE")], "ray", False),
        ([("watch", "0")], "ray", False),
        ([("watch", "false"), ("watch", "true")], "ray", False),  # the first value counts
        ([], "ray", False),
        ([("follow", "true")], "service-proxy", True),
        ([("follow", "true")], "ray", False),
    ],
)
def test_what_counts_as_a_stream_matches_the_api_server(query, route, streams):
    """A stream gets no read timeout and is never replayed; deciding it differently from
    the API server would cut an idle ``?watch=yes`` watch after read_timeout."""
    request = ProxyRequest("GET", "/apis/ray.io/v1/rayclusters", query=query, route=route)
    assert is_stream(request) is streams
