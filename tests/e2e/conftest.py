"""End-to-end fixtures: ``kuberay-bridge serve`` as a real gunicorn process on a free loopback
port (``tests.support.bridge_process``), and an embedded Kubernetes API per module."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest

from tests.support.bridge_process import BridgeProcess


@pytest.fixture(scope="module")
def start_bridge(tmp_path_factory) -> Iterator[Callable[..., BridgeProcess]]:
    """``start_bridge(*serve_args, env=None, command=None, cwd=None)`` -> a ready BridgeProcess,
    stopped when the module ends. ``own_process_group=True`` starts it in a session of its own, so
    a test may signal its whole process group as a terminal's Ctrl-C does. ``ca_file``: it serves
    HTTPS with a certificate of that CA (``url`` is https, ``verify`` the CA)."""
    started: list[BridgeProcess] = []

    def start(
        *args: str,
        env: dict[str, str] | None = None,
        command: Sequence[str] | None = None,
        port: int | None = None,
        ready: bool = True,
        own_process_group: bool = False,
        cwd: Path | None = None,
        ca_file: Path | None = None,
    ) -> BridgeProcess:
        log_path = tmp_path_factory.mktemp("bridge") / "bridge.log"
        bridge = BridgeProcess(
            args,
            log_path,
            env=env,
            port=port,
            command=command,
            own_process_group=own_process_group,
            cwd=cwd,
            ca_file=ca_file,
        )
        started.append(bridge)
        if ready:
            bridge.wait_ready()
        return bridge

    yield start
    for bridge in started:
        bridge.stop()


@pytest.fixture(scope="module")
def cluster(crd_dir) -> Iterator:
    """An embedded Kubernetes API with the KubeRay CRDs for one test module; ``cluster.url``."""
    from bridge.embedded import start

    with start(crd_dir=str(crd_dir)) as server:
        yield server
