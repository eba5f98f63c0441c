"""Fixtures every test package may use: where the shared reference data lives and one embedded
Kubernetes API for the whole session. Helpers live in ``tests.support``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.repo import SHARED_DIR


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
