"""Notice a client that hangs up on an idle stream, and stop the upstream stream with it.

A WSGI server learns that its client is gone only when it writes; an idle watch writes
nothing, so without this the bridge would keep the upstream watch (and a greenlet or thread)
open until Kubernetes' next event or its watch timeout, and a graceful shutdown would wait
for it. gunicorn puts the client socket in the environ; a small watcher waits until that
socket turns readable: end-of-file means the client left, and the stream is closed.
Readable *data* (a pipelined next request) means the client is alive; the watcher then
stops looking, leaving the data for gunicorn.
"""

from __future__ import annotations

import logging
import select
import socket
import threading
from collections.abc import Callable, Mapping
from typing import Any

log = logging.getLogger("kuberay_bridge.hangup")
POLL_SECONDS = 5.0  # how often a watcher checks that its stream has not ended by itself


def close_on_hangup(environ: Mapping[str, Any], abort: Callable[[], None]) -> Callable[[], None]:
    """Call ``abort`` when the client of this request disconnects. Returns the function to
    call when the response ends normally (it stops the watcher)."""
    client = environ.get("gunicorn.socket")
    if not isinstance(client, socket.socket) and not hasattr(client, "fileno"):
        return lambda: None
    finished = threading.Event()

    def watch() -> None:
        while not finished.is_set():
            try:
                readable, _, _ = select.select([client], [], [], POLL_SECONDS)
                if not readable:
                    continue
                data = client.recv(1, socket.MSG_PEEK)
            except (BlockingIOError, InterruptedError):
                continue
            except (OSError, ValueError):
                data = b""
            if not data and not finished.is_set():
                log.debug("client hung up on a stream; closing the upstream stream")
                abort()
            return

    threading.Thread(target=watch, name="client-hangup", daemon=True).start()
    return finished.set
