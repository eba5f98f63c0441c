"""The allowlist holds whatever the path encoding: a recording upstream proves that refused
paths never reach Kubernetes, and that allowed ones arrive in their canonical form only."""

from __future__ import annotations

import json
import socket
import threading

import pytest
from werkzeug.serving import make_server

from tests.v2.conftest import LiveServer, json_answer, make_app

REFUSED = [
    "/apis/ray.io/v1/../../api/v1/secrets",
    "/apis/ray.io/v1/%2e%2e/%2e%2e/api/v1/namespaces/default/secrets",
    "/apis/ray.io/v1/%2E%2e/%2e%2E/api/v1/namespaces/default/secrets",
    "/apis/ray.io/v1/namespaces/default/rayclusters%2F..%2F..%2Fsecrets",
    "/apis/ray.io/v1/namespaces/default/rayclusters%2f..%2f..%2fsecrets",
    "/apis/ray.io/v1/namespaces/default/rayclusters%5C..%5C..%5Csecrets",
    "/apis/ray.io/v1/namespaces/default/rayclusters/..\\..\\secrets",
    "/apis/ray.io/v1/./namespaces/default/rayclusters",
    "/apis/ray.io/v1/%2e/namespaces/default/rayclusters",
    "/apis/ray.io/v1/namespaces/default/rayclusters/..",
    "/apis/ray.io/v1/namespaces/default/rayclusters/x/../../../../../api/v1/secrets",
    "/apis/ray.io/v1/namespaces/default/rayclusters/%2e%2e?labelSelector=a",
    "/api/v1/namespaces/default/services/x/proxy/../../../secrets",
    "/api/v1/namespaces/default/services/x/proxy/%2e%2e/%2e%2e/%2e%2e/secrets",
    "/api/v1/namespaces/default/services/x/proxy/a/..%2f..%2f..%2fsecrets",
    "/api/v1/namespaces/default/services/x:8265/proxy/%2E%2E/",
    "/api/v1/namespaces/default/services/x/proxy%2F..%2F..%2Fsecrets",
    "/api/v1/namespaces/default/secrets",
    "/api/v1/namespaces/default/secrets/token",
    "/api/v1/pods",
    "/api/v1/namespaces/default/pods/x/proxy/",
    "/api/v1/proxy/namespaces/default/services/x/",
    "/api/v1/namespaces/default/configmaps",  # internal: V2Client only
    "/api/v1/namespaces",  # internal: V2Client only
    "/apis/apps/v1/deployments",
    "/apis/rbac.authorization.k8s.io/v1/clusterroles",
    "/APIS/ray.io/v1/rayclusters",
    "/Apis/ray.io/v1/rayclusters",
    "/apis/RAY.IO/v1/rayclusters",
    "/apis//ray.io/v1/rayclusters",
    "/apis/ray.io/v1//namespaces/default/rayclusters",
    "/apis/ray.io/v1beta1/rayclusters",
    "/apis/ray.io/v2/rayclusters",
    "/apis/events.k8s.io/v1/namespaces/default/events/../../../../api/v1/secrets",
    "/apis/ray.io/v1/namespaces/default/rayclusters/%00",
    "/apis/ray.io/v1/namespaces/default/rayclusters/a%0d%0aX-Injected:%201",
    "/apis/ray.io/v1/namespaces/default/rayclusters/%c0%ae%c0%ae",
    "/apis/ray.io/v1/namespaces/default/rayclusters/%2",
    "/version/../api/v1/namespaces/default/secrets",
    "http://kubernetes.default/api/v1/namespaces/default/secrets",
    "/",
    "/openapi/v2",
    "/openapi/v3/apis/apps/v1",
    "/openapi/v3/api/v1",
    "/openapi/v3/apis/events.k8s.io/v1",
    "/api/v1/namespaces/default/events/x/status",
    "/api/v1/watch/events",
]

# (path sent by the client, raw path + query the upstream must receive)
# Python's http.server (behind the werkzeug server used here) folds a leading "//" into "/"
# before the app sees it; gunicorn does not, so tests/e2e runs this matrix plus these.
REFUSED_BEHIND_GUNICORN = REFUSED + ["//apis/ray.io/v1/rayclusters", "//api/v1/namespaces/default/secrets"]

ALLOWED = [
    ("/apis/ray.io/v1/namespaces/x/rayclusters?watch=true", None),
    ("/apis/ray.io/v1/rayclusters", None),
    ("/apis/ray.io/v1/namespaces/x/rayclusters/a/status", None),
    (
        "/apis/ray.io/v1/namespaces/x/rayclusters?labelSelector=app%3Dray%2Ctier+in+%28a%2Cb%29&limit=2",
        None,
    ),
    ("/apis/ray.io/v1/", None),
    ("/version", None),
    ("/api", None),
    ("/apis", None),
    ("/apis/ray.io", None),
    ("/apis/ray.io/v1", None),
    ("/api/v1", None),
    ("/apis/events.k8s.io", None),
    ("/apis/events.k8s.io/v1", None),
    (
        "/apis/events.k8s.io/v1/events",
        "/apis/events.k8s.io/v1/events?fieldSelector=regarding.apiVersion%3Dray.io%2Fv1",
    ),
    (
        "/api/v1/events?watch=1",
        "/api/v1/events?watch=1&fieldSelector=involvedObject.apiVersion%3Dray.io%2Fv1",
    ),
    ("/openapi/v3", None),
    ("/openapi/v3/apis/ray.io/v1?hash=ABCDEF0123", None),
    ("/apis/ray.io/v1/namespaces/x/rayclusters/%61bc", "/apis/ray.io/v1/namespaces/x/rayclusters/abc"),
    (
        "/apis/ray.io/v1/namespaces/x/rayclusters/%252e%252e",
        "/apis/ray.io/v1/namespaces/x/rayclusters/%252e%252e",
    ),
    ("/api/v1/namespaces/x/services/head-svc:8265/proxy/api/jobs/", None),
    ("/api/v1/namespaces/x/services/head-svc/proxy", None),
]


def _kuberay_services(call, number):
    """Answer the service guard's LIST with one KubeRay service; echo everything else."""
    if call.path.endswith("/services"):
        return json_answer(200, {"kind": "ServiceList", "items": [{"metadata": {"name": "head-svc"}}]})
    return json_answer(200, {"kind": "Echo", "path": call.path})


@pytest.fixture(scope="module")
def live(fake_upstream):
    server = make_server("127.0.0.1", 0, make_app(fake_upstream.url), threaded=True)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", "127.0.0.1", server.server_port)
    finally:
        server.shutdown()
        server.server_close()


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
    upstream.reset(_kuberay_services)
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
