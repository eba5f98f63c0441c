"""Notice a client that hangs up on an idle stream, and stop the upstream stream with it.

A WSGI server learns that its client is gone only when it writes; an idle watch writes
nothing, so without this the bridge would keep the upstream watch open until Kubernetes'
next event or its watch timeout. gunicorn puts the client socket in the environ; the
process's one readiness poller waits until it turns readable: end-of-file (or a reset)
means the client left, and the stream is aborted. Readable *data* (a pipelined next
request) means the client is alive; the poller then lets go of the socket, leaving the
data for gunicorn.

Two rules keep this safe on a keep-alive connection. Looking is a non-blocking
``recv(MSG_PEEK)`` on the bare descriptor, so it never waits on the socket and never
consumes a byte. And stopping is synchronous: once the function returned by
:func:`watch_hangup` returns, the poller never looks at that descriptor again — the server
may read the client's next request from it at once (a watcher that was still busy with a
socket gunicorn had moved on with made gevent fail that request with a 500).

Under gevent (gunicorn's default worker here) the poller is the hub's own event loop: one
io watcher per stream, started and stopped from the request's greenlet. Elsewhere (gthread,
sync) it is one daemon thread per process on a ``selectors`` poller (epoll on Linux), which
registers and dispatches under a lock. Neither has a descriptor ceiling or costs a thread
or a timer per stream.
"""

from __future__ import annotations

import _socket
import logging
import os
import selectors
import socket
import threading
from collections.abc import Callable, Mapping
from typing import Any

import gevent
from gevent import monkey

log = logging.getLogger("kuberay_bridge.hangup")

_PEEK = socket.MSG_PEEK | socket.MSG_DONTWAIT


def client_left(fd: int) -> bool | None:
    """What a readable client socket says: True when the peer closed or reset it, False
    when it sent data (alive, e.g. its next request), None when there is nothing to read
    after all. Never blocks, never consumes a byte, works on any descriptor number."""
    try:
        # A bare view of the descriptor, detached below: gevent's socket class would wait
        # for readiness where this must return at once, and closing it would close the fd.
        probe = _socket.socket(fileno=fd)
    except OSError:
        return True
    try:
        return probe.recv(1, _PEEK) == b""
    except (BlockingIOError, InterruptedError):
        return None
    except OSError:
        return True
    finally:
        probe.detach()


class _Watch:
    """One stream's client socket, until it hangs up, sends data, or the stream ends."""

    def __init__(self, fd: int, on_hangup: Callable[[], None]):
        self.fd = fd
        self.on_hangup = on_hangup
        self.active = True

    def readable(self, stop: Callable[[], None]) -> None:
        verdict = client_left(self.fd)
        if verdict is None:
            return
        stop()
        if verdict:
            log.debug("client hung up on a stream; closing the upstream stream")
            try:
                self.on_hangup()
            except Exception:  # the poller must survive whatever an abort does
                log.exception("aborting a stream whose client left failed")


def _watch_with_gevent(watch: _Watch) -> Callable[[], None]:
    """An io watcher on the hub's loop; its callback runs in the hub and does not block."""
    io = gevent.get_hub().loop.io(watch.fd, 1)  # 1: readable

    def stop() -> None:
        if watch.active:
            watch.active = False
            io.stop()
            io.close()

    io.start(watch.readable, stop)
    return stop


class _SelectorThread:
    """The process's poller thread for thread-based workers. The lock is held while a
    descriptor is registered, unregistered or dispatched, never while waiting."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.selector = selectors.DefaultSelector()
        self.lock = threading.RLock()  # a dispatch stops its own watch
        threading.Thread(target=self._run, name="client-hangup", daemon=True).start()

    def add(self, watch: _Watch) -> Callable[[], None]:
        def stop() -> None:
            with self.lock:  # waits for a dispatch in progress; afterwards the fd is not ours
                if watch.active:
                    watch.active = False
                    self.selector.unregister(watch.fd)

        with self.lock:
            self.selector.register(watch.fd, selectors.EVENT_READ, (watch, stop))
        return stop

    def _run(self) -> None:
        while True:
            for key, _ in self.selector.select(timeout=1.0):
                watch, stop = key.data
                with self.lock:
                    if watch.active:  # not stopped since the poller saw it ready
                        watch.readable(stop)


_selector_thread: _SelectorThread | None = None
_selector_lock = threading.Lock()


def _watch_with_thread(watch: _Watch) -> Callable[[], None]:
    global _selector_thread
    with _selector_lock:
        if _selector_thread is None or _selector_thread.pid != os.getpid():  # fresh after a fork
            _selector_thread = _SelectorThread()
        poller = _selector_thread
    return poller.add(watch)


def watch_hangup(environ: Mapping[str, Any], on_hangup: Callable[[], None]) -> Callable[[], None]:
    """Call ``on_hangup`` (from the poller: it must not block) when the client of this
    request disconnects. Returns the function that stops watching, to call when the response
    ends; after it returns, the client socket is the server's alone again."""
    client = environ.get("gunicorn.socket")
    fileno = getattr(client, "fileno", None)
    fd = fileno() if callable(fileno) else -1
    if fd < 0:
        return lambda: None
    watch = _Watch(fd, on_hangup)
    if monkey.is_module_patched("socket"):
        return _watch_with_gevent(watch)
    return _watch_with_thread(watch)
