"""``/healthz`` (the process answers) and ``/readyz`` (the upstream answers, and which one).

Readiness asks the upstream for ``/version`` — the cheapest call every Kubernetes API serves,
to anyone — and remembers the answer for a moment so a busy probe does not become load. Any
HTTP answer below 500 means reachable: in passthrough mode the bridge has no credentials of
its own and a 401 still proves the API is there. The probe carries the bridge's ``Via`` entry
like every upstream call, so an upstream that is the bridge itself answers 508 at once
(``bridge.core.hops``) and readiness names the loop instead of hanging. From SIGTERM on it
answers 503 without asking (``bridge.core.shutdown``), while everything else still serves.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import orjson
import urllib3
from flask import Blueprint, jsonify, request

from bridge.core.auth import is_trusted_caller
from bridge.core.hops import LOOP_STATUS
from bridge.core.shutdown import shutting_down
from bridge.core.state import current_state
from bridge.core.upstream import Upstream
from bridge.kube.status import failure

blueprint = Blueprint("health", __name__)
CACHE_SECONDS = 1.5
SHUTTING_DOWN = "shutting down: finishing the requests in flight, send new ones elsewhere"


class ReadinessProbe:
    def __init__(
        self,
        upstream: Upstream,
        timeout: float,
        send_credentials: bool,
        clock: Callable[[], float] = time.monotonic,
        via: str | None = None,
    ):
        self.upstream = upstream
        self.timeout = timeout
        self.send_credentials = send_credentials
        self.clock = clock
        self.via = via
        self._lock = threading.Lock()
        self._cached: tuple[float, str | None] | None = None

    def problem(self) -> str | None:
        """None when the upstream is reachable, else what is wrong."""
        now = self.clock()
        cached = self._cached
        if cached is not None and now - cached[0] < CACHE_SECONDS:
            return cached[1]
        with self._lock:
            problem = self._check()
            self._cached = (self.clock(), problem)
        return problem

    def _check(self) -> str | None:
        headers = {"Accept": "application/json"}
        if self.via:
            headers["Via"] = self.via
        if self.send_credentials:
            try:
                authorization = self.upstream.authorization()
            except Exception as error:  # exec plugins and token files fail in many ways
                return f"cannot get upstream credentials: {error}"
            if authorization:
                headers["Authorization"] = authorization
        try:
            response = self.upstream.urlopen(
                "GET", "/version", headers=headers, timeout=self.timeout, retries=False, redirect=False
            )
        except urllib3.exceptions.HTTPError as error:
            return f"upstream unreachable: {error.__class__.__name__}: {error}"
        if response.status == LOOP_STATUS:
            return _status_message(response.data) or "upstream request loop"
        if response.status >= 500:
            return f"upstream answered {response.status} to GET /version"
        return None


def _status_message(data: bytes) -> str | None:
    try:
        body = orjson.loads(data)
    except ValueError:
        return None
    message = body.get("message") if isinstance(body, dict) else None
    return message if isinstance(message, str) and message else None


@blueprint.get("/healthz")
def healthz():
    return jsonify(status="ok")


@blueprint.get("/readyz")
def readyz():
    """Ready or not for everyone (probes carry no token); which upstream, and what is wrong
    with it, only for callers who may see the bridge's internals."""
    state = current_state()
    problem = SHUTTING_DOWN if shutting_down.is_set() else state.readiness.problem()
    if not is_trusted_caller(state.config.auth_mode, request.headers.get("Authorization"), state.tokens):
        if problem is None:
            return jsonify(status="ready")
        return jsonify(failure(503, "not ready", "ServiceUnavailable")), 503
    upstream = state.upstream.describe()
    if problem is None:
        return jsonify(status="ready", upstream=upstream)
    return jsonify(failure(503, problem, "ServiceUnavailable", upstream=upstream)), 503
