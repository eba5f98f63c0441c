"""``/metrics``: Prometheus counters for requests and upstream retries, across all workers.

Under ``kuberay-bridge serve`` (or ``gunicorn -c python:bridge.gunicorn_conf``) the master
gives the workers a shared ``PROMETHEUS_MULTIPROC_DIR`` before forking, so any worker that
answers a scrape reports the sum of all of them; a dead worker's live gauges are dropped by
``mark_dead``. Without that directory (tests, ``flask run``) the numbers are this process's.

Labels stay low-cardinality on purpose: the route *name* from the table (``ray``,
``ray-create``, ``service-proxy``...), never a path, namespace or object name.
"""

from __future__ import annotations

import os

from flask import Blueprint, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

REQUESTS = Counter(
    "kuberay_bridge_requests_total",
    "Requests answered, by dialect, route, method and status code.",
    ["dialect", "route", "method", "code"],
)
DURATION = Histogram(
    "kuberay_bridge_request_duration_seconds",
    "Time from request to the end of the response body (a watch counts while open).",
    ["dialect", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60, 600),
)
RETRIES = Counter(
    "kuberay_bridge_upstream_retries_total",
    "Upstream calls repeated after a connection failure, 429 or 5xx.",
    ["route"],
)
OPEN_STREAMS = Gauge(
    "kuberay_bridge_open_streams",
    "Watches and followed logs being streamed right now.",
    multiprocess_mode="livesum",
)

blueprint = Blueprint("metrics", __name__)


def observe_request(dialect: str, route: str, method: str, code: int, seconds: float) -> None:
    REQUESTS.labels(dialect, route, method, str(code)).inc()
    DURATION.labels(dialect, route).observe(seconds)


def observe_upstream(route: str, attempts: int) -> None:
    if attempts > 1:
        RETRIES.labels(route).inc(attempts - 1)


@blueprint.get("/metrics")
def metrics() -> Response:
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        data = generate_latest(registry)
    else:
        data = generate_latest()
    return Response(data, content_type=CONTENT_TYPE_LATEST)


def mark_dead(pid: int) -> None:
    """gunicorn ``child_exit`` hook: forget a dead worker's live gauges."""
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(pid)
