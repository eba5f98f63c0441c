"""How a job-submission call reaches the dashboard: the access mode, the URLs and paths."""

from __future__ import annotations

import pytest

from bridge.kube.services import dashboard_cluster_url, dashboard_service_id, head_service_name
from v1compat.dashboard import (
    DIRECT,
    SERVICE_PROXY,
    DirectDashboard,
    ServiceProxyDashboard,
    access_mode,
    dashboard_for,
    jobs_path,
)


@pytest.mark.parametrize(
    ("setting", "upstream_mode", "mode"),
    [
        ("auto", "in-cluster", DIRECT),
        ("auto", "kubeconfig", SERVICE_PROXY),
        ("auto", "url", SERVICE_PROXY),
        ("auto", "embedded", SERVICE_PROXY),
        ("direct", "embedded", DIRECT),
        ("service-proxy", "in-cluster", SERVICE_PROXY),
    ],
)
def test_auto_is_direct_only_inside_the_cluster(setting: str, upstream_mode: str, mode: str) -> None:
    assert access_mode(setting, upstream_mode) == mode


def test_direct_url_is_exactly_the_go_servers() -> None:
    assert dashboard_cluster_url("team-a", "raycluster") == (
        "http://raycluster-head-svc.team-a.svc.cluster.local:8265"
    )
    direct = dashboard_for(None, "team-a", "raycluster", "direct", "kubeconfig", 3.0)
    assert isinstance(direct, DirectDashboard)
    assert direct.base_url == "http://raycluster-head-svc.team-a.svc.cluster.local:8265"
    assert direct.timeout == 3.0


def test_service_proxy_path_names_the_head_service_and_dashboard_port() -> None:
    assert head_service_name("c") == "c-head-svc" and dashboard_service_id("c") == "c-head-svc:8265"
    proxied = dashboard_for(object(), "ns", "c", "auto", "embedded", 2.0)
    assert isinstance(proxied, ServiceProxyDashboard)
    assert proxied.where == "/api/v1/namespaces/ns/services/c-head-svc:8265/proxy"


@pytest.mark.parametrize(
    ("segments", "path"),
    [
        ((), "api/jobs/"),
        (("raysubmit_1",), "api/jobs/raysubmit_1"),
        (("raysubmit_1", "logs"), "api/jobs/raysubmit_1/logs"),
        (("a/../b", "stop"), "api/jobs/a%2F..%2Fb/stop"),
        (("a b?c#d",), "api/jobs/a%20b%3Fc%23d"),
    ],
)
def test_job_paths_quote_each_segment_once(segments: tuple[str, ...], path: str) -> None:
    assert jobs_path(*segments) == path
