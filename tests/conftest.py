"""Fixtures every test package may use: where the shared reference data lives, a free port,
the real kubectl (``Kubectl``) and one embedded Kubernetes API for the whole session."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = REPO_ROOT.parent / "shared"
KUBECTL = shutil.which("kubectl")


class Kubectl:
    """``kubectl --server URL`` with an empty kubeconfig and a discovery cache of its own."""

    def __init__(self, server: str, home: Path):
        if KUBECTL is None:
            pytest.fail("kubectl is not on PATH; these tests need the real kubectl (see README)")
        self.server = server
        self.home = home
        (home / "kubeconfig").write_text("")

    @property
    def env(self) -> dict[str, str]:
        return {"PATH": os.environ.get("PATH", ""), "HOME": str(self.home),
                "KUBECONFIG": str(self.home / "kubeconfig")}

    def command(self, *args: str) -> list[str]:
        """The argv of ``kubectl ARGS`` against this server (for a long-running ``Popen``)."""
        return [KUBECTL, "--server", self.server, "--kubeconfig", str(self.home / "kubeconfig"),
                "--cache-dir", str(self.home / "cache"), "--request-timeout", "20s", *args]

    def __call__(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run(self.command(*args), capture_output=True, text=True, env=self.env, timeout=60)
        if check:
            assert done.returncode == 0, done.stderr
        return done


def free_port() -> int:
    """A port nobody listens on right now (the OS picks it; tiny race accepted)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    return SHARED_DIR


@pytest.fixture(scope="session")
def crd_dir(shared_dir: Path) -> Path:
    return shared_dir / "kuberay" / "crds"


@pytest.fixture(scope="session")
def embedded(crd_dir: Path) -> Iterator:
    """An in-process embedded API server with the KubeRay CRDs; use ``embedded.url``."""
    from bridge.embedded import start

    with start(crd_dir=str(crd_dir)) as server:
        yield server
