"""The service proxy restricted to KubeRay services: id parsing and the label check (unit),
then the route through the bridge against the embedded API (contract)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from werkzeug.datastructures import Headers

from tests.support.fake_dashboard import FakeDashboard, create_service
from v2proxy.messages import ProxyRequest, ProxyResponse
from v2proxy.service_guard import kuberay_services_only, split_service_id


@pytest.mark.parametrize(
    ("service_id", "expected"),
    [
        ("head-svc", ("", "head-svc", "")),
        ("head-svc:dashboard", ("", "head-svc", "dashboard")),
        ("head-svc:8265", ("", "head-svc", "8265")),
        ("https:head-svc:8443", ("https", "head-svc", "8443")),
        ("http:head-svc:", ("http", "head-svc", "")),
        (":head-svc:8265", ("", "head-svc", "8265")),
        # already decoded once by the route table; a second decoding would check another id
        ("https%3Ahead-svc%3A8443", ("", "https%3Ahead-svc%3A8443", "")),
        ("ftp:head-svc:21", None),
        ("", None),
        (":8265", None),
        ("https::8443", None),
        ("a:b:c:d", None),
    ],
)
def test_split_service_id(service_id, expected):
    assert split_service_id(service_id) == expected


def service(name: str) -> dict:
    return {"metadata": {"name": name, "namespace": "ns", "labels": {"app.kubernetes.io/name": "kuberay"}}}


class FakeList:
    def __init__(self, status: int = 200, payload: object = None):
        self.status = status
        self.payload = {"kind": "ServiceList", "items": []} if payload is None else payload
        self.requests: list[ProxyRequest] = []

    def __call__(self, request: ProxyRequest) -> ProxyResponse:
        self.requests.append(request)
        return ProxyResponse.from_json(self.status, self.payload)


class StreamingUpstream:
    """The next handler; it never reads the body, so the test sees whether anyone did."""

    def __init__(self):
        self.request: ProxyRequest | None = None

    def __call__(self, request: ProxyRequest) -> ProxyResponse:
        self.request = request
        return ProxyResponse(200, Headers({"Content-Type": "application/json"}), [b"{}"])


def proxy_request(service_id: str, method: str = "GET", body=b"", **headers) -> ProxyRequest:
    return ProxyRequest(
        method=method,
        path=f"/api/v1/namespaces/ns/services/{service_id}/proxy/api/jobs/",
        headers=Headers(headers),
        body=body,
        params={"namespace": "ns", "service": service_id},
    )


def run(request: ProxyRequest, lookup: FakeList) -> tuple[ProxyResponse, StreamingUpstream]:
    upstream = StreamingUpstream()
    return kuberay_services_only(lookup)(request, upstream), upstream


def test_kuberay_service_passes_with_body_still_streamed():
    chunks = iter([b'{"entrypoint":', b' "echo hi"}'])
    lookup = FakeList(payload={"kind": "ServiceList", "items": [service("head-svc")]})
    request = proxy_request(
        "http:head-svc:dashboard", "POST", chunks, Authorization="Bearer u", **{"X-Request-Id": "r1"}
    )
    response, upstream = run(request, lookup)
    assert response.status == 200
    assert upstream.request is request
    assert upstream.request.body is chunks  # not read by the guard
    listed = lookup.requests[0]
    assert (listed.method, listed.path) == ("GET", "/api/v1/namespaces/ns/services")
    assert listed.query == [
        ("fieldSelector", "metadata.name=head-svc"),
        ("labelSelector", "app.kubernetes.io/name=kuberay"),
    ]
    assert listed.headers["Authorization"] == "Bearer u"
    assert listed.headers["X-Request-Id"] == "r1"


def test_unlabelled_service_is_404_status_and_not_forwarded():
    response, upstream = run(proxy_request("other:80"), FakeList())
    assert response.status == 404
    status = response.json()
    assert status["kind"] == "Status" and status["reason"] == "NotFound"
    assert status["message"] == 'kuberay service "other" not found in namespace "ns"'
    assert upstream.request is None


def test_list_answer_with_another_name_is_not_a_match():
    # An upstream that ignored fieldSelector must not open every labelled service.
    lookup = FakeList(payload={"kind": "ServiceList", "items": [service("head-svc")]})
    response, upstream = run(proxy_request("other"), lookup)
    assert response.status == 404 and upstream.request is None


def test_invalid_id_is_400_status_without_lookup():
    lookup = FakeList()
    response, upstream = run(proxy_request("ftp:head-svc:21"), lookup)
    assert response.status == 400
    status = response.json()
    assert status["reason"] == "BadRequest" and "ftp:head-svc:21" in status["message"]
    assert lookup.requests == [] and upstream.request is None


@pytest.mark.parametrize(
    ("code", "payload", "expected_code", "expected_reason"),
    [
        (
            403,
            {"kind": "Status", "code": 403, "reason": "Forbidden", "message": "services is forbidden"},
            403,
            "Forbidden",
        ),
        (
            500,
            {"kind": "Status", "code": 500, "reason": "InternalError", "message": "etcd down"},
            500,
            "InternalError",
        ),
        (503, "not json at all", 503, "ServiceUnavailable"),
        (200, ["not", "a", "list"], 502, "BadGateway"),
    ],
    ids=["forbidden", "upstream-500", "upstream-503-text", "garbage-2xx"],
)
def test_list_failure_is_status_naming_the_cause(code, payload, expected_code, expected_reason):
    response, upstream = run(proxy_request("head-svc"), FakeList(code, payload))
    assert response.status == expected_code
    status = response.json()
    assert status["kind"] == "Status" and status["reason"] == expected_reason
    assert status["message"].startswith(
        'cannot check that service "head-svc" in namespace "ns" is a kuberay service'
    )
    assert upstream.request is None


NS = "default"


@pytest.fixture(scope="module")
def dashboard() -> Iterator[FakeDashboard]:
    with FakeDashboard() as fake:
        yield fake


@pytest.fixture(scope="module")
def bridge(embedded):
    from bridge.app import create_app
    from bridge.core.config import BridgeConfig

    return create_app(BridgeConfig(upstream=embedded.url)).test_client()


@pytest.fixture(scope="module")
def head_service(embedded, dashboard) -> str:
    return create_service(embedded.url, NS, dashboard.port)


def proxy_path(service_id: str, rest: str = "api/jobs/") -> str:
    return f"/api/v1/namespaces/{NS}/services/{service_id}/proxy/{rest}"


def test_get_reaches_the_dashboard(bridge, dashboard, head_service):
    answer = bridge.get(proxy_path(f"{head_service}:dashboard"))
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.get_json() == [{"submission_id": "raysubmit_1", "status": "RUNNING"}]


def test_post_body_arrives_once(bridge, dashboard, head_service):
    before = len(dashboard.received)
    answer = bridge.post(proxy_path(f"http:{head_service}:dashboard"), json={"entrypoint": "echo hi"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.get_json()["echo"] == {"entrypoint": "echo hi"}
    posts = [r for r in dashboard.received[before:] if r[0] == "POST"]
    assert posts == [("POST", "/api/jobs/", b'{"entrypoint": "echo hi"}')]


def test_unlabelled_service_through_the_bridge_is_404(bridge, embedded, dashboard):
    other = create_service(embedded.url, NS, dashboard.port, labelled=False)
    before = len(dashboard.received)
    answer = bridge.get(proxy_path(f"{other}:dashboard"))
    assert answer.status_code == 404
    status = answer.get_json()
    assert (
        status["kind"] == "Status"
        and status["message"] == f'kuberay service "{other}" not found in namespace "{NS}"'
    )
    assert len(dashboard.received) == before


def test_bad_service_id_through_the_bridge_is_400(bridge):
    answer = bridge.get(proxy_path("ftp:ray-head-svc:21"))
    assert answer.status_code == 400
    assert answer.get_json()["kind"] == "Status"
