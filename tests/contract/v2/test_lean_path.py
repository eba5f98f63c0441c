"""The lean path (``v2proxy.lean``) answers a GET of a ray.io resource exactly as the Flask
path does: same status line, headers and body to the client, same headers upstream, same log
line; everything it does not serve, or would refuse, reaches the Flask path."""

from __future__ import annotations

import logging

import pytest
from flask import request_started
from werkzeug.wrappers import Response

from tests.support.live_server import make_app
from v2proxy.lean import LeanReads

RC = "/apis/ray.io/v1/namespaces/x/rayclusters"
CALLER_HEADERS = {
    "X-Request-Id": "lean-1",
    "User-Agent": "kubectl/v1.32 (linux/amd64)",
    "Accept": "application/json",
    "Authorization": "Bearer caller-token",
    "X-Forwarded-For": "6.6.6.6",
    "Impersonate-User": "admin",
    "X-HTTP-Method-Override": "DELETE",
    "Connection": "keep-alive, X-Hop",
    "X-Hop": "dropped",
    "Via": "1.1 some-proxy",
}


class Records(logging.Handler):
    def __init__(self):
        super().__init__()
        self.fields: list[dict] = []

    def emit(self, record):
        if record.name == "kuberay_bridge.requests":
            self.fields.append(dict(record.fields))


@pytest.fixture
def log_lines():
    handler = Records()
    logger = logging.getLogger("kuberay_bridge")
    logger.addHandler(handler)
    yield handler.fields
    logger.removeHandler(handler)


def _flask_requests(app) -> list[bool]:
    """Grows by one for every request the Flask path takes (Flask's ``request_started``)."""
    seen: list[bool] = []

    def note(sender, **extra):
        seen.append(True)

    request_started.connect(note, app, weak=False)
    return seen


def _lean(app) -> LeanReads:
    assert isinstance(app.wsgi_app, LeanReads)
    return app.wsgi_app


def _exchange(upstream, log_lines, enabled: bool, target: str, **settings):
    """What the client got, what the upstream got and the log line, lean path on or off."""
    app = make_app(upstream.url, **settings)
    _lean(app).enabled = enabled
    upstream.reset(_answer)
    response = app.test_client().get(target, headers=CALLER_HEADERS)
    body = response.get_data()
    response.close()
    (call,) = upstream.calls
    (line,) = log_lines[-1:]
    log_lines.clear()
    line.pop("duration_ms")
    own_via = _lean(app).state.hops.via  # each app is a bridge instance of its own
    sent = [(name, value.replace(own_via, "BRIDGE")) for name, value in call.headers.items()]
    headers = [(name, value) for name, value in response.headers.items() if name != "Date"]  # the clock's
    return (response.status, headers, body), (call.raw_uri, sent), line


def _answer(call, number):
    response = Response(b'{"kind":"RayClusterList","items":[]}', status=200)
    response.headers["Content-Type"] = "application/json"
    response.headers["Audit-Id"] = "a-1"
    response.headers["X-Request-Id"] = "upstream-says"
    response.headers["Keep-Alive"] = "timeout=5"
    return response


@pytest.mark.parametrize(
    "target",
    [RC, RC + "/a", RC + "?labelSelector=a%3Db&limit=5", "/apis/ray.io/v1/rayjobs?token=secret"],
)
@pytest.mark.parametrize("auth_mode", ["none", "passthrough"])
def test_lean_and_flask_paths_answer_the_same(upstream, log_lines, target, auth_mode):
    flask = _exchange(upstream, log_lines, False, target, auth_mode=auth_mode)
    lean = _exchange(upstream, log_lines, True, target, auth_mode=auth_mode)
    assert lean == flask


def test_a_watch_through_the_lean_path_is_logged_as_a_stream(upstream, log_lines):
    _client, (raw_uri, _sent), line = _exchange(upstream, log_lines, True, RC + "?watch=true")
    assert raw_uri == RC + "?watch=true"
    assert line["stream"] is True and line["route"] == "ray"


def test_the_lean_path_serves_ray_gets_without_flask(upstream):
    app = make_app(upstream.url)
    hooks_ran = _flask_requests(app)
    client = app.test_client()
    assert client.get(RC).status_code == 200
    assert hooks_ran == []
    assert client.get("/apis/ray.io/v1").status_code == 200  # discovery: the Flask path
    assert hooks_ran == [True]


@pytest.mark.parametrize(
    "method, target, headers",
    [
        ("GET", "/apis/ray.io/v1/namespaces/x/configmaps/../secrets", {}),  # refused path
        ("GET", "/apis/ray.io/v1/namespaces//rayclusters", {}),  # empty segment
        ("GET", RC, {"Via": "OWN"}),  # a loop: this bridge's own Via entry
        ("POST", RC, {}),
        ("GET", RC, {"Content-Type": "application/json"}),  # a GET with a body
    ],
)
def test_what_the_lean_path_does_not_serve_reaches_flask(upstream, method, target, headers):
    app = make_app(upstream.url)
    if headers.get("Via") == "OWN":
        headers = {"Via": _lean(app).state.hops.via}
    hooks_ran = _flask_requests(app)
    app.test_client().open(
        target,
        method=method,
        headers=headers,
        data=b"{}" if method == "POST" or headers.get("Content-Type") else None,
    )
    assert hooks_ran == [True]


def test_a_refused_caller_gets_the_flask_paths_answer(upstream, tmp_path):
    tokens = tmp_path / "tokens"
    tokens.write_text("good\n")
    app = make_app(upstream.url, auth_mode="token", token_file=str(tokens))
    client = app.test_client()
    refused = client.get(RC, headers={"Authorization": "Bearer bad"})
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"].lower().startswith("bearer")
    assert refused.get_json()["kind"] == "Status"
    assert client.get(RC, headers={"Authorization": "Bearer good"}).status_code == 200
    assert [call.path for call in upstream.calls] == [RC]


def test_a_named_token_is_the_same_identity_on_both_paths(upstream, log_lines, tmp_path):
    tokens = tmp_path / "tokens"
    tokens.write_text("caller-token,alice\n")
    settings = {"auth_mode": "token", "token_file": str(tokens)}
    flask = _exchange(upstream, log_lines, False, RC, **settings)
    lean = _exchange(upstream, log_lines, True, RC, **settings)
    assert lean == flask
    assert lean[2]["identity"] == "alice"
    assert "caller-token" not in str(lean[2])
