"""``?watch=true``: a chunked stream of JSON lines, one watch event each.

Follows the API server: without a resourceVersion (or with "0") the stream starts with a
synthetic ADDED event per current object (``sendInitialEvents=true`` does too, then marks
the end with a BOOKMARK annotated ``k8s.io/initial-events-end``, as watch-list clients
expect); with one, it resumes after it, or sends one ERROR
event carrying a 410 Expired Status when that point is no longer in the ring (what client-go
and the Python client's ``watch.Watch`` turn into "resource version too old"). An object
that starts or stops matching the selectors shows up as ADDED or DELETED. BOOKMARK events
carry only the resourceVersion, when the client allows them. The store lock is only held
inside ``Store.changes_after``; writing to the socket happens outside it.
"""

from __future__ import annotations

import json
import select
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from bridge.embedded.store import Store, TooOldResourceVersion, WatchEvent

DEFAULT_TIMEOUT_SECONDS = 1800.0
# How often an idle watch checks that its client is still there.
LIVENESS_SECONDS = 5.0


@dataclass(frozen=True)
class WatchSpec:
    storage_key: str
    namespace: str | None  # None: every namespace
    matches: Callable[[dict], bool]  # on the object as the client sees it
    present: Callable[[dict], dict]  # stored object -> what the client sees
    kind: str
    api_version: str
    since: int | None  # None: start from the current state
    initial_events: bool = True  # with since None: an ADDED event per current object first
    initial_events_end: bool = False  # then a BOOKMARK saying so (``sendInitialEvents=true``)
    timeout: float = DEFAULT_TIMEOUT_SECONDS
    bookmarks: bool = False
    bookmark_interval: float = 10.0
    render: Callable[[dict], dict] = lambda obj: obj  # what goes on the wire (a Table row...)


def _event(spec: WatchSpec, event_type: str, obj: dict) -> bytes:
    return _line(event_type, spec.render(obj))


def _line(event_type: str, obj: dict) -> bytes:
    return json.dumps({"type": event_type, "object": obj}, separators=(",", ":")).encode() + b"\n"


def _client_gone(sock: socket.socket | None) -> bool:
    """True when the peer closed the connection (readable with nothing to read)."""
    if sock is None:
        return False
    try:
        poller = select.poll()  # not select(): it cannot take descriptors past 1023
        poller.register(sock, select.POLLIN)
        if not poller.poll(0):
            return False
        return sock.recv(1, socket.MSG_PEEK) == b""
    except (OSError, ValueError):
        return True


def _translate(event: WatchEvent, spec: WatchSpec) -> tuple[str, dict] | None:
    """The event this watcher sees, if any: selectors decide on the old and new object."""
    now = spec.present(event.object)
    if event.type == "ADDED":
        return ("ADDED", now) if spec.matches(now) else None
    if event.type == "DELETED":
        before = spec.present(event.previous) if event.previous else now
        return ("DELETED", now) if spec.matches(before) else None
    was = spec.matches(spec.present(event.previous)) if event.previous else False
    is_ = spec.matches(now)
    if was and is_:
        return "MODIFIED", now
    if is_:
        return "ADDED", now
    if was:
        return "DELETED", now
    return None


def stream(store: Store, spec: WatchSpec, sock: socket.socket | None = None) -> Iterator[bytes]:
    deadline = time.monotonic() + spec.timeout
    yield b""  # the server sends the headers now, not with the first event
    if spec.since is None:
        objects, last = store.list(spec.storage_key, spec.namespace)
        for obj in objects if spec.initial_events else ():
            shown = spec.present(obj)
            if spec.matches(shown):
                yield _event(spec, "ADDED", shown)
        if spec.initial_events_end:
            yield _line(
                "BOOKMARK",
                {
                    "kind": spec.kind,
                    "apiVersion": spec.api_version,
                    "metadata": {
                        "resourceVersion": str(last),
                        "annotations": {"k8s.io/initial-events-end": "true"},
                    },
                },
            )
    else:
        last = spec.since
    next_bookmark = time.monotonic() + spec.bookmark_interval
    next_liveness = time.monotonic() + LIVENESS_SECONDS
    while True:
        now = time.monotonic()
        if now >= deadline:
            return
        wake = min(deadline, next_liveness, next_bookmark if spec.bookmarks else deadline)
        try:
            changes = store.changes_after(last, max(0.0, wake - now))
        except TooOldResourceVersion as exc:
            yield _line("ERROR", exc.api_error().status())
            return
        if changes is None:  # the store closed: the server is stopping
            return
        for change in changes:
            last = change.resource_version
            if change.storage_key != spec.storage_key:
                continue
            if spec.namespace is not None and change.namespace != spec.namespace:
                continue
            seen = _translate(change, spec)
            if seen is not None:
                yield _event(spec, *seen)
        now = time.monotonic()
        if spec.bookmarks and now >= next_bookmark:
            yield _line(
                "BOOKMARK",
                {
                    "kind": spec.kind,
                    "apiVersion": spec.api_version,
                    "metadata": {"resourceVersion": str(last)},
                },
            )
            next_bookmark = now + spec.bookmark_interval
        if now >= next_liveness:
            if _client_gone(sock):
                return
            next_liveness = now + LIVENESS_SECONDS
