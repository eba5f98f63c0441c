"""CPU-heavy work (decoding a big request body) off a gevent worker's event loop.

A gevent worker serves every connection from one thread: a parse that takes seconds stops
every other request, every watch and gunicorn's heartbeat with it (after ``worker_timeout``
the master kills the worker and the watches it held). :func:`off_the_loop` runs such work in
a small pool of native threads instead; the calling greenlet waits cooperatively, and the
interpreter's switch interval (5 ms) hands the loop the GIL while the work runs, so
``/healthz`` and the watches keep going. Two threads at most per process: more would only
share the same core. Under thread-based workers (gthread, sync) and outside gunicorn the
work runs in the calling thread, which is not shared.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TypeVar

from gevent import monkey

T = TypeVar("T")
SMALL = 64 * 1024  # below this a body decodes in milliseconds: not worth a thread hop
POOL_SIZE = 2

_pool = None
_pool_pid = 0


def off_the_loop(work: Callable[..., T], *args: object) -> T:
    """``work(*args)``, in a worker thread when the caller is on a gevent loop; its result or
    its exception."""
    if not monkey.is_module_patched("threading"):
        return work(*args)
    return _threads().apply(work, args)


def _threads():
    global _pool, _pool_pid
    if _pool is None or _pool_pid != os.getpid():  # a fresh pool after a fork
        from gevent.threadpool import ThreadPool

        _pool, _pool_pid = ThreadPool(POOL_SIZE), os.getpid()
    return _pool
