"""Deprecation signals: the v2 successor of every v1 call, and the headers on every v1
response (errors included) but on no v2 response (over HTTP: tests/contract/v1)."""

from __future__ import annotations

import datetime as dt

import pytest

from bridge.core.config import BridgeConfig
from v1compat.deprecation import deprecation_headers, warning_299
from v1compat.routes import v2_successor

GUIDE = "https://example.test/MIGRATION.md"
MANAGED = "?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dkuberay-apiserver"  # what v1 lists show


@pytest.mark.parametrize(
    ("method", "v1_path", "v2_method", "v2_path"),
    [
        ("POST", "/apis/v1/namespaces/ns/clusters", "POST", "/apis/ray.io/v1/namespaces/ns/rayclusters"),
        (
            "GET",
            "/apis/v1/namespaces/ns/clusters",
            "GET",
            "/apis/ray.io/v1/namespaces/ns/rayclusters" + MANAGED,
        ),
        ("GET", "/apis/v1/namespaces/ns/clusters/c", "GET", "/apis/ray.io/v1/namespaces/ns/rayclusters/c"),
        (
            "DELETE",
            "/apis/v1/namespaces/ns/clusters/c",
            "DELETE",
            "/apis/ray.io/v1/namespaces/ns/rayclusters/c",
        ),
        ("GET", "/apis/v1/clusters", "GET", "/apis/ray.io/v1/rayclusters" + MANAGED),
        ("POST", "/apis/v1/namespaces/ns/jobs", "POST", "/apis/ray.io/v1/namespaces/ns/rayjobs"),
        ("GET", "/apis/v1/namespaces/ns/jobs", "GET", "/apis/ray.io/v1/namespaces/ns/rayjobs" + MANAGED),
        ("GET", "/apis/v1/namespaces/ns/jobs/j", "GET", "/apis/ray.io/v1/namespaces/ns/rayjobs/j"),
        ("DELETE", "/apis/v1/namespaces/ns/jobs/j", "DELETE", "/apis/ray.io/v1/namespaces/ns/rayjobs/j"),
        ("GET", "/apis/v1/jobs", "GET", "/apis/ray.io/v1/rayjobs" + MANAGED),
        ("POST", "/apis/v1/namespaces/ns/services", "POST", "/apis/ray.io/v1/namespaces/ns/rayservices"),
        (
            "GET",
            "/apis/v1/namespaces/ns/services",
            "GET",
            "/apis/ray.io/v1/namespaces/ns/rayservices" + MANAGED,
        ),
        ("GET", "/apis/v1/namespaces/ns/services/s", "GET", "/apis/ray.io/v1/namespaces/ns/rayservices/s"),
        ("PUT", "/apis/v1/namespaces/ns/services/s", "PUT", "/apis/ray.io/v1/namespaces/ns/rayservices/s"),
        (
            "DELETE",
            "/apis/v1/namespaces/ns/services/s",
            "DELETE",
            "/apis/ray.io/v1/namespaces/ns/rayservices/s",
        ),
        ("GET", "/apis/v1/services", "GET", "/apis/ray.io/v1/rayservices" + MANAGED),
        (
            "POST",
            "/apis/v1/namespaces/ns/jobsubmissions/c",
            "POST",
            "/api/v1/namespaces/ns/services/c-head-svc:8265/proxy/api/jobs/",
        ),
        (
            "GET",
            "/apis/v1/namespaces/ns/jobsubmissions/c",
            "GET",
            "/api/v1/namespaces/ns/services/c-head-svc:8265/proxy/api/jobs/",
        ),
        (
            "GET",
            "/apis/v1/namespaces/ns/jobsubmissions/c/s1",
            "GET",
            "/api/v1/namespaces/ns/services/c-head-svc:8265/proxy/api/jobs/s1",
        ),
        (
            "GET",
            "/apis/v1/namespaces/ns/jobsubmissions/c/log/s1",
            "GET",
            "/api/v1/namespaces/ns/services/c-head-svc:8265/proxy/api/jobs/s1/logs",
        ),
        (
            "POST",
            "/apis/v1/namespaces/ns/jobsubmissions/c/s1",
            "POST",
            "/api/v1/namespaces/ns/services/c-head-svc:8265/proxy/api/jobs/s1/stop",
        ),
        (
            "DELETE",
            "/apis/v1/namespaces/ns/jobsubmissions/c/s1",
            "DELETE",
            "/api/v1/namespaces/ns/services/c-head-svc:8265/proxy/api/jobs/s1",
        ),
    ],
)
def test_each_v1_call_has_its_v2_successor(method, v1_path, v2_method, v2_path):
    successor = v2_successor(method, v1_path)
    assert (successor.method, successor.path, successor.served_by_bridge) == (v2_method, v2_path, True)


@pytest.mark.parametrize(
    ("method", "v1_path", "v2_method", "configmaps_path"),
    [
        ("POST", "/apis/v1/namespaces/ns/compute_templates", "POST", "/api/v1/namespaces/ns/configmaps"),
        ("GET", "/apis/v1/namespaces/ns/compute_templates", "GET", "/api/v1/namespaces/ns/configmaps"),
        ("GET", "/apis/v1/namespaces/ns/compute_templates/t", "GET", "/api/v1/namespaces/ns/configmaps/t"),
        (
            "DELETE",
            "/apis/v1/namespaces/ns/compute_templates/t",
            "DELETE",
            "/api/v1/namespaces/ns/configmaps/t",
        ),
        ("GET", "/apis/v1/compute_templates", "GET", "/api/v1/configmaps"),
    ],
)
def test_compute_templates_are_succeeded_by_configmaps_on_the_kubernetes_api(
    method, v1_path, v2_method, configmaps_path
):
    successor = v2_successor(method, v1_path)
    assert (successor.method, successor.path, successor.served_by_bridge) == (
        v2_method,
        configmaps_path,
        False,
    )


def test_paths_v1_never_served_have_no_successor():
    assert v2_successor("PUT", "/apis/v1/namespaces/ns/clusters/c") is None
    assert v2_successor("GET", "/apis/v1/namespaces/ns/image_templates") is None


def test_headers_name_the_successor_the_guide_and_the_dates():
    config = BridgeConfig(
        migration_guide_url=GUIDE, v1_deprecated_since=dt.date(2026, 8, 19), v1_sunset=dt.date(2027, 6, 30)
    )
    headers = deprecation_headers(config, v2_successor("DELETE", "/apis/v1/namespaces/ns/clusters/c"))
    assert headers == [
        ("Deprecation", "@1787097600"),
        ("Sunset", "Wed, 30 Jun 2027 00:00:00 GMT"),
        (
            "Link",
            '</apis/ray.io/v1/namespaces/ns/rayclusters/c>; rel="successor-version", '
            f'<{GUIDE}>; rel="deprecation"',
        ),
        (
            "Warning",
            '299 - "KubeRay APIServer v1 is deprecated; '
            'use DELETE /apis/ray.io/v1/namespaces/ns/rayclusters/c instead"',
        ),
    ]


def test_templates_link_to_the_guide_section_and_say_where_the_configmap_lives():
    successor = v2_successor("GET", "/apis/v1/compute_templates")
    headers = dict(deprecation_headers(BridgeConfig(), successor))
    assert headers["Link"].startswith('</migration#compute-templates>; rel="successor-version"')
    assert "use GET /api/v1/configmaps on the Kubernetes API" in headers["Warning"]


def test_a_configured_guide_gets_no_anchor_appended():
    successor = v2_successor("GET", "/apis/v1/compute_templates")
    headers = dict(deprecation_headers(BridgeConfig(migration_guide_url=GUIDE), successor))
    assert headers["Link"] == f'<{GUIDE}>; rel="successor-version", <{GUIDE}>; rel="deprecation"'


def test_no_sunset_header_unless_a_date_is_configured():
    successor = v2_successor("GET", "/apis/v1/clusters")
    names = [name for name, _ in deprecation_headers(BridgeConfig(), successor)]
    assert names == ["Deprecation", "Link", "Warning"]


def test_warning_text_is_a_quoted_string():
    assert warning_299('unknown field "a\\b"') == '299 - "unknown field \\"a\\\\b\\""'


def test_warning_text_is_ascii_without_control_characters():
    """A client's field name may hold anything; a header value may not (the response failed)."""
    # quoted-string escapes first (\\ and \"), so the client unquotes to \u00fc, \n, ...
    assert warning_299('unknown field "\u00fc\u20ac\nb"') == r'299 - "unknown field \"\\u00fc\\u20ac\\nb\""'
    assert warning_299("x\U0001f600\x7f") == r'299 - "x\\ud83d\\ude00\\u007f"'


def test_the_successor_is_a_uri_whatever_the_name():
    successor = v2_successor("GET", '/apis/v1/namespaces/ns/clusters/a">\u20ac')
    assert successor.path == "/apis/ray.io/v1/namespaces/ns/rayclusters/a%22%3E%E2%82%AC"
