"""Bad input through a real gunicorn (its own body readers and limits) in front of a recording
upstream: a body of exactly the limit passes, a broken chunk framing is a 400 that reaches
nothing, and a broken upstream watch costs one log line, not a traceback."""

from __future__ import annotations

import json

import pytest
import requests
from werkzeug.wrappers import Response

from tests.support.fuzzing import RawRequest, send
from tests.support.waiting import wait_until

RC = "/apis/ray.io/v1/namespaces/x/rayclusters"
V1_TEMPLATES = "/apis/v1/namespaces/x/compute_templates"
LIMIT = 4096


@pytest.fixture(scope="module")
def bridge(start_bridge, fake_upstream):
    return start_bridge("--upstream", fake_upstream.url, "--workers", "1", "--max-body-bytes", str(LIMIT))


def padded_to(size: int) -> bytes:
    body = json.dumps({"name": "t", "namespace": "x", "cpu": 1, "memory": 1, "metadata": {"name": "t"}})
    return body[:-1].encode() + b" " * (size - len(body)) + b"}"


@pytest.mark.parametrize("path", [RC, V1_TEMPLATES])
def test_a_body_of_exactly_the_limit_is_accepted_behind_gunicorn(bridge, upstream, path):
    headers = ["Content-Type: application/json"]
    status, _, _ = send(bridge.port, RawRequest("POST", path, headers, padded_to(LIMIT), "length"))
    assert status != 413
    status, _, body = send(bridge.port, RawRequest("POST", path, headers, padded_to(LIMIT + 1), "length"))
    assert status == 413


@pytest.mark.parametrize("path", [RC, V1_TEMPLATES])
def test_an_invalid_chunk_size_line_is_a_400_behind_gunicorn_and_nothing_reaches_the_upstream(
    bridge, upstream, path
):
    request = RawRequest("POST", path, ["Content-Type: application/json"], b'{"metadata": {}}', "bad-chunk")
    status, _, body = send(bridge.port, request)
    assert status == 400
    assert "malformed request body" in json.loads(body)["message"]
    assert upstream.calls == []


def test_a_broken_upstream_watch_is_one_log_line_not_a_traceback(bridge, upstream):
    def broken_watch(call, number):
        def events():
            yield b'{"type": "ADDED", "object": {"metadata": {"name": "one"}}}\n'
            raise ConnectionResetError("the upstream went away")

        return Response(events(), mimetype="application/json")

    upstream.reset(broken_watch)
    with pytest.raises(requests.RequestException):
        with requests.get(bridge.url + RC + "?watch=true", stream=True, timeout=10) as response:
            for _ in response.iter_content(None):
                pass
    assert wait_until(lambda: "upstream stream broke" in bridge.log(), 10)
    assert "Traceback" not in bridge.log()


@pytest.mark.parametrize(
    ("path", "dialect"),
    [("/apis/v1/namespaces/x/clusters", "v1"), ("/", "v1"), (RC, "v2"), ("/version", "v2")],
)
def test_gunicorns_own_refusals_answer_in_the_dialect_of_the_path(bridge, path, dialect):
    status, _, body = send(bridge.port, RawRequest("GET", path, ["Bad Header"], b"", "length"))
    answer = json.loads(body)
    assert status == 400
    if dialect == "v1":
        assert answer["code"] == 3 and "Invalid HTTP Header" in answer["message"]
        assert set(answer) == {"code", "message"}
    else:
        assert answer["kind"] == "Status" and answer["code"] == 400
