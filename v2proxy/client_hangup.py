"""Notice a client that hangs up on an idle stream, and stop the upstream stream with it.

A WSGI server learns that its client is gone only when it writes; an idle watch writes
nothing, so without this the bridge would keep the upstream watch open until Kubernetes'
next event or its watch timeout. gunicorn puts the client socket in the environ.

On Linux one ``epoll`` set per process asks the kernel for exactly the event that matters:
``EPOLLRDHUP`` (the peer closed its side), ``EPOLLHUP`` or ``EPOLLERR`` (a reset), and not
plain readability. Bytes the client sent after its request (a pipelined request, or a
stray byte) stay unread and unseen, and the hangup behind them is still reported: a
readability poller would have to either consume them or stop watching, and a client that
sent one byte more and then vanished kept its upstream watch open for good.

Elsewhere (no epoll) the fallback waits until the socket turns readable: end-of-file (or a
reset) means the client left; readable *data* means the client is alive and the poller
lets go of the socket, leaving the data for gunicorn (so a hangup after extra bytes is
only noticed when the stream next writes).

Two rules keep this safe on a keep-alive connection. Looking never waits on the socket and
never consumes a byte: epoll only reports, and the fallback's look is a non-blocking
``recv(MSG_PEEK)`` on the bare descriptor. And stopping is synchronous: once the function
returned by :func:`watch_hangup` returns, the poller never looks at that descriptor again —
the server may read the client's next request from it at once (a watcher that was still busy with a
socket gunicorn had moved on with made gevent fail that request with a 500).

Under gevent (gunicorn's default worker here) the epoll set's own descriptor is watched by
the hub's event loop, and streams are added and removed from the request's greenlet.
Elsewhere (gthread, sync) one daemon thread per process waits on it, and registers and
dispatches under a lock. Neither has a descriptor ceiling or costs a thread or a timer per
stream.
"""

from __future__ import annotations

import _socket
import logging
import os
import select
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
            self.hung_up()

    def hung_up(self) -> None:
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


# gevent's monkey patching removes select.epoll (a blocking poll would stall the loop); the
# set is only ever polled without waiting in the hub, or in a thread of its own.
try:
    _epoll = monkey.get_original("select", "epoll")
except AttributeError:  # not Linux
    _epoll = None
_GONE = getattr(select, "EPOLLRDHUP", 0) | getattr(select, "EPOLLHUP", 0) | getattr(select, "EPOLLERR", 0)
_RealLock = monkey.get_original("threading", "RLock")  # never yields: safe in the hub too


class _HangupSet:
    """The process's epoll set of client sockets, registered for hangup events only."""

    def __init__(self, gevent_loop: bool) -> None:
        self.pid = os.getpid()
        self.epoll = _epoll()
        self.watches: dict[int, _Watch] = {}
        self.lock = _RealLock()  # a dispatch stops its own watch
        if gevent_loop:
            self.io = gevent.get_hub().loop.io(self.epoll.fileno(), 1)  # 1: readable
            self.io.start(self.dispatch, 0)
        else:
            threading.Thread(target=self._run, name="client-hangup", daemon=True).start()

    def add(self, watch: _Watch) -> Callable[[], None]:
        with self.lock:
            try:
                self.epoll.register(watch.fd, _GONE)
            except FileExistsError:  # a stream on this fd that was never stopped (cannot happen)
                self.epoll.modify(watch.fd, _GONE)
            except OSError:  # not a pollable descriptor: nothing to watch
                watch.active = False
                return lambda: None
            self.watches[watch.fd] = watch
        return self.stop_of(watch)

    def dispatch(self, timeout: float) -> None:
        for fd, _events in self.epoll.poll(timeout):
            with self.lock:  # the stream's own stop() cannot come in between
                watch = self.watches.get(fd)
                if watch is None or not watch.active:
                    continue
                self.stop_of(watch)()
                watch.hung_up()

    def stop_of(self, watch: _Watch) -> Callable[[], None]:
        """The function that ends ``watch``: synchronous, so once it returned the poller never
        looks at the descriptor again (the lock waits for a dispatch in progress)."""

        def stop() -> None:
            with self.lock:
                if watch.active:
                    watch.active = False
                    del self.watches[watch.fd]
                    try:
                        self.epoll.unregister(watch.fd)
                    except OSError:  # closed already: the kernel dropped it from the set
                        pass

        return stop

    def _run(self) -> None:
        while True:
            self.dispatch(1.0)


_hangup_set: _HangupSet | None = None


def _watch_with_epoll(watch: _Watch, gevent_loop: bool) -> Callable[[], None]:
    global _hangup_set
    with _selector_lock:
        if _hangup_set is None or _hangup_set.pid != os.getpid():  # fresh after a fork
            _hangup_set = _HangupSet(gevent_loop)
        hangups = _hangup_set
    return hangups.add(watch)


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
    gevent_loop = monkey.is_module_patched("socket")
    if _epoll is not None:
        return _watch_with_epoll(watch, gevent_loop)
    if gevent_loop:
        return _watch_with_gevent(watch)
    return _watch_with_thread(watch)
