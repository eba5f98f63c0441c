"""The metric helpers: bounded client labels, watches apart from latency, upstream failures."""

from __future__ import annotations

from prometheus_client import generate_latest

from bridge.core import metrics
from tests.support.metrics import sample


def scrape() -> str:
    return generate_latest().decode()


def test_label_budget_admits_a_bounded_number_of_values_then_says_other():
    budget = metrics.LabelBudget(2)
    assert [budget.admit(v) for v in ("a", "b", "c", "a", "d")] == ["a", "b", "other", "a", "other"]


def test_v1_clients_past_the_limit_are_counted_as_other():
    metrics.limit_client_labels(3)
    try:
        for n in range(60):
            metrics.observe_v1_client(f"bulk-client-{n}", None, "clusters.list")
    finally:
        metrics.limit_client_labels(50)
    text = scrape()
    assert sample(text, "kuberay_bridge_v1_client_requests_total", client="bulk-client-59") == 0
    assert sample(text, "kuberay_bridge_v1_client_requests_total", client="other", route="clusters.list") > 0


def test_a_watch_goes_to_the_watch_histogram_not_the_latency_one():
    name = "kuberay_bridge_watch_duration_seconds_count"
    latency = "kuberay_bridge_request_duration_seconds_count"
    labels = {"dialect": "v2", "route": "unit-watch"}
    metrics.observe_request("v2", "unit-watch", "GET", 200, 1800.0, stream=True)
    text = scrape()
    assert sample(text, name, **labels) == 1
    assert sample(text, latency, **labels) == 0


def test_upstream_failures_count_5xx_after_retries_only():
    metrics.observe_upstream("unit-route", 3, 503)
    metrics.observe_upstream("unit-route", 1, 404)
    text = scrape()
    assert sample(text, "kuberay_bridge_upstream_failures_total", route="unit-route", code="503") == 1
    assert sample(text, "kuberay_bridge_upstream_failures_total", route="unit-route", code="404") == 0
    assert sample(text, "kuberay_bridge_upstream_retries_total", route="unit-route") == 2
