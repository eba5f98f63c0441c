"""How a v1 job-submission call reaches a RayCluster's Ray dashboard (its Job API, ``/api/jobs/``).

Two ways, chosen by the ``job_submission_access`` setting:

- ``direct``: ``http://<cluster>-head-svc.<namespace>.svc.cluster.local:8265``, the Go
  server's URL, for a bridge running inside the cluster (a pooled urllib3 connection);
- ``service-proxy``: the Kubernetes API's service proxy for that head Service, through the v2
  pipeline with the caller's credentials, for a bridge outside the cluster. The v2 route's
  guard applies (only Services the KubeRay operator made), and only ``/api/jobs/...`` paths
  are ever built here;
- ``auto`` (the default): direct when the upstream is in-cluster, the service proxy otherwise.

Either way a call is made once (a submission sent twice runs twice) and waits at most
``job_submission_timeout`` seconds. A dashboard that cannot be reached, or does not answer in
time, is a ``DashboardUnreachable``; whatever the dashboard answers is a ``DashboardAnswer``
for ``v1compat.submissions_api`` to read.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from typing import Any, Protocol

import urllib3
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import NewConnectionError
from urllib3.exceptions import TimeoutError as Urllib3Timeout

from bridge.kube.resources import SERVICES, quote_segment
from bridge.kube.services import dashboard_cluster_url, dashboard_service_id
from v1compat.errors import HTTP_TO_CODE, Code

DIRECT = "direct"
SERVICE_PROXY = "service-proxy"


def access_mode(setting: str, upstream_mode: str) -> str:
    """``direct`` or ``service-proxy`` for the ``job_submission_access`` setting: ``auto``
    is direct only when the bridge runs in the cluster (its upstream is ``in-cluster``)."""
    if setting == "auto":
        return DIRECT if upstream_mode == "in-cluster" else SERVICE_PROXY
    return setting


def jobs_path(*segments: str) -> str:
    """``api/jobs/`` or ``api/jobs/<id>[/<rest>]``, each id quoted as one path segment."""
    return "api/jobs/" + "/".join(quote_segment(segment) for segment in segments)


@dataclass(frozen=True)
class DashboardAnswer:
    """What the dashboard answered: its status and body, untouched."""

    status: int
    reason: str
    body: bytes

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def json(self) -> Any:
        """The body as JSON; ValueError when it is not."""
        return json.loads(self.body)

    def text(self, limit: int = 1000) -> str:
        return self.body.decode("utf-8", "replace").strip()[:limit]


class DashboardUnreachable(Exception):
    """No answer from the dashboard itself: ``code`` is UNAVAILABLE (refused, no head
    Service, a proxy failure) or DEADLINE_EXCEEDED (it did not answer in time)."""

    def __init__(self, code: Code, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


class Dashboard(Protocol):
    """One cluster's dashboard; ``path`` is relative to its root (``api/jobs/``)."""

    where: str  # for messages: the direct URL or the service-proxy path

    def call(self, method: str, path: str, body: Any = None) -> DashboardAnswer: ...


# --- direct -----------------------------------------------------------------------------------

_pools: dict[int, urllib3.PoolManager] = {}
_pools_lock = threading.Lock()


def _pool() -> urllib3.PoolManager:
    """One pool per process: a gunicorn worker never shares sockets with its master."""
    pid = os.getpid()
    pool = _pools.get(pid)
    if pool is None:
        with _pools_lock:
            pool = _pools.get(pid) or urllib3.PoolManager(num_pools=64, maxsize=8, retries=False)
            _pools.clear()
            _pools[pid] = pool
    return pool


class DirectDashboard:
    """The dashboard at ``base_url`` (the cluster DNS name of the head Service)."""

    def __init__(self, base_url: str, timeout: float):
        self.base_url = base_url.rstrip("/")
        self.where = self.base_url
        self.timeout = timeout

    @classmethod
    def of_cluster(cls, namespace: str, cluster: str, timeout: float) -> DirectDashboard:
        return cls(dashboard_cluster_url(namespace, cluster), timeout)

    def call(self, method: str, path: str, body: Any = None) -> DashboardAnswer:
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            response = _pool().request(
                method,
                f"{self.base_url}/{path}",
                body=data,
                headers=headers,
                timeout=urllib3.Timeout(connect=self.timeout, read=self.timeout),
                retries=False,
                redirect=False,
            )
        except NewConnectionError as error:  # a ConnectTimeoutError too, for urllib3 1.x's sake
            raise DashboardUnreachable(
                Code.UNAVAILABLE, f"the Ray dashboard at {self.where} is unreachable: {error}"
            ) from None
        except Urllib3Timeout as error:
            raise _too_slow(self.where, self.timeout, error) from None
        except (Urllib3Error, OSError) as error:
            raise DashboardUnreachable(
                Code.UNAVAILABLE, f"the Ray dashboard at {self.where} is unreachable: {error}"
            ) from None
        return DashboardAnswer(response.status, response.reason or "", response.data)


def _too_slow(where: str, timeout: float, error: object) -> DashboardUnreachable:
    return DashboardUnreachable(
        Code.DEADLINE_EXCEEDED,
        f"the Ray dashboard at {where} did not answer within {timeout:g} s: {error}",
    )


# --- through the Kubernetes API's service proxy ------------------------------------------------


class V2Sender(Protocol):
    def send(self, method: str, path: str, body: Any = None, **options: Any) -> Any: ...


class ServiceProxyDashboard:
    """The dashboard behind ``/api/v1/namespaces/<ns>/services/<cluster>-head-svc:8265/proxy``,
    called through the v2 pipeline (the service-proxy route and its guard, the caller's
    credentials, metrics), never retried."""

    def __init__(self, client: V2Sender, namespace: str, cluster: str, timeout: float):
        self.client = client
        self.where = SERVICES.get_url(namespace, dashboard_service_id(cluster), "proxy")
        self.timeout = timeout

    def call(self, method: str, path: str, body: Any = None) -> DashboardAnswer:
        response = self.client.send(
            method, f"{self.where}/{path}", body=body, read_timeout=self.timeout, retry=False
        )
        try:
            data = response.read()
        except Urllib3Timeout as error:
            raise _too_slow(self.where, self.timeout, error) from None
        except (Urllib3Error, OSError, ValueError) as error:
            raise DashboardUnreachable(
                Code.UNAVAILABLE, f"the Ray dashboard at {self.where} broke off its answer: {error}"
            ) from None
        status = _kubernetes_status(response.headers.get("Content-Type", ""), data)
        if status is not None:
            raise _proxy_failure(self.where, self.timeout, response.status, status)
        return DashboardAnswer(response.status, "", data)


def _kubernetes_status(content_type: str, data: bytes) -> dict[str, Any] | None:
    """The Kubernetes ``Status`` this answer is, if it is one: then the API server or the
    bridge answered (no such Service, dashboard refused, timeout), not the dashboard, whose
    Job API never answers a Status."""
    if "json" not in content_type:
        return None
    try:
        body = json.loads(data)
    except ValueError:
        return None
    if isinstance(body, dict) and body.get("kind") == "Status" and body.get("apiVersion") == "v1":
        return body
    return None


def _proxy_failure(where: str, timeout: float, http_status: int, status: dict[str, Any]) -> Exception:
    message = str(status.get("message") or f"HTTP {http_status}")
    if http_status == 504:
        return _too_slow(where, timeout, message)
    code = HTTP_TO_CODE.get(http_status)
    if code in (Code.UNAUTHENTICATED, Code.PERMISSION_DENIED, Code.RESOURCE_EXHAUSTED):
        return DashboardUnreachable(code, f"the Ray dashboard at {where} cannot be reached: {message}")
    return DashboardUnreachable(Code.UNAVAILABLE, f"the Ray dashboard at {where} is unreachable: {message}")


def dashboard_for(
    client: V2Sender, namespace: str, cluster: str, setting: str, upstream_mode: str, timeout: float
) -> Dashboard:
    """The dashboard of ``cluster``, reached the way ``setting`` (``job_submission_access``)
    and the upstream mode say."""
    if access_mode(setting, upstream_mode) == DIRECT:
        return DirectDashboard.of_cluster(namespace, cluster, timeout)
    return ServiceProxyDashboard(client, namespace, cluster, timeout)
