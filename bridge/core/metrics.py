"""``/metrics``: Prometheus counters for requests and upstream retries, across all workers.

Under ``kuberay-bridge serve`` (or ``gunicorn -c python:bridge.gunicorn_conf``) the master
gives the workers a shared ``PROMETHEUS_MULTIPROC_DIR`` before forking, so any worker that
answers a scrape reports the sum of all of them; a dead worker's live gauges are dropped by
``mark_dead``. Without that directory (tests, ``flask run``) the numbers are this process's.

Labels stay low-cardinality on purpose: the route *name* from the tables (v2: ``ray``,
``ray-create``, ``discovery``...; v1: ``clusters.create``, ``jobs.list``...), never a path,
namespace or object name. Who still calls v1 is counted by client (the User-Agent product) and
identity (when authenticated); each worker labels at most ``metrics_client_limit`` distinct
values of each and counts the rest as ``other``, so a client that puts a random string in its
User-Agent cannot grow the series without bound (the bound is per worker: with N workers the
scrape shows at most N x limit values, usually far fewer, since clients repeat).

Watches and followed logs are not in the latency histogram (a watch open for an hour says
nothing about latency); their open time goes to ``kuberay_bridge_watch_duration_seconds``.
"""

from __future__ import annotations

import os
import threading

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
    "Time from request to the end of the response body, watches and followed logs excluded.",
    ["dialect", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
WATCH_DURATION = Histogram(
    "kuberay_bridge_watch_duration_seconds",
    "How long watches and followed logs stayed open.",
    ["dialect", "route"],
    buckets=(1, 10, 60, 300, 900, 1800, 3600, 4 * 3600, 24 * 3600),
)
RETRIES = Counter(
    "kuberay_bridge_upstream_retries_total",
    "Upstream calls repeated after a connection failure, 429 or 5xx.",
    ["route"],
)
UPSTREAM_FAILURES = Counter(
    "kuberay_bridge_upstream_failures_total",
    "Upstream calls that ended in a 5xx (the upstream's, or the bridge's 502/503/504 when it "
    "could not reach the upstream), after any retries.",
    ["route", "code"],
)
V1_CLIENT_REQUESTS = Counter(
    "kuberay_bridge_v1_client_requests_total",
    "v1 requests by client (User-Agent product), identity (when authenticated) and route.",
    ["client", "identity", "route"],
)
OPEN_STREAMS = Gauge(
    "kuberay_bridge_open_streams",
    "Watches and followed logs being streamed right now.",
    multiprocess_mode="livesum",
)

blueprint = Blueprint("metrics", __name__)


OTHER = "other"
NO_IDENTITY = "none"


class LabelBudget:
    """The distinct values one label may take in this process; later ones become ``other``."""

    def __init__(self, limit: int):
        self.limit = limit
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def admit(self, value: str) -> str:
        if value in self._seen:
            return value
        with self._lock:
            if len(self._seen) >= self.limit:
                return OTHER
            self._seen.add(value)
        return value


_budgets = {"client": LabelBudget(50), "identity": LabelBudget(50)}


def limit_client_labels(limit: int) -> None:
    """``metrics_client_limit``: set when the app is built (values seen so far stay)."""
    for budget in _budgets.values():
        budget.limit = limit


def observe_request(
    dialect: str, route: str, method: str, code: int, seconds: float, *, stream: bool = False
) -> None:
    REQUESTS.labels(dialect, route, method, str(code)).inc()
    (WATCH_DURATION if stream else DURATION).labels(dialect, route).observe(seconds)


def observe_v1_client(client: str, identity: str | None, route: str) -> None:
    V1_CLIENT_REQUESTS.labels(
        _budgets["client"].admit(client),
        _budgets["identity"].admit(identity) if identity else NO_IDENTITY,
        route,
    ).inc()


def observe_upstream(route: str, attempts: int, status: int = 0) -> None:
    if attempts > 1:
        RETRIES.labels(route).inc(attempts - 1)
    if status >= 500:
        UPSTREAM_FAILURES.labels(route, str(status)).inc()


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
