"""The open-files limit: every watch holds sockets, so it is the ceiling on watches.

A process starts with the soft ``RLIMIT_NOFILE`` its shell or container gave it (often
1024) although the hard limit allows far more; raising the soft limit up to the hard one
needs no privilege. The gunicorn master does it before forking workers (they inherit it),
and so does the embedded API, which holds one upstream watch per watch of the bridge.
"""

from __future__ import annotations

import logging
import resource

log = logging.getLogger("kuberay_bridge.limits")

# What Linux allows at most by default (fs.nr_open) when the hard limit says "unlimited".
_UNLIMITED_CAP = 1024 * 1024


def raise_open_files_limit() -> int:
    """Raise the soft open-files limit to the hard limit where allowed; the limit now."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = _UNLIMITED_CAP if hard == resource.RLIM_INFINITY else hard
    if soft != resource.RLIM_INFINITY and soft < wanted:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError) as error:
            log.warning("cannot raise the open-files limit from %d to %d: %s", soft, wanted, error)
    log.info(
        "open files limit",
        extra={
            "fields": {
                "message": "open files limit",
                "open_files_limit": soft,
                "open_files_hard_limit": None if hard == resource.RLIM_INFINITY else hard,
            }
        },
    )
    return soft
