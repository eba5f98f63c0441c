"""The route label of the metrics and the log line is always a name: a table row's, the
bridge's own endpoint's, or ``none`` — never a raw Flask rule such as ``/<path:rest>``."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from bridge.core.config import BridgeConfig


def routes_seen(text: str, dialect: str) -> set[str]:
    return {
        sample.labels["route"]
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "kuberay_bridge_requests_total" and sample.labels.get("dialect") == dialect
    }


def test_every_request_is_counted_under_a_name(upstream):
    from bridge.app import create_app

    client = create_app(BridgeConfig(upstream=upstream.url)).test_client()
    for path in (
        "/healthz",
        "/migration",
        "/apis/ray.io/v1/namespaces/ns/rayclusters",
        "/apis/ray.io/v1",
        "/api/v1/namespaces/ns/secrets",  # refused: a v2 path no row takes
        "/apis/v1/namespaces/ns/clusters/c",
        "/apis/v1/no-such-route",
        "/no-such-path",
    ):
        client.get(path).close()
    text = client.get("/metrics").get_data(as_text=True)
    assert {"health.healthz", "guide.migration_guide"} <= routes_seen(text, "other")
    assert {"ray", "discovery", "none"} <= routes_seen(text, "v2")
    assert {"clusters.get", "none"} <= routes_seen(text, "v1")
    every = routes_seen(text, "other") | routes_seen(text, "v2") | routes_seen(text, "v1")
    assert [route for route in every if "/" in route or "<" in route] == []
