"""Start-up checks of what only the workers would otherwise find out: the middlewares import,
the kubeconfig or service account loads, the listen address is free.

Without them a bad ``--middlewares`` or ``--upstream kubeconfig:PATH`` passed the config check,
and every worker died at boot with a traceback (gunicorn exit 3). The checks that import code
(user middlewares, the ``kubernetes`` package with urllib3 and ssl) run in a forked child of
the master, which reports through a pipe and exits: the master itself must not import them,
because gevent workers monkey-patch ``ssl`` after the fork and modules imported before keep
unpatched references (see ``bridge.core.upstream_choice``).
"""

from __future__ import annotations

import errno
import json
import os
import socket
import sys

from bridge.core.config import BridgeConfig, ConfigError
from bridge.core.upstream_choice import choose_upstream
from bridge.tls import tls_problems
from v2proxy.middleware import MiddlewareError, load_middleware

CREDENTIAL_MODES = ("kubeconfig", "in-cluster")
# The master starts the embedded API once, for these; every other setting applies on SIGHUP.
RESTART_ONLY = ("upstream", "embedded_crd_dir")


def startup_problems(config: BridgeConfig) -> list[str]:
    """One line per problem, each naming its setting; empty when the bridge can start."""
    return [*_address_problems(config), *tls_problems(config), *_checked_in_a_fork(config)]


def reload_problems(running: BridgeConfig, new: BridgeConfig) -> list[str]:
    """What stops ``new`` from replacing ``running`` on SIGHUP (the listen address is the
    running bridge's own, so it is not probed)."""
    restart = [
        f"{name}: a change needs a restart"
        for name in RESTART_ONLY
        if getattr(running, name) != getattr(new, name)
    ]
    return [*restart, *tls_problems(new), *_checked_in_a_fork(new)]


def import_from_working_directory() -> None:
    """``--middlewares platform_middlewares:f`` imports from the directory the bridge was
    started in, as gunicorn's own command line does; the ``kuberay-bridge`` script's
    ``sys.path`` starts with its bin directory instead. Workers are forked and inherit it."""
    cwd = os.getcwd()
    if cwd not in sys.path and "" not in sys.path:
        sys.path.insert(0, cwd)


def _address_problems(config: BridgeConfig) -> list[str]:
    """gunicorn retries a busy address for five seconds, then exits 1 without naming a setting."""
    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((config.host, config.port))
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            return [f"port: {config.host}:{config.port} is already in use"]
        return [f"host: cannot listen on {config.host}:{config.port}: {error.strerror or error}"]
    return []


def _checked_in_a_fork(config: BridgeConfig) -> list[str]:
    needs_upstream = choose_upstream(config.upstream, os.environ).mode in CREDENTIAL_MODES
    if not config.middlewares and not needs_upstream:
        return []  # nothing to import: no fork
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: check, report, leave without running any exit handler
        os.close(read_end)
        status = 1
        try:
            report = json.dumps(_import_problems(config, needs_upstream)).encode()
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(report)
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        report = pipe.read()
    _, status = os.waitpid(pid, 0)
    if not report:
        return [f"start-up check failed (status {os.waitstatus_to_exitcode(status)})"]
    return json.loads(report)


def _import_problems(config: BridgeConfig, needs_upstream: bool) -> list[str]:
    from bridge.core.upstream import (
        connect_upstream,  # imports requests: only in the forked child
    )

    problems = []
    for reference in config.middlewares:
        try:
            load_middleware(reference)
        except MiddlewareError as error:
            problems.append(f"middlewares: {error}")
        except Exception as error:  # the user's module raised while importing or building
            problems.append(f"middlewares: {reference!r} failed: {type(error).__name__}: {error}")
    if needs_upstream:
        try:
            connect_upstream(config)
        except ConfigError as error:
            problems.extend(error.problems)
        except Exception as error:  # the kubernetes loaders raise more than ConfigException
            problems.append(f"upstream {config.upstream!r}: {type(error).__name__}: {error}")
    return [" ".join(problem.split()) for problem in problems]
