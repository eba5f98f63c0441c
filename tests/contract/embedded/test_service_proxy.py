"""``services/NAME[:PORT]/proxy/...`` reaches a fake Ray dashboard on loopback, streaming."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from bridge.embedded.errors import ApiError
from bridge.embedded.svcproxy import resolve, split_target
from tests.support.waiting import free_port


class FakeDashboard:
    """A tiny Ray-dashboard stand-in that records what reached it."""

    def __init__(self) -> None:
        self.seen: list[dict] = []
        self.release = threading.Event()  # lets /stream send its second chunk
        self._server = make_server("127.0.0.1", 0, self, threaded=True)
        self.port = self._server.server_port
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __call__(self, environ: dict, start_response) -> Iterator[bytes]:
        request = Request(environ)
        body = request.get_data()
        self.seen.append(
            {
                "method": request.method,
                "path": request.path,
                "query": request.query_string.decode(),
                "headers": dict(request.headers),
                "body": body,
            }
        )
        if request.path == "/stream":
            return Response(self._chunks(), mimetype="text/plain")(environ, start_response)
        if request.path == "/api/jobs/" and request.method == "POST":
            answer = {"submitted": json.loads(body), "contentType": request.content_type}
            return Response(
                json.dumps(answer), status=200, mimetype="application/json", headers={"X-Dashboard": "yes"}
            )(environ, start_response)
        if request.path == "/api/jobs/":
            return Response(
                json.dumps([{"job_id": "raysubmit_1"}]),
                mimetype="application/json",
                headers={"X-Dashboard": "yes", "Connection": "close"},
            )(environ, start_response)
        return Response("not here", status=404, mimetype="text/plain")(environ, start_response)

    def _chunks(self) -> Iterator[bytes]:
        yield b"first chunk\n"
        self.release.wait(timeout=10)
        yield b"second chunk\n"

    def __enter__(self) -> FakeDashboard:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def dashboard() -> Iterator[FakeDashboard]:
    with FakeDashboard() as fake:
        yield fake


def service(name: str, cluster_ip: str, ports: list[dict], **spec) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name},
        "spec": {"clusterIP": cluster_ip, "ports": ports, **spec},
    }


@pytest.fixture
def dash(api, namespace, dashboard) -> str:
    """A Service ``dash`` whose port ``dashboard`` (8265) leads to the fake dashboard."""
    body = service(
        "dash",
        "127.0.0.1",
        [
            {"name": "dashboard", "port": 8265, "targetPort": dashboard.port},
            {"name": "metrics", "port": 8080, "targetPort": free_port()},
        ],
    )
    created = api.post(f"/api/v1/namespaces/{namespace}/services", json=body)
    assert created.status_code == 201, created.text
    return f"/api/v1/namespaces/{namespace}/services"


def test_get_reaches_the_dashboard_with_path_query_and_headers(api, dash, dashboard):
    answer = api.get(
        f"{dash}/dash:8265/proxy/api/jobs/?limit=5&x=a%20b",
        headers={
            "Authorization": "Bearer secret",
            "X-Trace": "t-1",
            "Connection": "keep-alive, X-Hop",
            "X-Hop": "drop me",
        },
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == [{"job_id": "raysubmit_1"}]
    assert answer.headers["X-Dashboard"] == "yes"
    seen = dashboard.seen[-1]
    assert (seen["method"], seen["path"], seen["query"]) == ("GET", "/api/jobs/", "limit=5&x=a%20b")
    assert seen["headers"]["X-Trace"] == "t-1"
    assert "Authorization" not in seen["headers"], "the caller's API credentials stay with the API server"
    assert "X-Hop" not in seen["headers"], "headers named by Connection are hop-by-hop"
    assert seen["headers"]["Host"] == f"127.0.0.1:{dashboard.port}"


def test_port_by_name_and_by_number(api, dash, dashboard):
    assert api.get(f"{dash}/dash:dashboard/proxy/api/jobs/").status_code == 200
    assert api.get(f"{dash}/http:dash:8265/proxy/api/jobs/").status_code == 200
    assert [seen["path"] for seen in dashboard.seen] == ["/api/jobs/", "/api/jobs/"]


def test_post_body_is_forwarded(api, dash, dashboard):
    job = {"entrypoint": "python -c 'print(1)'", "runtime_env": {"pip": ["numpy"]}}
    answer = api.post(f"{dash}/dash:8265/proxy/api/jobs/", json=job)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"submitted": job, "contentType": "application/json"}
    assert dashboard.seen[-1]["method"] == "POST"


def test_dashboard_errors_pass_through_unchanged(api, dash):
    answer = api.get(f"{dash}/dash:8265/proxy/missing")
    assert answer.status_code == 404
    assert answer.text == "not here"
    assert answer.headers["Content-Type"].startswith("text/plain")


def test_answer_streams_chunk_by_chunk(api, dash, dashboard):
    with api.get(f"{dash}/dash:8265/proxy/stream", stream=True) as answer:
        assert answer.status_code == 200
        chunks = answer.iter_content(chunk_size=None)
        # The dashboard holds its second chunk until we have the first: a buffering proxy
        # would deliver both together, after the dashboard's 10 s wait.
        assert next(chunks) == b"first chunk\n"
        dashboard.release.set()
        assert b"".join(chunks) == b"second chunk\n"


def test_refused_connection_is_service_unavailable(api, dash):
    port = free_port()
    gone = service("gone", "127.0.0.1", [{"port": 80, "targetPort": port}])
    assert api.post(dash, json=gone).status_code == 201
    answer = api.get(f"{dash}/gone/proxy/")
    status = answer.json()
    assert answer.status_code == 503
    assert (status["kind"], status["reason"], status["code"]) == ("Status", "ServiceUnavailable", 503)
    assert status["message"] == (
        f"error trying to reach service: dial tcp 127.0.0.1:{port}: connect: connection refused"
    )


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("dash:9999", 'no service port 9999 found for service "dash"'),
        ("dash:nope", 'no endpoints available for service "dash:nope"'),
        ("dash", 'no endpoints available for service "dash"'),  # two ports, none unnamed
    ],
)
def test_unknown_port_is_service_unavailable(api, dash, target, message):
    answer = api.get(f"{dash}/{target}/proxy/")
    assert answer.status_code == 503
    assert answer.json()["message"] == message


def test_non_loopback_and_external_name_services_are_refused(api, namespace):
    services = f"/api/v1/namespaces/{namespace}/services"
    assert api.post(services, json=service("remote", "10.0.0.1", [{"port": 80}])).status_code == 201
    external = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "ext"},
        "spec": {"type": "ExternalName", "externalName": "example.com", "ports": [{"port": 80}]},
    }
    assert api.post(services, json=external).status_code == 201

    remote = api.get(f"{services}/remote/proxy/")
    assert remote.status_code == 503
    assert "only proxies to a spec.clusterIP on loopback" in remote.json()["message"]
    assert api.get(f"{services}/ext/proxy/").json()["message"] == 'no endpoints available for service "ext"'


def test_missing_service_is_not_found(api, namespace):
    answer = api.get(f"/api/v1/namespaces/{namespace}/services/nobody:80/proxy/")
    assert answer.status_code == 404
    assert answer.json()["message"] == 'services "nobody" not found'


# -- the resolution rules, without a server ---------------------------------------------------


def test_target_syntax():
    assert split_target("dash") == ("http", "dash", "")
    assert split_target("dash:8265") == ("http", "dash", "8265")
    assert split_target("https:dash:443") == ("https", "dash", "443")
    for bad in ("a:b:c:d", "ftp:dash:21", ":80"):
        with pytest.raises(ApiError) as raised:
            split_target(bad)
        assert (raised.value.code, raised.value.message) == (400, f'invalid service request "{bad}"')


def test_target_port_defaults_to_port_and_ipv6_loopback_is_allowed():
    one_port = service("s", "::1", [{"port": 8265}])
    assert resolve(one_port, "s") == ("http", "::1", 8265)
    named_target = service("s", "127.0.0.2", [{"port": 80, "targetPort": "dashboard"}])
    with pytest.raises(ApiError) as raised:
        resolve(named_target, "s")
    assert raised.value.code == 503 and "not a port number" in raised.value.message
    headless = service("s", "None", [{"port": 80}])
    with pytest.raises(ApiError):
        resolve(headless, "s")


def test_kubernetes_client_service_proxy(embedded, dash, namespace, dashboard):
    from kubernetes import client

    configuration = client.Configuration()
    configuration.host = embedded.url
    with client.ApiClient(configuration) as api_client:
        core = client.CoreV1Api(api_client)
        answer = core.connect_get_namespaced_service_proxy_with_path(
            "dash:dashboard", namespace, "api/jobs/", _preload_content=False
        )
        assert answer.status == 200
        assert answer.data == b'[{"job_id": "raysubmit_1"}]'
    assert dashboard.seen[-1]["path"] == "/api/jobs/"
