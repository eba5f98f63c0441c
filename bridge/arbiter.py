"""The gunicorn master of ``kuberay-bridge serve``: drains on SIGTERM, checks a reload first.

SIGTERM: Kubernetes sends it and removes the pod from the Service's endpoints at the same
moment, and the endpoints take a while to reach every node. gunicorn would stop the workers at
once; this master first sets the shared ``shutting_down`` flag (``/readyz`` answers 503 in every
worker), keeps everything serving for ``drain_seconds``, and only then stops the way gunicorn
does: workers finish what is in flight and end their watches (``bridge.worker_hooks``). A
second SIGTERM, SIGINT or SIGQUIT stops at once.

SIGHUP: gunicorn starts new workers with the reloaded configuration and stops the old ones
gracefully. The configuration is read and checked first; when it is bad, the master says so
in one log line and leaves the running workers as they are.
"""

from __future__ import annotations

import logging
import signal

from gunicorn.arbiter import Arbiter

from bridge.core.shutdown import shutting_down

log = logging.getLogger("kuberay_bridge.server")


class BridgeArbiter(Arbiter):
    draining = False

    def handle_term(self) -> None:
        drain_seconds = self.app.bridge_config.drain_seconds
        shutting_down.set()
        if self.draining or drain_seconds <= 0:
            raise StopIteration
        self.draining = True
        log.info("SIGTERM: /readyz answers 503; serving %g more seconds, then stopping", drain_seconds)
        signal.signal(signal.SIGALRM, self.signal)  # queued, handled by handle_alrm in the main loop
        signal.setitimer(signal.ITIMER_REAL, drain_seconds)

    def handle_alrm(self) -> None:
        if self.draining:
            log.info("drain over: stopping the workers")
            raise StopIteration

    def handle_hup(self) -> None:
        if self.draining:
            log.info("SIGHUP ignored: the bridge is shutting down")
            return
        if self.app.reload_bridge_config():
            super().handle_hup()
