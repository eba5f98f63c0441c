"""Retries against an upstream that fails on purpose: only idempotent calls are repeated,
Retry-After is honoured, the budget bounds it all, and a stream is never replayed."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest
from werkzeug.wrappers import Response

from tests.support.fake_upstream import failing, json_answer
from tests.support.live_server import make_app
from tests.support.waiting import free_port
from v2proxy.forwarder import Forwarder
from v2proxy.messages import ProxyRequest
from v2proxy.retry import RetryPolicy, is_idempotent, next_delay, retry_after_seconds

RC = "/apis/ray.io/v1/namespaces/x/rayclusters"
FAST = {"retry_backoff": 0.01, "retry_max": 3, "retry_budget": 10.0}


def client(upstream_url: str, **settings):
    return make_app(upstream_url, **{**FAST, **settings}).test_client()


def test_get_is_retried_until_it_succeeds(upstream):
    upstream.reset(failing(2))
    response = client(upstream.url).get(RC)
    assert response.status_code == 200
    assert response.get_json()["attempt"] == 3
    assert len(upstream.calls) == 3


@pytest.mark.parametrize("content_type", ["application/json", "application/yaml"])
def test_a_put_nested_too_deep_to_read_is_sent_once_not_a_500(upstream, content_type):
    upstream.reset(failing(5, 503))
    deep = b"[" * 100_000 + b"]" * 100_000
    assert is_idempotent("PUT", deep, content_type) is False
    response = client(upstream.url).put(RC + "/a/status", data=deep, content_type=content_type)
    assert response.status_code == 503
    assert len(upstream.calls) == 1


@pytest.mark.parametrize("method", ["POST", "PATCH", "DELETE"])
def test_non_idempotent_requests_are_never_retried(upstream, method):
    upstream.reset(failing(5, 503))
    response = client(upstream.url).open(
        RC + ("" if method == "POST" else "/a"),
        method=method,
        data=b"{}",
        content_type="application/merge-patch+json" if method == "PATCH" else "application/json",
    )
    assert response.status_code == 503
    assert response.get_json()["message"] == "attempt 1 failed"
    assert len(upstream.calls) == 1


def test_put_is_retried_only_with_a_resource_version(upstream):
    body = {"apiVersion": "ray.io/v1", "kind": "RayCluster", "metadata": {"name": "a"}}
    upstream.reset(failing(1, 502))
    response = client(upstream.url).put(RC + "/a/status", json=body)
    assert response.status_code == 502 and len(upstream.calls) == 1

    body["metadata"]["resourceVersion"] = "41"
    upstream.reset(failing(1, 502))
    response = client(upstream.url).put(RC + "/a/status", json=body)
    assert response.status_code == 200 and len(upstream.calls) == 2
    assert json.loads(upstream.calls[1].body) == body  # replayed byte for byte


def test_retry_after_is_honoured(upstream):
    upstream.reset(failing(1, 429, {"Retry-After": "1"}))
    response = client(upstream.url).get(RC)
    assert response.status_code == 200
    first, second = upstream.calls
    assert second.at - first.at >= 1.0


def test_exhausted_retries_return_the_last_upstream_status(upstream):
    upstream.reset(failing(100, 503))
    response = client(upstream.url, retry_max=2).get(RC)
    assert response.status_code == 503
    assert response.get_json()["message"] == "attempt 3 failed"
    assert len(upstream.calls) == 3


def test_a_retry_after_beyond_the_budget_is_not_waited_for(upstream):
    upstream.reset(failing(100, 429, {"Retry-After": "30"}))
    response = client(upstream.url, retry_budget=1.0).get(RC)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "30"  # the caller can wait for itself
    assert len(upstream.calls) == 1


def test_client_errors_are_not_retried(upstream):
    upstream.reset(failing(5, 404))
    assert client(upstream.url).get(RC + "/missing").status_code == 404
    assert len(upstream.calls) == 1


def test_unreachable_upstream_is_502_status_naming_the_cause():
    url = f"http://127.0.0.1:{free_port()}"
    response = client(url, retry_max=1).get(RC)
    assert response.status_code == 502
    status = response.get_json()
    assert status["kind"] == "Status" and status["code"] == 502
    assert status["message"].startswith(f"upstream unreachable: {url}")
    assert "refused" in status["message"].lower()


def test_slow_upstream_is_504_status(upstream):
    def slow(call, number):
        time.sleep(1.0)
        return json_answer(200)

    upstream.reset(slow)
    response = client(upstream.url, read_timeout=0.2, retry_max=0).get(RC)
    assert response.status_code == 504
    assert response.get_json()["reason"] == "Timeout"
    assert "timed out" in response.get_json()["message"]


def test_a_watch_whose_upstream_never_answers_is_504_status(upstream):
    release = threading.Event()

    def never_answers(call, number):
        release.wait(20)
        return json_answer(200)

    upstream.reset(never_answers)
    try:
        response = client(upstream.url, read_timeout=0.2, retry_max=0).get(RC + "?watch=true")
    finally:
        release.set()
    assert response.status_code == 504
    assert response.get_json()["reason"] == "Timeout"


def test_a_watch_stays_open_past_the_read_timeout_once_its_headers_came(upstream):
    def slow_events(call, number):
        def events():
            yield b""
            time.sleep(1.0)
            yield b'{"type":"ADDED","object":{}}\n'

        return Response(events(), content_type="application/json")

    upstream.reset(slow_events)
    response = client(upstream.url, read_timeout=0.2, retry_max=0).get(RC + "?watch=true")
    assert response.status_code == 200
    assert response.get_data() == b'{"type":"ADDED","object":{}}\n'


class DropFirstConnection:
    """A raw TCP upstream that closes its first connection without answering (a reset the
    way a restarting API server looks), then answers 200."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                conn.recv(65536)
                if self.connections > 1:
                    conn.sendall(
                        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                        b'Content-Length: 12\r\nConnection: close\r\n\r\n{"ok": true}'
                    )

    def close(self):
        self.sock.close()


def test_connection_failures_of_a_get_are_retried():
    upstream = DropFirstConnection()
    try:
        response = client(upstream.url).get(RC)
        assert response.status_code == 200
        assert response.get_json() == {"ok": True}
        assert upstream.connections == 2
    finally:
        upstream.close()


def test_a_watch_is_never_replayed_once_bytes_were_sent(upstream, serve_app):
    import requests

    def breaks_mid_stream(call, number):
        def events():
            yield b'{"type": "ADDED", "object": {"metadata": {"name": "one"}}}\n'
            raise ConnectionResetError("upstream went away")

        return Response(events(), content_type="application/json")

    upstream.reset(breaks_mid_stream)
    live = serve_app(make_app(upstream.url, **FAST))
    received = b""
    with requests.get(live.url + RC + "?watch=true", stream=True, timeout=10) as response:
        assert response.status_code == 200
        try:
            for chunk in response.iter_content(chunk_size=None):
                received += chunk
        except requests.RequestException:
            pass  # the cut stream shows as a broken chunked body: the truthful outcome
    assert b'"one"' in received
    assert len(upstream.calls) == 1


def test_an_idle_watch_has_no_read_timeout(upstream, serve_app):
    import requests

    def slow_events(call, number):
        def events():
            yield b'{"type": "ADDED", "object": {"metadata": {"name": "one"}}}\n'
            time.sleep(1.0)  # idle for five read timeouts
            yield b'{"type": "ADDED", "object": {"metadata": {"name": "two"}}}\n'

        return Response(events(), content_type="application/json")

    upstream.reset(slow_events)
    live = serve_app(make_app(upstream.url, read_timeout=0.2, retry_max=0))
    with requests.get(live.url + RC + "?watch=1", stream=True, timeout=10) as response:
        names = [json.loads(line)["object"]["metadata"]["name"] for line in response.iter_lines()]
    assert names == ["one", "two"]


# The policy itself: pure functions.


def test_idempotency_rules():
    assert is_idempotent("GET", None, None) and is_idempotent("HEAD", None, None)
    assert not is_idempotent("POST", b"{}", "application/json")
    assert not is_idempotent("PUT", b'{"metadata": {"name": "a"}}', "application/json")
    assert is_idempotent("PUT", b'{"metadata": {"resourceVersion": "7"}}', "application/json")
    assert is_idempotent("PUT", b"metadata:\n  resourceVersion: '7'\n", "application/yaml")
    assert not is_idempotent("PUT", b"not json", "application/json")


def test_retry_after_forms():
    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412490.0) == 0.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def test_backoff_grows_with_jitter_and_stops_at_the_budget():
    policy = RetryPolicy(max_retries=3, backoff=0.5, budget=30.0)
    assert next_delay(policy, 0, None, 0.0, rng=lambda: 0.0) == 0.25
    assert next_delay(policy, 0, None, 0.0, rng=lambda: 1.0) == 0.5
    assert next_delay(policy, 2, None, 0.0, rng=lambda: 1.0) == 2.0
    assert next_delay(policy, 3, None, 0.0) is None  # no retries left
    assert next_delay(policy, 0, "20", 0.0) == 20.0
    assert next_delay(policy, 0, "20", 15.0) is None  # would end past the budget


def _forwarder(url: str) -> Forwarder:
    from bridge.core.upstream import Upstream

    return Forwarder(Upstream("url", url), retry=RetryPolicy(max_retries=3, backoff=0.01, budget=10.0))


def test_a_request_marked_not_to_retry_is_sent_once_even_a_get(upstream):
    """v1 job-submission calls to a Ray dashboard go through the pipeline with retry=False."""
    upstream.reset(failing(5, 503))
    response = _forwarder(upstream.url)(ProxyRequest("GET", RC, retry=False))
    assert response.status == 503
    assert len(upstream.calls) == 1


def test_a_requests_own_read_timeout_replaces_the_forwarders(upstream):
    release = threading.Event()

    def slow(call, number):
        release.wait(10)
        return json_answer(200)

    upstream.reset(slow)
    try:
        response = _forwarder(upstream.url)(ProxyRequest("GET", RC, read_timeout=0.2, retry=False))
    finally:
        release.set()
    assert response.status == 504
    assert response.json()["reason"] == "Timeout"
