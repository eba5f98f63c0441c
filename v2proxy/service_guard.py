"""The service proxy, restricted to the Services the KubeRay operator made.

``/api/v1/namespaces/{ns}/services/{id}/proxy/...`` is how clients reach a Ray dashboard
(job submission, logs) through the Kubernetes API. Left open, it would reach every Service in
the cluster, so, as in the Go SDK, it only passes when a Service of that name carries the
label ``app.kubernetes.io/name=kuberay`` (set by the operator on head and serve services).
The check is a LIST with a field and a label selector made with the caller's credentials, so
a caller who may not list Services cannot probe them either.

Unlike the Go SDK, which answered these cases in plain text, the bridge's answers are
Kubernetes ``Status`` objects, as every error the bridge makes itself. The request body is
never read here: a job submission or an upload streams through untouched.
"""

from __future__ import annotations

from bridge.kube.resources import SERVICES
from bridge.kube.services import ServiceId, parse_service_id
from v2proxy.messages import (
    Handler,
    Middleware,
    ProxyRequest,
    ProxyResponse,
    buffered,
    status_response,
)
from v2proxy.pipeline import calls

KUBERAY_SERVICE_SELECTOR = "app.kubernetes.io/name=kuberay"
LOOKUP_ATTEMPTS = 3  # the lookup is a GET: an answer broken off mid-body is asked again


def split_service_id(service_id: str) -> ServiceId | None:
    """``(scheme, name, port)`` of ``name``, ``name:port`` or ``scheme:name:port``, the way
    the Kubernetes API server splits a service-proxy id; None when it is not one of those.

    ``service_id`` is the path segment as the route table decoded it, which is exactly what
    the API server splits once the forwarded path is decoded (the kubernetes Python client's
    ``https%3Aname%3Aport`` arrives here as ``https:name:port``). It is never decoded a second
    time: ``http:kuberay-head%253Adashboard`` must be checked as the ``http`` the API server
    resolves, not as ``kuberay-head``."""
    return parse_service_id(service_id)


@calls(("list", SERVICES))
def kuberay_services_only(lookup: Handler) -> Middleware:
    """Middleware for the service-proxy routes; ``lookup`` answers the Service LIST."""

    def kuberay_service_guard(request: ProxyRequest, call_next: Handler) -> ProxyResponse:
        service_id = request.params.get("service", "")
        namespace = request.params.get("namespace", "")
        parts = split_service_id(service_id)
        if parts is None:
            return status_response(
                400,
                "BadRequest",
                f'invalid service "{service_id}": use name, name:port or scheme:name:port '
                "(scheme http or https)",
            )
        name = parts[1]
        response = buffered(lookup, lambda: _list_request(request, namespace, name), LOOKUP_ATTEMPTS)
        try:
            payload = response.json() if 200 <= response.status < 300 else None
        except ValueError:
            payload = None
        if not 200 <= response.status < 300 or not isinstance(payload, dict):
            return _list_failure(response, name, namespace)
        items = payload.get("items")
        if not isinstance(items, list) or not any(_is_named(item, name) for item in items):
            return status_response(
                404,
                "NotFound",
                f'kuberay service "{name}" not found in namespace "{namespace}"',
                {"name": name, "kind": "services"},
            )
        return call_next(request)

    return kuberay_service_guard


def _is_named(item: object, name: str) -> bool:
    # The selectors already filtered; checking the name again costs nothing and keeps an
    # upstream that ignores fieldSelector from opening every labelled service.
    return isinstance(item, dict) and (item.get("metadata") or {}).get("name") == name


def _list_request(request: ProxyRequest, namespace: str, name: str) -> ProxyRequest:
    return request.side_request(
        SERVICES.get_url(namespace),
        query=[
            ("fieldSelector", f"metadata.name={name}"),
            ("labelSelector", KUBERAY_SERVICE_SELECTOR),
        ],
        route="kuberay-service-lookup",
        params={"namespace": namespace},
    )


def _list_failure(response: ProxyResponse, name: str, namespace: str) -> ProxyResponse:
    """The upstream's own status (403 stays 403, 503 stays 503), as a Status naming the
    service; 502 when it answered 2xx with something that is not a Service list."""
    try:
        upstream = response.json()
    except ValueError:
        upstream = None
    response.close()
    reason, cause = "", ""
    if isinstance(upstream, dict) and upstream.get("kind") == "Status":
        reason, cause = str(upstream.get("reason") or ""), str(upstream.get("message") or "")
    code = response.status if 400 <= response.status < 600 else 502
    message = f'cannot check that service "{name}" in namespace "{namespace}" is a kuberay service'
    message += f": {cause}" if cause else f" (upstream answered {response.status})"
    if code >= 500 and not reason:
        reason = "InternalError" if code == 500 else "ServiceUnavailable" if code == 503 else "BadGateway"
    return status_response(code, reason or "BadRequest", message)
