"""The streams (watches, followed logs) a worker process has open, so that each ends cleanly.

A stream ends early in two ways besides its upstream ending it: its client hangs up
(``v2proxy.client_hangup``), or the worker stops. gunicorn stops a worker by clearing
``alive`` and waiting up to ``graceful_timeout`` for requests in flight — a watch would use
all of it and then be cut mid-body. So the server's worker hooks call :func:`end_all`: every
open stream is aborted (its upstream read returns), its generator finishes normally, the
server writes the terminating chunk, and the client sees a complete response, as when
Kubernetes ends a watch. A stream that starts while the worker stops ends at once, and the
idle keep-alive connection of a stream ended this way is closed: the worker may exit as soon
as ordinary requests are done instead of waiting out the keep-alive timeout.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable, Mapping
from typing import Any

from v2proxy.client_hangup import watch_hangup

log = logging.getLogger("kuberay_bridge.streams")


class OpenStreams:
    """A registry of abort functions; one per worker process (see :data:`streams`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._aborts: dict[int, Callable[[], None]] = {}
        self._next = 0
        self.stopping = False

    def __len__(self) -> int:
        return len(self._aborts)

    def open(self, environ: Mapping[str, Any], abort: Callable[[], None]) -> Callable[[], None]:
        """Track one stream: ``abort`` runs when its client hangs up or the worker stops.
        Returns the function to call when the response closes."""
        with self._lock:
            self._next += 1
            key = self._next
            self._aborts[key] = abort
            stopping = self.stopping
        stop_watching = watch_hangup(environ, abort)
        if stopping:
            abort()

        def close() -> None:
            stop_watching()
            with self._lock:
                self._aborts.pop(key, None)
                stopping = self.stopping
            if stopping:
                _no_next_request(environ.get("gunicorn.socket"))

        return close

    def end_all(self) -> int:
        """Abort every open stream, now and from now on; how many were open."""
        with self._lock:
            self.stopping = True
            aborts = list(self._aborts.values())
        for abort in aborts:
            try:
                abort()
            except Exception:
                log.exception("ending a stream at shutdown failed")
        if aborts:
            log.info("worker stopping: ended %d open streams", len(aborts))
        return len(aborts)


def _no_next_request(client: Any) -> None:
    """The response is complete; the server's next read on this idle connection sees
    end-of-file, so it closes the connection instead of waiting for another request. (A
    request the client sent already is still read, and answered with ``Connection: close``
    as gunicorn does while stopping.)"""
    try:
        client.shutdown(socket.SHUT_RD)
    except (AttributeError, OSError):
        pass


streams = OpenStreams()


def end_open_streams() -> int:
    """What a stopping worker calls (bridge.server's worker hooks)."""
    return streams.end_all()
