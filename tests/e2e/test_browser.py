"""Browsers: a real ``kuberay-bridge serve`` (gunicorn) with ``--cors-origins``, called with
``requests`` exactly as Chromium calls a cross-origin API: a preflight (``OPTIONS`` with
``Origin``, ``Access-Control-Request-Method`` and the lower-cased non-safelisted header names in
``Access-Control-Request-Headers``) when the call needs one, then the call with ``Origin``, each
answer checked the way the browser's CORS check does. The calls are those of the KubeRay
Dashboard (``dashboard/`` in the KubeRay repository): v2 mode (its default since KubeRay 1.5)
and v1 mode (the Dashboard before v2, base URL ``http://localhost:31888/apis/v1``)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

from tests.support.factories import raycluster, unique
from tests.support.fake_dashboard import FakeDashboard, create_service
from tests.support.fake_upstream import running_fake_upstream

ORIGIN = "http://dashboard.example:3000"
NS = "default"
RAY = "/apis/ray.io/v1"
MANAGED_BY_V1 = {"app.kubernetes.io/managed-by": "kuberay-apiserver"}
# Request headers a page may send without a preflight (Fetch standard, CORS-safelisted).
SAFELISTED = {"accept", "accept-language", "content-language"}
SIMPLE_CONTENT_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"}


def _non_safelisted(headers: dict[str, str]) -> list[str]:
    names = []
    for name, value in headers.items():
        lower = name.lower()
        if lower == "content-type" and value.split(";")[0].strip().lower() in SIMPLE_CONTENT_TYPES:
            continue
        if lower not in SAFELISTED:
            names.append(lower)
    return sorted(names)


def _origin_allowed(response: requests.Response, origin: str) -> bool:
    return response.headers.get("Access-Control-Allow-Origin") in (origin, "*")


def preflight(url: str, method: str, headers: dict[str, str], origin: str = ORIGIN) -> requests.Response:
    """The preflight Chromium sends before ``method url`` with ``headers``."""
    sent = {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Accept": "*/*",
        "Sec-Fetch-Mode": "cors",
    }
    requested = _non_safelisted(headers)
    if requested:
        sent["Access-Control-Request-Headers"] = ",".join(requested)
    return requests.options(url, headers=sent, timeout=10)


def assert_preflight_passes(answer: requests.Response, method: str, headers: dict[str, str]) -> None:
    """The browser's CORS-preflight check (Fetch standard, "CORS-preflight fetch")."""
    assert 200 <= answer.status_code < 300, (answer.status_code, answer.text)
    assert _origin_allowed(answer, ORIGIN), answer.headers
    methods = {m.strip().upper() for m in answer.headers.get("Access-Control-Allow-Methods", "").split(",")}
    assert method in methods or method in ("GET", "HEAD", "POST"), answer.headers
    allowed = {h.strip().lower() for h in answer.headers.get("Access-Control-Allow-Headers", "").split(",")}
    for name in _non_safelisted(headers):
        assert name in allowed or ("*" in allowed and name != "authorization"), (name, answer.headers)


def browser_fetch(
    method: str, url: str, headers: dict[str, str] | None = None, body: bytes | None = None
) -> requests.Response:
    """``fetch(url, {method, headers, body})`` from a page at ORIGIN: the preflight when the
    call needs one, then the call; fails where the browser would reject the answer."""
    headers = dict(headers or {})
    if method not in ("GET", "HEAD", "POST") or _non_safelisted(headers):
        assert_preflight_passes(preflight(url, method, headers), method, headers)
    answer = requests.request(method, url, headers={"Origin": ORIGIN, **headers}, data=body, timeout=10)
    assert _origin_allowed(answer, ORIGIN), (method, url, answer.status_code, answer.headers)
    return answer


def exposed(answer: requests.Response) -> set[str]:
    """The response headers a page's script may read besides the safelisted ones."""
    return {h.strip().lower() for h in answer.headers.get("Access-Control-Expose-Headers", "").split(",")}


@pytest.fixture(scope="module")
def bridge_url(cluster, start_bridge) -> str:
    return start_bridge("--upstream", cluster.url, "--workers", "1", "--cors-origins", ORIGIN).url


@pytest.fixture(scope="module")
def dashboard() -> Iterator[FakeDashboard]:
    with FakeDashboard() as fake:
        yield fake


# --- preflights on every served route, never forwarded ---------------------------------------

SERVED = [
    "/apis/v1/namespaces/default/clusters",
    "/apis/v1/namespaces/default/clusters/c1",
    "/apis/v1/clusters",
    "/apis/v1/namespaces/default/compute_templates",
    "/apis/v1/namespaces/default/compute_templates/t1",
    f"{RAY}/namespaces/default/rayclusters",
    f"{RAY}/namespaces/default/rayjobs/j1",
    f"{RAY}/rayservices",
    "/api",
    "/apis",
    "/version",
    "/openapi/v3",
    "/apis/events.k8s.io/v1/namespaces/default/events",
    "/api/v1/namespaces/default/services/ray-head-svc:8265/proxy/",
    "/api/v1/namespaces/default/services/ray-head-svc:8265/proxy/api/jobs/",
]


@pytest.fixture(scope="module")
def recorded(start_bridge) -> Iterator[tuple[str, object]]:
    """A CORS bridge in front of an upstream that records every call it receives."""
    with running_fake_upstream() as upstream:
        bridge = start_bridge("--upstream", upstream.url, "--workers", "1", "--cors-origins", ORIGIN)
        yield bridge.url, upstream


@pytest.mark.parametrize("path", SERVED)
@pytest.mark.parametrize(
    ("method", "headers"),
    [
        ("POST", {"Content-Type": "application/json"}),
        ("DELETE", {}),
        ("GET", {"Authorization": "Bearer t", "X-Request-Id": "r1"}),
    ],
)
def test_preflight_on_every_served_route_passes_and_is_not_forwarded(recorded, path, method, headers):
    url, upstream = recorded
    before = len(upstream.calls)
    answer = preflight(url + path, method, headers)
    assert_preflight_passes(answer, method, headers)
    assert answer.headers.get("Access-Control-Max-Age") == "600"
    assert all(call.method != "OPTIONS" for call in upstream.calls[before:])


def test_preflight_from_another_origin_gets_no_allow_headers(recorded):
    url, upstream = recorded
    for path in ("/apis/v1/clusters", f"{RAY}/namespaces/default/rayclusters"):
        answer = preflight(url + path, "DELETE", {}, origin="https://evil.example")
        allow_headers = [name for name in answer.headers if name.lower().startswith("access-control-allow")]
        assert allow_headers == [], answer.headers
    assert all(call.method != "OPTIONS" for call in upstream.calls)


def test_without_cors_options_keeps_each_dialects_answer(start_bridge, cluster):
    """v1: the Go gateway's 501 for a method the route lacks; v2: 204 naming the methods."""
    url = start_bridge("--upstream", cluster.url, "--workers", "1").url
    sent = {"Origin": ORIGIN, "Access-Control-Request-Method": "GET"}
    v1 = requests.options(url + "/apis/v1/clusters", headers=sent, timeout=10)
    assert v1.status_code == 501
    assert v1.json() == {"code": 12, "message": "Method Not Allowed"}
    v2 = requests.options(f"{url}{RAY}/namespaces/default/rayclusters", headers=sent, timeout=10)
    assert v2.status_code == 204 and v2.headers["Allow"] == "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"
    assert not any(name.lower().startswith("access-control-") for name in (*v1.headers, *v2.headers))


# --- answers and errors carry CORS headers; auth ----------------------------------------------


def test_v1_answers_and_errors_expose_the_deprecation_headers(bridge_url):
    listed = browser_fetch("GET", bridge_url + "/apis/v1/clusters")
    assert listed.status_code == 200
    assert {"deprecation", "link", "warning", "sunset"} <= exposed(listed)
    assert "Deprecation" in listed.headers and "Warning" in listed.headers
    for method, path, status, code in [
        ("GET", "/apis/v1/namespaces/default/clusters/missing", 404, 5),
        ("PUT", "/apis/v1/namespaces/default/clusters/c1", 501, 12),
        ("POST", "/apis/v1/namespaces/default/clusters", 400, 3),
    ]:
        failed = browser_fetch(method, bridge_url + path, {"Content-Type": "application/json"}, b"{}")
        assert failed.status_code == status, failed.text
        assert failed.json()["code"] == code
        assert "deprecation" in exposed(failed) and "Deprecation" in failed.headers


def test_v2_errors_carry_cors_headers(bridge_url):
    missing = browser_fetch("GET", f"{bridge_url}{RAY}/namespaces/default/rayclusters/missing")
    assert missing.status_code == 404 and missing.json()["kind"] == "Status"
    refused = browser_fetch("GET", bridge_url + "/api/v1/namespaces/default/secrets")
    assert refused.status_code == 404 and refused.json()["reason"] == "NotFound"


def test_a_preflight_needs_no_token_and_auth_errors_carry_cors_headers(start_bridge, cluster, tmp_path: Path):
    tokens = tmp_path / "tokens"
    tokens.write_text("s3cret\n")
    url = start_bridge(
        "--upstream",
        cluster.url,
        "--workers",
        "1",
        "--cors-origins",
        ORIGIN,
        "--auth-mode",
        "token",
        "--token-file",
        str(tokens),
    ).url
    with_token = {"Authorization": "Bearer s3cret"}
    for path, dialect_key in (("/apis/v1/clusters", "code"), (f"{RAY}/rayclusters", "kind")):
        listed = browser_fetch("GET", url + path, with_token)  # preflight for authorization
        assert listed.status_code == 200, listed.text
        refused = browser_fetch("GET", url + path, {"Authorization": "Bearer wrong"})
        assert refused.status_code == 401 and dialect_key in refused.json()


# --- the KubeRay Dashboard, v2 mode -------------------------------------------------------------


def test_dashboard_v2_mode(bridge_url, cluster, dashboard):
    """useListClusters/useListJobs (SWR, plain fetch), useCreateJob (POST with Content-Type and
    Accept: application/json), useDeleteClusters/useDeleteJobs (DELETE), and the "Ray dashboard"
    link ``{coreApiUrl}/namespaces/{ns}/services/{head service}:{dashboard port}/proxy/#/cluster``."""
    ray = bridge_url + RAY
    name = unique("dash-rc")
    made = requests.post(f"{ray}/namespaces/{NS}/rayclusters", json=raycluster(name), timeout=10)
    assert made.status_code == 201, made.text

    for path in (f"/namespaces/{NS}/rayclusters", "/rayclusters", f"/namespaces/{NS}/rayjobs", "/rayjobs"):
        listed = browser_fetch("GET", ray + path)
        assert listed.status_code == 200 and "items" in listed.json(), listed.text
    everywhere = browser_fetch("GET", ray + "/rayclusters").json()["items"]
    assert name in {item["metadata"]["name"] for item in everywhere}

    job = unique("dash-job")
    rayjob = {
        "apiVersion": "ray.io/v1",
        "kind": "RayJob",
        "metadata": {"name": job, "namespace": NS},
        "spec": {"entrypoint": "python -c 'print(1)'", "rayClusterSpec": raycluster(job)["spec"]},
    }
    created = browser_fetch(
        "POST",
        f"{ray}/namespaces/{NS}/rayjobs",
        {"Content-Type": "application/json", "Accept": "application/json"},
        json.dumps(rayjob).encode(),
    )
    assert created.status_code == 201, created.text
    assert browser_fetch("DELETE", f"{ray}/namespaces/{NS}/rayjobs/{job}").status_code == 200
    assert browser_fetch("DELETE", f"{ray}/namespaces/{NS}/rayclusters/{name}").status_code == 200

    service = create_service(cluster.url, NS, dashboard.port)
    link = f"{bridge_url}/api/v1/namespaces/{NS}/services/{service}:8265/proxy/#/cluster"
    page = requests.get(link, timeout=10)  # a navigation: no Origin, the fragment stays in the browser
    assert page.status_code == 200 and "Ray Dashboard" in page.text
    assert ("GET", "/") in [(method, path) for method, path, _ in dashboard.received]
    # The page's relative API calls resolve below the same /proxy/ prefix.
    jobs = requests.get(urljoin(page.url, "api/jobs/"), timeout=10)
    assert jobs.status_code == 200 and jobs.json()[0]["submission_id"] == "raysubmit_1"


# --- the KubeRay Dashboard, v1 mode -------------------------------------------------------------


def test_dashboard_v1_mode(bridge_url):
    """The Dashboard before v2: ``${url}/namespaces/{ns}/clusters`` and ``${url}/clusters`` through
    SWR's plain fetch, and DELETE ``${url}/namespaces/{ns}/clusters/{name}``."""
    v1 = bridge_url + "/apis/v1"
    name = unique("dash-v1")
    made = requests.post(
        f"{bridge_url}{RAY}/namespaces/{NS}/rayclusters",
        json=raycluster(name, labels=MANAGED_BY_V1),
        timeout=10,
    )
    assert made.status_code == 201, made.text

    for path in (f"/namespaces/{NS}/clusters", "/clusters"):
        listed = browser_fetch("GET", v1 + path)
        assert listed.status_code == 200, listed.text
        assert name in {cluster["name"] for cluster in listed.json()["clusters"]}
    deleted = browser_fetch("DELETE", f"{v1}/namespaces/{NS}/clusters/{name}")
    assert deleted.status_code == 200 and deleted.json() == {}
    assert name not in {c["name"] for c in browser_fetch("GET", v1 + "/clusters").json()["clusters"]}


def test_dashboard_v1_job_calls_get_readable_v1_answers(bridge_url):
    """The Dashboard's v1 job list and a job submission reach the bridge's v1 job routes from
    the page (not a CORS failure): the list answers ``{"jobs": [...]}``, an empty create the Go
    validation error, both readable by the page."""
    v1 = bridge_url + "/apis/v1"
    listed = browser_fetch("GET", f"{v1}/namespaces/{NS}/jobs")
    assert listed.status_code == 200 and isinstance(listed.json()["jobs"], list)
    created = browser_fetch("POST", f"{v1}/namespaces/{NS}/jobs", {"Content-Type": "application/json"}, b"{}")
    assert created.status_code == 400 and created.json()["code"] == 3
    assert created.json()["message"].startswith("The namespace in the request is different")


# --- the root path --------------------------------------------------------------------------------


def test_curl_root_is_the_v1_not_found(bridge_url):
    """The KubeRay v1 README's smoke test: ``curl localhost:31888/`` -> ``{"code": 5, ...}``."""
    result = subprocess.run(
        ["curl", "-s", "-w", "\\n%{http_code}", bridge_url + "/"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    body, status = result.stdout.rsplit("\n", 1)
    assert status == "404"
    assert json.loads(body) == {"code": 5, "message": "Not Found"}
    kube_path = requests.get(bridge_url + "/apis/nothing", timeout=10)
    assert kube_path.status_code == 404 and kube_path.json()["kind"] == "Status"
