"""The Ray events route: namespaced ``events.k8s.io/v1`` events, narrowed to Ray objects.

As in the Go SDK, the caller's field selectors are kept and ANDed with
``regarding.apiVersion=ray.io/v1`` in one ``fieldSelector``, so a caller can narrow the
result but never see events about Pods, Secrets or anything else outside the Ray group. The
other query parameters (``watch``, ``limit``, ``continue``, ``labelSelector``,
``resourceVersion``...) go upstream unchanged and in their order, so watches stream and
pagination works as with the Kubernetes API itself.
"""

from __future__ import annotations

from v2proxy.messages import Handler, ProxyRequest, ProxyResponse

RAY_EVENTS_SELECTOR = "regarding.apiVersion=ray.io/v1"


def ray_field_selector(query: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``query`` with every ``fieldSelector`` folded into one that also requires Ray objects.

    The single ``fieldSelector`` takes the place of the caller's first one (or goes last when
    there was none); empty selector values add nothing and are dropped. The Ray term comes
    first (Go puts it last): a field selector escapes ``,`` with a backslash, so a caller
    value ending in ``\\`` would otherwise swallow the separator and turn the Ray term into
    part of its own value, e.g. ``regarding.kind!=x\\`` would match every event.
    """
    terms = [value for key, value in query if key == "fieldSelector" and value]
    selector = ("fieldSelector", ",".join([RAY_EVENTS_SELECTOR, *terms]))
    result: list[tuple[str, str]] = []
    placed = False
    for key, value in query:
        if key != "fieldSelector":
            result.append((key, value))
        elif not placed:
            result.append(selector)
            placed = True
    if not placed:
        result.append(selector)
    return result


def ray_events_only(request: ProxyRequest, call_next: Handler) -> ProxyResponse:
    """Middleware for GET/HEAD of ``/apis/events.k8s.io/v1/namespaces/{ns}/events``."""
    request.query = ray_field_selector(request.query)
    return call_next(request)
