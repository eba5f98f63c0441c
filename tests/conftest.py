"""Fixtures every test package may use: where the shared reference data lives, a free port,
and one embedded Kubernetes API for the whole session."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = REPO_ROOT.parent / "shared"


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
