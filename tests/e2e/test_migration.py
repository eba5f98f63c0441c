"""The migration controls as operators use them: ``kuberay-bridge serve --workers 2`` under a
scripted mix of v1 and v2 traffic, its metrics (route names from the tables, summed over both
workers), ``kuberay-bridge usage`` on that traffic, and a stage change by config and SIGHUP."""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.support.bridge_process import COMMAND
from tests.support.factories import template_body
from tests.support.metrics import sample
from tests.support.waiting import wait_until

V1_LISTS = 6
V2_LISTS = 4


def workers_that_counted(bridge) -> int:
    """How many workers have counted requests: prometheus_client maps one file per process
    (``counter_<pid>.db``) into the process that writes it."""
    return sum(f"/counter_{pid}.db" in Path(f"/proc/{pid}/maps").read_text() for pid in bridge.children())


@pytest.fixture(scope="module")
def busy_bridge(start_bridge, cluster):
    """A two-worker bridge after a scripted mix: v1 lists by python-requests (at least
    ``V1_LISTS``, and until both workers have counted some), a v1 template create by
    ``legacy-tool``, v2 lists, discovery and one watch, each on a new connection. Its
    ``expected`` counts are reached before any test reads them (a request is counted when its
    response is closed, just after the client has it)."""
    bridge = start_bridge("--upstream", cluster.url, "--workers", "2")
    assert wait_until(lambda: len(bridge.children()) == 2, 30)
    v1_lists = 0
    while v1_lists < V1_LISTS or (workers_that_counted(bridge) < 2 and v1_lists < 500):
        assert (
            requests.get(bridge.url + "/apis/v1/namespaces/default/clusters", timeout=30).status_code == 200
        )
        v1_lists += 1
    created = requests.post(
        bridge.url + "/apis/v1/namespaces/default/compute_templates",
        json=template_body("default", "usage-template"),
        headers={"User-Agent": "legacy-tool/3.1 (build 7)"},
        timeout=30,
    )
    assert created.status_code == 200, created.text
    for _ in range(V2_LISTS):
        assert requests.get(bridge.url + "/apis/ray.io/v1/namespaces/default/rayclusters", timeout=30).ok
    assert requests.get(bridge.url + "/apis", timeout=30).ok
    watch = requests.get(
        bridge.url + "/apis/ray.io/v1/namespaces/default/rayclusters?watch=true&timeoutSeconds=1", timeout=30
    )
    assert watch.status_code == 200
    bridge.v1_lists = v1_lists
    watches = "kuberay_bridge_watch_duration_seconds_count"
    assert wait_until(lambda: sample(scrape(bridge), watches, dialect="v2", route="ray") == 1, 30)
    assert workers_that_counted(bridge) == 2, "both workers served part of the traffic"
    return bridge


def scrape(bridge) -> str:
    return requests.get(bridge.url + "/metrics", timeout=30).text


def test_metrics_count_both_workers_by_route_name_never_by_raw_rule(busy_bridge):
    requests_total = "kuberay_bridge_requests_total"
    for _ in range(4):  # whichever worker answers the scrape reports the sum of both
        text = scrape(busy_bridge)
        v1 = {"dialect": "v1", "method": "GET", "code": "200"}
        assert sample(text, requests_total, route="clusters.list", **v1) == busy_bridge.v1_lists
        assert (
            sample(text, requests_total, dialect="v1", route="templates.create", method="POST", code="200")
            == 1
        )
        assert (
            sample(text, requests_total, dialect="v2", route="ray", method="GET", code="200") == V2_LISTS + 1
        )
        assert sample(text, requests_total, dialect="v2", route="discovery", method="GET", code="200") >= 1
    routes = {
        metric.labels["route"]
        for family in text_string_to_metric_families(text)
        for metric in family.samples
        if "route" in metric.labels
    }
    assert not [route for route in routes if route.startswith("/") or "<" in route], routes
    latency = "kuberay_bridge_request_duration_seconds_count"
    assert sample(text, latency, dialect="v2", route="ray") == V2_LISTS  # the watch is not latency
    clients = "kuberay_bridge_v1_client_requests_total"
    python_lists = sample(text, clients, client="python-requests", identity="none", route="clusters.list")
    assert python_lists == busy_bridge.v1_lists
    assert sample(text, clients, client="legacy-tool", route="templates.create") == 1


def test_the_log_line_tells_a_watch_from_a_list_and_names_the_client(busy_bridge):
    lines = [json.loads(line) for line in busy_bridge.log().splitlines() if '"request_id"' in line]
    watch = [line for line in lines if "watch=true" in (line.get("query") or "")]
    assert watch and watch[0]["stream"] is True and watch[0]["route"] == "ray"
    legacy = [line for line in lines if line.get("user_agent") == "legacy-tool/3.1 (build 7)"]
    assert legacy and legacy[0]["route"] == "templates.create" and legacy[0]["dialect"] == "v1"


def test_usage_reports_who_still_calls_v1_and_where_to_move(busy_bridge):
    report = subprocess.run(
        [*COMMAND, "usage", "--url", busy_bridge.url, "--output", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    rows = {(row["client"], row["route"]): row for row in json.loads(report.stdout)}
    lists = rows[("python-requests", "clusters.list")]
    assert lists["count"] == busy_bridge.v1_lists
    assert lists["v2_call"] == (
        "GET /apis/ray.io/v1/namespaces/{namespace}/rayclusters"
        "?labelSelector=app.kubernetes.io/managed-by=kuberay-apiserver"
    )
    assert (
        rows[("legacy-tool", "templates.create")]["v1_call"]
        == "POST /apis/v1/namespaces/{namespace}/compute_templates"
    )
    table = subprocess.run(
        [*COMMAND, "usage", "--url", busy_bridge.url], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    header, first = table.splitlines()[:2]
    assert header.split() == ["CLIENT", "IDENTITY", "ROUTE", "COUNT", "MOVE", "TO"]
    assert first.split()[:4] == ["python-requests", "none", "clusters.list", str(busy_bridge.v1_lists)]


def test_a_stage_change_takes_a_config_edit_and_sighup(start_bridge, cluster, tmp_path):
    config = tmp_path / "bridge.yaml"
    config.write_text("v1_stage: coexist\n")
    bridge = start_bridge("--upstream", cluster.url, env={"BRIDGE_CONFIG": str(config)})
    url = bridge.url + "/apis/v1/namespaces/default/compute_templates"
    assert requests.post(url, json=template_body("default", "before-reload"), timeout=30).status_code == 200
    config.write_text("v1_stage: read-only\nv1_stage_overrides: {clusters: coexist}\n")
    bridge.process.send_signal(signal.SIGHUP)
    assert wait_until(
        lambda: (
            requests.post(url, json=template_body("default", "after-reload"), timeout=30).status_code == 410
        ),
        60,
    ), bridge.log()
    # the old workers finish gracefully: one may still answer for a moment
    assert wait_until(lambda: requests.get(url, timeout=30).headers["KubeRay-V1-Stage"] == "read-only", 60)
    assert "v1_stage: coexist -> read-only" in bridge.log()
    assert "v1 stage read-only; overrides clusters=coexist" in bridge.log()
