"""The app's own answers: Status errors (never HTML or a traceback), probes, the JSON request
log line, user-registered error dialects and CORS."""

from __future__ import annotations

import json
import logging

import pytest
from flask import Response

from bridge.core.errors import register_error_renderer
from bridge.core.logs import JSONFormatter
from tests.support.fake_upstream import failing
from tests.support.live_server import make_app
from tests.support.metrics import sample
from tests.support.waiting import free_port

RC = "/apis/ray.io/v1/namespaces/x/rayclusters"


class Records(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def records():
    handler = Records()
    logger = logging.getLogger("kuberay_bridge")
    logger.addHandler(handler)
    yield handler.records
    logger.removeHandler(handler)


@pytest.mark.parametrize(
    "path",
    [
        "/apis/nothing",
        "/apis/ray.io/v1beta1/rayclusters",
        "/metrics/../x",
        "/api/v2",
        "/openapi/v2",
        "/APIS/x",
    ],
)
def test_unknown_kubernetes_paths_are_404_status_json(upstream, path):
    response = make_app(upstream.url).test_client().get(path)
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    status = response.get_json()
    assert status["kind"] == "Status" and status["apiVersion"] == "v1"
    assert status["status"] == "Failure" and status["reason"] == "NotFound" and status["code"] == 404


@pytest.mark.parametrize("path", ["/", "/nothing", "/swagger-ui2/", "/apisx"])
def test_paths_outside_both_surfaces_are_404_in_the_v1_format(upstream, path):
    """The Go server mounted the v1 gateway on "/": ``curl localhost:31888/`` is a v1 404."""
    response = make_app(upstream.url).test_client().get(path)
    assert response.status_code == 404
    assert response.get_json() == {"code": 5, "message": "Not Found"}
    assert "Deprecation" not in response.headers  # not a v1 API call either
    assert upstream.calls == []


def test_wrong_method_is_405_status(upstream):
    response = make_app(upstream.url).test_client().post("/apis/ray.io")
    assert response.status_code == 405
    assert response.get_json()["reason"] == "MethodNotAllowed"
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "HEAD"}


def test_unexpected_errors_are_500_status_naming_the_request_id(upstream, records):
    def broken(request, call_next):
        raise RuntimeError("secret detail from deep inside")

    response = (
        make_app(upstream.url, middlewares=[broken]).test_client().get(RC, headers={"X-Request-Id": "req-77"})
    )
    assert response.status_code == 500
    status = response.get_json()
    assert status["kind"] == "Status" and status["reason"] == "InternalError"
    assert "req-77" in status["message"]
    assert b"secret detail" not in response.data and b"Traceback" not in response.data
    logged = [r for r in records if r.name == "kuberay_bridge.errors"]
    assert logged and "req-77" in logged[0].getMessage() and logged[0].exc_info
    assert upstream.calls == []


def test_a_blueprint_can_render_errors_in_its_own_dialect(upstream):
    app = make_app(upstream.url)

    def legacy(code: int, message: str) -> Response:
        return Response(json.dumps({"code": code}), code, mimetype="application/json")

    register_error_renderer(app, "/apis/legacy", legacy)
    client = app.test_client()
    assert client.get("/apis/legacy/thing").get_json() == {"code": 404}
    assert client.get("/apis/legacyish").get_json()["kind"] == "Status"


def test_healthz_and_readyz(upstream):
    client = make_app(upstream.url).test_client()
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json() == {"status": "ready", "upstream": {"mode": "url", "url": upstream.url}}
    assert upstream.paths() == ["/version"]


def test_readyz_is_503_naming_the_cause_when_the_upstream_is_down():
    url = f"http://127.0.0.1:{free_port()}"
    response = make_app(url).test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["reason"] == "ServiceUnavailable"
    assert body["upstream"] == {"mode": "url", "url": url}
    assert "upstream unreachable" in body["message"]


def test_readyz_follows_the_upstream_going_away_and_coming_back(upstream):
    import time

    from bridge.core.health import CACHE_SECONDS

    client = make_app(upstream.url).test_client()
    assert client.get("/readyz").status_code == 200
    upstream.reset(lambda call, number: Response("down", status=503))
    time.sleep(CACHE_SECONDS + 0.1)  # past the answer the probe remembers
    down = client.get("/readyz")
    assert down.status_code == 503 and "answered 503" in down.get_json()["message"]
    upstream.reset()
    time.sleep(CACHE_SECONDS + 0.1)
    assert client.get("/readyz").status_code == 200


def test_one_json_log_line_per_request(upstream, records):
    response = make_app(upstream.url).test_client().get(RC, headers={"X-Request-Id": "log-1"})
    response.close()
    lines = [r for r in records if r.name == "kuberay_bridge.requests"]
    assert len(lines) == 1
    entry = json.loads(JSONFormatter().format(lines[0]))
    assert entry["request_id"] == "log-1"
    assert entry["method"] == "GET" and entry["path"] == RC
    assert entry["dialect"] == "v2" and entry["route"] == "ray"
    assert entry["status"] == 200 and entry["upstream_status"] == 200
    assert entry["duration_ms"] >= 0 and entry["level"] == "info" and entry["ts"]


@pytest.mark.parametrize(
    "path, dialect",
    [
        ("/apis/v1/namespaces/default/compute_templates/t", "v1"),
        ("/apis/v1/no-such-route", "v1"),
        ("/apis/ray.io/v1/rayclusters", "v2"),
        ("/openapi/v3", "v2"),  # discovery is the v2 surface's, by its matched route
        ("/healthz", "other"),
    ],
)
def test_the_log_line_names_the_dialect(upstream, records, path, dialect):
    """Operators find who still calls v1 by this field."""
    make_app(upstream.url).test_client().get(path).close()
    lines = [r for r in records if r.name == "kuberay_bridge.requests"]
    assert json.loads(JSONFormatter().format(lines[-1]))["dialect"] == dialect


def test_cors_when_configured(upstream):
    client = make_app(upstream.url, cors_origins=["https://ui.example"]).test_client()
    preflight = client.options(
        RC,
        headers={
            "Origin": "https://ui.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://ui.example"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    response = client.get(RC, headers={"Origin": "https://ui.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "https://ui.example"
    assert "Warning" in response.headers["Access-Control-Expose-Headers"]
    other = client.get(RC, headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    assert all(call.method != "OPTIONS" for call in upstream.calls)


def test_no_cors_headers_by_default(upstream):
    response = make_app(upstream.url).test_client().get(RC, headers={"Origin": "https://ui.example"})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_metrics_count_requests_by_route_and_retries(upstream):
    client = make_app(upstream.url, retry_backoff=0.01).test_client()
    labels = {"dialect": "v2", "route": "ray", "method": "GET", "code": "200"}
    before = client.get("/metrics").get_data(as_text=True)
    upstream.reset(failing(2))
    client.get(RC).close()
    client.get(RC).close()
    after = client.get("/metrics")
    assert after.mimetype == "text/plain"
    text = after.get_data(as_text=True)
    requests_total = "kuberay_bridge_requests_total"
    assert sample(text, requests_total, **labels) - sample(before, requests_total, **labels) == 2
    retries = "kuberay_bridge_upstream_retries_total"
    assert sample(text, retries, route="ray") - sample(before, retries, route="ray") == 2


def test_options_names_the_methods_of_the_route_and_is_never_forwarded(upstream):
    client = make_app(upstream.url).test_client()
    events = client.options("/apis/events.k8s.io/v1/namespaces/x/events")
    assert events.status_code == 204
    assert events.headers["Allow"] == "GET, HEAD, OPTIONS"
    assert "Content-Type" not in events.headers and events.data == b""
    ray = client.options(RC)
    assert ray.headers["Allow"] == "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"
    for outside in ("/api/v1/namespaces/default/secrets", "/apis/ray.io/v1/%2e%2e/x"):
        refused = client.options(outside)
        assert refused.status_code == 404, outside
        assert refused.get_json()["reason"] == "NotFound"
    assert upstream.calls == []
