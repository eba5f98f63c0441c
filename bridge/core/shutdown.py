"""Whether the bridge is shutting down, known to every worker at once.

Kubernetes sends SIGTERM to the gunicorn master and, at the same moment, starts removing the
pod from its Service's endpoints; until every node has heard, new requests still arrive. So
the master keeps the workers serving for a while (``drain_seconds``) and only ``/readyz``
changes its answer. The workers learn it from one byte of memory the master shares with the
processes it forks (no signal to chain, no file, nothing to clean up); a worker started
after the flag was set sees it too.
"""

from __future__ import annotations

import mmap


class SharedFlag:
    """A flag set in one process and read in the processes it forks afterwards or before."""

    def __init__(self) -> None:
        self._memory = mmap.mmap(-1, 1)  # anonymous and shared: survives fork, one page

    def set(self) -> None:
        self._memory[0] = 1

    def clear(self) -> None:
        self._memory[0] = 0

    def is_set(self) -> bool:
        return self._memory[0] == 1


shutting_down = SharedFlag()
