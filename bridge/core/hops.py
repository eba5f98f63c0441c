"""Loop detection: a bridge whose upstream leads back to itself answers 508 at once.

A kubeconfig written for clients of the bridge, picked up by ``--upstream auto``, or an upstream
URL naming the bridge's own port, makes every forwarded request come back in as a new request
that is forwarded again: the workers fill up, ``/readyz`` hangs and the log floods. So every
request the bridge sends upstream carries a ``Via`` entry (RFC 9110 section 7.6.3) naming this
bridge instance, ``1.1 kuberay-bridge-<instance id>``, appended to whatever ``Via`` the caller
sent. A request that arrives with the instance's own entry is a loop; so is one that already
passed ``MAX_BRIDGE_HOPS`` bridges (a chain of different bridges pointing at each other). A
caller cannot switch the check off (its ``Via`` entries count as hops, never replace ours).

The instance id is made by the gunicorn master and inherited by its workers (``INSTANCE_ENV``),
so a request sent by one worker and received by another is still recognised; the loop is logged
once per instance, not once per request or per worker.
"""

from __future__ import annotations

import logging
import multiprocessing
import re
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from flask import Response, request

from bridge.core.errors import render_error

log = logging.getLogger("kuberay_bridge.hops")

INSTANCE_ENV = "BRIDGE_INSTANCE_ID"  # set by the gunicorn master for its workers
PSEUDONYM_PREFIX = "kuberay-bridge-"
MAX_BRIDGE_HOPS = 8
LOOP_STATUS = 508  # Loop Detected (RFC 5842); its Status reason is in bridge.kube.status.REASONS


def _shared_flag() -> Any | None:
    """The instance whose loop was logged: shared memory made at import, i.e. in the gunicorn
    master (bridge.server imports this module) before it forks the workers, so they all see one
    value. None where the system has no shared semaphores: then each worker logs once."""
    try:
        return multiprocessing.Array("c", 32)
    except OSError:
        return None


_REPORTED_FOR = _shared_flag()

_BRIDGE_ENTRY = re.compile(r"(?:^|,)\s*[^\s,]+\s+" + re.escape(PSEUDONYM_PREFIX) + r"([A-Za-z0-9]+)")


def new_instance_id() -> str:
    return uuid.uuid4().hex[:12]


def instance_id_from(environ: Mapping[str, str]) -> str:
    """The id the master handed down, or a fresh one (an app built outside ``serve``)."""
    return environ.get(INSTANCE_ENV) or new_instance_id()


def bridges_passed(via_values: Iterable[str]) -> list[str]:
    """The instance ids of the bridges named in ``Via`` header values, in order."""
    return [match for value in via_values for match in _BRIDGE_ENTRY.findall(value)]


class HopGuard:
    """This bridge's ``Via`` entry, and the check of incoming requests against it."""

    def __init__(self, instance_id: str, upstream: str, max_hops: int = MAX_BRIDGE_HOPS):
        self.instance_id = instance_id
        self.via = f"1.1 {PSEUDONYM_PREFIX}{instance_id}"
        self.upstream = upstream
        self.max_hops = max_hops
        self._reported = False

    def loop(self, via_values: Iterable[str]) -> str | None:
        """What is wrong when a request with these ``Via`` values closes a loop, else None."""
        passed = bridges_passed(via_values)
        if self.instance_id in passed:
            return (
                f"request loop: this kuberay-bridge ({PSEUDONYM_PREFIX}{self.instance_id}) received "
                f"a request it sent upstream itself; its upstream {self.upstream} leads back to the "
                "bridge: point --upstream at the Kubernetes API"
            )
        if len(passed) >= self.max_hops:
            return (
                f"request loop: the request already passed {len(passed)} kuberay-bridges "
                f"(at most {self.max_hops}); bridges whose upstreams lead to each other"
            )
        return None

    def report_once(self, problem: str) -> None:
        """Log the loop once per instance: it repeats for every request while it lasts."""
        if self._reported:
            return
        self._reported = True
        if _REPORTED_FOR is None:
            self._log(problem)
            return
        with _REPORTED_FOR.get_lock():
            if _REPORTED_FOR.value == self.instance_id.encode():
                return
            _REPORTED_FOR.value = self.instance_id.encode()
        self._log(problem)

    def _log(self, problem: str) -> None:
        log.error("%s (reported once; requests that loop are answered %d)", problem, LOOP_STATUS)

    def check_request(self) -> Response | None:
        """A ``before_request`` hook: the loop answered in the dialect of the path."""
        problem = self.loop(request.headers.getlist("Via"))
        if problem is None:
            return None
        self.report_once(problem)
        return render_error(LOOP_STATUS, problem)
