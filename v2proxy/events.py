"""The Ray events routes: Kubernetes events, narrowed to the ones about Ray objects.

Kubernetes serves one kind of Event through two APIs, core ``v1`` (``involvedObject``, what
``kubectl describe`` and ``kubectl events`` read) and ``events.k8s.io/v1`` (``regarding``,
what the Go SDK's events route reads). The bridge serves both, namespaced and across all
namespaces, read-only, and never shows an event about a Pod, a Secret or anything else
outside the Ray group.

Lists and watches: as in the Go SDK, the caller's field selectors are kept and ANDed with
``<reference>.apiVersion=ray.io/v1`` in one ``fieldSelector``, so a caller can narrow the
result but never widen it. The other query parameters (``watch``, ``limit``, ``continue``,
``labelSelector``, ``resourceVersion``...) go upstream unchanged and in their order, so
watches stream and pagination works as with the Kubernetes API itself.

A single event (GET by name) takes no field selector, so it is first looked up with that
narrowed list (name and Ray selector, the caller's credentials) and passes only when found,
as the service-proxy guard checks Services; anything else is 404, as if it did not exist.
"""

from __future__ import annotations

from bridge.kube.resources import EVENTS, EVENTS_K8S_IO
from v2proxy.messages import (
    Handler,
    Middleware,
    ProxyRequest,
    ProxyResponse,
    status_response,
)
from v2proxy.pipeline import calls

RAY_API_VERSION = "ray.io/v1"
# The field that names the object an event is about, by the API the event is read through.
REFERENCE_FIELD = {"v1": "involvedObject", "events.k8s.io/v1": "regarding"}
RAY_EVENTS_SELECTOR = f"regarding.apiVersion={RAY_API_VERSION}"


def ray_selector(api_version: str) -> str:
    """The field selector that keeps the events about Ray objects, in ``api_version``'s names."""
    return f"{REFERENCE_FIELD[api_version]}.apiVersion={RAY_API_VERSION}"


def ray_field_selector(
    query: list[tuple[str, str]], ray_term: str = RAY_EVENTS_SELECTOR
) -> list[tuple[str, str]]:
    """``query`` with every ``fieldSelector`` folded into one that also requires Ray objects.

    The single ``fieldSelector`` takes the place of the caller's first one (or goes last when
    there was none); empty selector values add nothing and are dropped. The Ray term comes
    first (Go puts it last): a field selector escapes ``,`` with a backslash, so a caller
    value ending in ``\\`` would otherwise swallow the separator and turn the Ray term into
    part of its own value, e.g. ``regarding.kind!=x\\`` would match every event.
    """
    terms = [value for key, value in query if key == "fieldSelector" and value]
    selector = ("fieldSelector", ",".join([ray_term, *terms]))
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


def _api_version_of(path: str) -> str:
    return "v1" if path.startswith("/api/v1/") else "events.k8s.io/v1"


def ray_events_only(request: ProxyRequest, call_next: Handler) -> ProxyResponse:
    """Middleware for GET/HEAD of an events collection (namespaced or all namespaces, either API)."""
    request.query = ray_field_selector(request.query, ray_selector(_api_version_of(request.path)))
    return call_next(request)


@calls(("list", EVENTS), ("list", EVENTS_K8S_IO))
def ray_event_only(lookup: Handler) -> Middleware:
    """Middleware for GET/HEAD of one event; ``lookup`` answers the narrowed LIST."""

    def ray_event_guard(request: ProxyRequest, call_next: Handler) -> ProxyResponse:
        namespace, name = request.params.get("namespace", ""), request.params.get("name", "")
        collection = request.path.rsplit("/", 1)[0]
        selector = f"{ray_selector(_api_version_of(request.path))},metadata.name={name}"
        listed = lookup(
            request.side_request(
                collection,
                query=[("fieldSelector", selector)],
                route="ray-event-lookup",
                params={"namespace": namespace},
            )
        )
        try:
            payload = listed.json() if listed.status == 200 else None
        except ValueError:
            payload = None
        if not isinstance(payload, dict) or not isinstance(payload.get("items"), list):
            return (
                listed
                if listed.status >= 400
                else status_response(
                    502, "InternalError", f"cannot check that event {name!r} is about a Ray object"
                )
            )
        if not any(
            (item.get("metadata") or {}).get("name") == name
            for item in payload["items"]
            if isinstance(item, dict)
        ):
            return status_response(
                404, "NotFound", f'events "{name}" not found', {"name": name, "kind": "events"}
            )
        return call_next(request)

    return ray_event_guard
