"""gunicorn worker hooks: a stopping worker ends its open streams cleanly, and says so once.

gunicorn's worker answers SIGTERM by clearing ``alive`` and waiting up to
``graceful_timeout`` for requests in flight; an open watch is a request that never finishes
by itself, so the worker would wait all that time and then cut the watch mid-body. Here
SIGTERM also ends every open stream (``v2proxy.open_streams``): their clients get complete
responses and the worker exits as soon as ordinary requests are done. SIGINT and SIGQUIT
(Ctrl-C reaches the master and the workers alike, and the master then sends SIGQUIT too)
end the streams as well, and only the first of them counts. Under gevent they stop the
worker the SIGTERM way: gunicorn's quick exit raises ``SystemExit`` in a greenlet, which
prints a traceback when the worker has already finished by itself.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

import gevent
from gevent import monkey

from v2proxy.open_streams import end_open_streams


def _end_streams_soon() -> None:
    """From a signal handler, which must neither block nor take a lock the code it
    interrupted may hold: in a greenlet of its own (as gunicorn's gevent worker runs its
    handlers; starting a thread would wait), else in a thread."""
    if monkey.is_module_patched("threading"):
        gevent.spawn(end_open_streams)
    else:
        threading.Thread(target=end_open_streams, name="end-streams", daemon=True).start()


def post_fork(server: Any, worker: Any) -> None:
    """Install the handlers below right after the worker's own, before it loads the app: a
    Ctrl-C while a worker is still booting (its sibling already serving) must find them too."""
    init_signals = worker.init_signals

    def init_then_chain() -> None:
        init_signals()
        _chain_signal_handlers(worker)

    worker.init_signals = init_then_chain


def _chain_signal_handlers(worker: Any) -> None:
    """Chain the worker's SIGTERM handler and make its quit handler run once."""
    default_exit = worker.handle_exit
    default_quit = worker.handle_quit
    quitting = False

    def handle_exit(sig: int, frame: FrameType | None) -> None:
        default_exit(sig, frame)
        _end_streams_soon()

    def handle_quit(sig: int, frame: FrameType | None) -> None:
        nonlocal quitting
        if quitting:
            return
        quitting = True
        if monkey.is_module_patched("threading"):
            # gunicorn's gevent worker would raise SystemExit in a greenlet 0.1 s later, which
            # prints a traceback whenever the main loop has finished first; with the streams
            # ended, the main loop's own way out is about as quick.
            handle_exit(sig, frame)
        else:
            default_quit(sig, frame)

    signal.signal(signal.SIGTERM, handle_exit)
    signal.siginterrupt(signal.SIGTERM, False)
    signal.signal(signal.SIGINT, handle_quit)
    signal.signal(signal.SIGQUIT, handle_quit)


def worker_int(worker: Any) -> None:
    """gunicorn calls this on SIGINT/SIGQUIT, 0.1 s before the worker exits."""
    _end_streams_soon()
