"""The Grafana migration dashboard: every query names only metrics the bridge exports (taken
from a scrape, not from a list kept by hand), and the chart ships it as a sidecar ConfigMap."""

from __future__ import annotations

import json
import re

import kubernetes_validate

from tests.support.helm import CHART, render

DASHBOARD = CHART / "dashboards" / "kuberay-bridge-migration.json"
_METRIC = re.compile(r"\bkuberay_bridge_[a-z0-9_]+\b")
_TYPE = re.compile(r"^# TYPE (\S+) (\S+)$", re.MULTILINE)
_SUFFIXES = {"histogram": ("_bucket", "_count", "_sum"), "counter": ("", "_total"), "gauge": ("",)}


def exported_names(exposition: str) -> set[str]:
    names = set()
    for family, kind in _TYPE.findall(exposition):
        names.update(family + suffix for suffix in _SUFFIXES.get(kind, ("",)))
    return names


def queries() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    found = []
    for panel in dashboard["panels"]:
        found.extend(target["expr"] for target in panel.get("targets", []))
    return found


def test_every_query_uses_only_metrics_the_bridge_exports(embedded):
    from bridge.app import create_app
    from bridge.core.config import BridgeConfig

    client = create_app(BridgeConfig(upstream=embedded.url)).test_client()
    client.get("/apis/v1/clusters")
    client.get("/apis/ray.io/v1/rayclusters")
    exported = exported_names(client.get("/metrics").get_data(as_text=True))
    used = {name for expr in queries() for name in _METRIC.findall(expr)}
    assert used, "the dashboard has queries"
    assert used - exported == set()
    assert {"kuberay_bridge_v1_client_requests_total", "kuberay_bridge_requests_total"} <= used


def test_the_dashboard_shows_v1_share_by_client_and_route_next_to_v2():
    text = "\n".join(queries())
    assert 'dialect="v1"' in text and 'dialect="v2"' in text
    assert "sum by (client, identity)" in text
    assert "sum by (route)" in text


def test_the_chart_ships_the_dashboard_for_the_grafana_sidecar_when_asked():
    assert not [m for m in render({}) if m["metadata"]["name"].endswith("-dashboard")]
    manifests = render({"grafanaDashboard": {"enabled": True, "labels": {"team": "ray"}}})
    (configmap,) = [
        m for m in manifests if m["kind"] == "ConfigMap" and m["metadata"]["name"].endswith("-dashboard")
    ]
    assert configmap["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert configmap["metadata"]["labels"]["team"] == "ray"
    shipped = json.loads(configmap["data"]["kuberay-bridge-migration.json"])
    assert shipped == json.loads(DASHBOARD.read_text())
    kubernetes_validate.validate(configmap, "1.33", strict=True)
