"""Stages over HTTP: what a v1 client gets in each stage, with which headers, and which
clients an exception lets through. The policy itself is unit-tested in tests/unit/v1compat."""

from __future__ import annotations

import datetime as dt

from bridge.core.config import BridgeConfig
from tests.support.factories import cluster_body, create_template, template_body


def bridge_with(embedded, **settings):
    from bridge.app import create_app

    return create_app(BridgeConfig(upstream=embedded.url, **settings)).test_client()


def assert_gone(answer, successor: str):
    assert answer.status_code == 410
    body = answer.get_json()
    assert body["code"] == 9
    assert f"use {successor} instead" in body["message"]
    assert answer.headers["Link"].startswith(f'<{successor.split(" ")[1]}>; rel="successor-version"')
    assert answer.headers["Deprecation"]
    assert any(successor in warning for warning in answer.headers.getlist("Warning"))


def test_coexist_serves_writes_and_says_so_in_a_header(embedded, ns):
    bridge = bridge_with(embedded)
    created = bridge.post(f"/apis/v1/namespaces/{ns}/compute_templates", json=template_body(ns))
    assert created.status_code == 200
    assert created.headers["KubeRay-V1-Stage"] == "coexist"


def test_read_only_serves_reads_and_answers_writes_with_410_naming_the_v2_call(embedded, ns):
    bridge = bridge_with(embedded, v1_stage="read-only")
    listed = bridge.get(f"/apis/v1/namespaces/{ns}/clusters")
    assert listed.status_code == 200
    assert listed.headers["KubeRay-V1-Stage"] == "read-only"
    refused = bridge.post(f"/apis/v1/namespaces/{ns}/clusters", json=cluster_body(ns))
    assert_gone(refused, f"POST /apis/ray.io/v1/namespaces/{ns}/rayclusters")
    deleted = bridge.delete(f"/apis/v1/namespaces/{ns}/clusters/c1")
    assert_gone(deleted, f"DELETE /apis/ray.io/v1/namespaces/{ns}/rayclusters/c1")


def test_removed_answers_every_route_with_410_even_those_not_served_yet(embedded, ns):
    bridge = bridge_with(embedded, v1_stage="removed")
    assert_gone(
        bridge.get(f"/apis/v1/namespaces/{ns}/clusters/c1"),
        f"GET /apis/ray.io/v1/namespaces/{ns}/rayclusters/c1",
    )
    assert_gone(
        bridge.get(f"/apis/v1/namespaces/{ns}/jobs/j1"), f"GET /apis/ray.io/v1/namespaces/{ns}/rayjobs/j1"
    )
    unknown = bridge.get("/apis/v1/nothing-here")
    assert unknown.status_code == 410
    assert unknown.get_json()["code"] == 9
    assert bridge.get(f"/apis/ray.io/v1/namespaces/{ns}/rayclusters").status_code == 200  # v2 stays


def test_a_resource_override_keeps_templates_writable_while_clusters_are_read_only(embedded, ns):
    bridge = bridge_with(embedded, v1_stage="read-only", v1_stage_overrides={"templates": "coexist"})
    create_template(bridge, ns)
    assert bridge.post(f"/apis/v1/namespaces/{ns}/clusters", json=cluster_body(ns)).status_code == 410


def test_a_client_exception_lets_that_client_write_and_nobody_else(embedded, ns):
    tomorrow = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)
    bridge = bridge_with(
        embedded,
        v1_stage="read-only",
        v1_client_exceptions={"legacy-tool": tomorrow, "expired": dt.date(2020, 1, 1)},
    )
    url = f"/apis/v1/namespaces/{ns}/compute_templates"
    allowed = bridge.post(url, json=template_body(ns), headers={"User-Agent": "legacy-tool/1.2 (linux)"})
    assert allowed.status_code == 200
    assert allowed.headers["KubeRay-V1-Stage"] == "coexist"
    other = bridge.post(url, json=template_body(ns, "t2"), headers={"User-Agent": "python-requests/2.32"})
    assert other.status_code == 410
    expired = bridge.post(url, json=template_body(ns, "t3"), headers={"User-Agent": "expired/1"})
    assert expired.status_code == 410


def test_after_the_sunset_date_the_after_sunset_stage_applies_by_itself(embedded, ns):
    yesterday = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    bridge = bridge_with(
        embedded,
        v1_deprecated_since=dt.date(2020, 1, 1),
        v1_sunset=yesterday,
        v1_after_sunset_stage="read-only",
    )
    assert bridge.get(f"/apis/v1/namespaces/{ns}/clusters").status_code == 200
    refused = bridge.post(f"/apis/v1/namespaces/{ns}/compute_templates", json=template_body(ns))
    assert refused.status_code == 410
    assert refused.headers["KubeRay-V1-Stage"] == "read-only"
    assert refused.headers["Sunset"]


def test_a_cors_preflight_is_never_refused_by_the_stage(embedded, ns):
    bridge = bridge_with(embedded, v1_stage="removed", cors_origins=["https://ui.example"])
    preflight = bridge.options(
        f"/apis/v1/namespaces/{ns}/clusters",
        headers={"Origin": "https://ui.example", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code != 410
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://ui.example"


def test_read_only_keeps_the_501_of_a_method_v1_never_had(embedded, ns):
    bridge = bridge_with(embedded, v1_stage="read-only")
    assert bridge.put(f"/apis/v1/namespaces/{ns}/clusters/c1", json={}).status_code == 501
