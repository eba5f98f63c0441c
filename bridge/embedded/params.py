"""Query parameters of a request, parsed as the API server parses them."""

from __future__ import annotations

from collections.abc import Callable

from werkzeug.wrappers import Request

from bridge.embedded import watch
from bridge.embedded.errors import bad_request
from bridge.embedded.routing import Target
from bridge.embedded.selectors import (
    fields_match,
    labels_match,
    parse_field_selector,
    parse_label_selector,
)


def int_param(request: Request, name: str) -> int | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f'invalid value for {name}: "{raw}": must be an integer') from None
    if value < 0:
        raise bad_request(f"{name} must be non-negative")
    return value


def flag(request: Request, name: str) -> bool:
    """A boolean query parameter as apimachinery converts it: absent, "false" or "0" is
    false; anything else, even ``?watch`` with no value or ``watch=yes``, is true."""
    value = request.args.get(name)
    return value is not None and value.lower() not in ("false", "0")


def dry_run(request: Request, options: dict | None = None) -> bool:
    """``?dryRun=All``, or for a delete ``DeleteOptions.dryRun`` in the body: kubectl
    ``delete --dry-run=server`` sends only the body, so both must be honoured."""
    values = request.args.getlist("dryRun")
    in_body = (options or {}).get("dryRun") or []
    if not isinstance(in_body, list):
        raise bad_request("DeleteOptions.dryRun must be a list of strings")
    values = [*values, *in_body]
    for value in values:
        if value != "All":
            raise bad_request(f'dryRun: Unsupported value: "{value}": supported values: "All"')
    return bool(values)


def selection(request: Request, target: Target) -> Callable[[dict], bool]:
    """``labelSelector`` and ``fieldSelector`` (and the name of a single-object watch) as one
    predicate over objects in the form the client sees."""
    resource = target.resource
    labels = parse_label_selector(request.args.get("labelSelector", ""))
    fields = parse_field_selector(request.args.get("fieldSelector", ""), resource)
    name = target.name
    return lambda obj: (
        labels_match(labels, obj)
        and fields_match(fields, obj, resource)
        and (name is None or obj["metadata"]["name"] == name)
    )


def watch_spec(
    request: Request, target: Target, present: Callable[[dict], dict], bookmark_interval: float
) -> watch.WatchSpec:
    resource = target.resource
    rv_param = request.args.get("resourceVersion", "")
    send_initial = request.args.get("sendInitialEvents", "").lower()
    bookmarks = flag(request, "allowWatchBookmarks")
    since: int | None = None
    if rv_param not in ("", "0"):
        try:
            since = int(rv_param)
        except ValueError:
            raise bad_request(f'invalid resource version: "{rv_param}"') from None
    if send_initial == "true":
        since = None  # the current state, whatever resourceVersion says (NotOlderThan)
    timeout = int_param(request, "timeoutSeconds")
    return watch.WatchSpec(
        storage_key=resource.storage_key,
        namespace=target.namespace if resource.namespaced else None,
        matches=selection(request, target),
        present=present,
        kind=resource.kind,
        api_version=resource.api_version,
        since=since,
        initial_events=send_initial != "false",
        initial_events_end=send_initial == "true" and bookmarks,
        timeout=float(timeout) if timeout else watch.DEFAULT_TIMEOUT_SECONDS,
        bookmarks=bookmarks,
        bookmark_interval=bookmark_interval,
    )
