"""Fixtures every test package may use: where the shared reference data lives and one embedded
Kubernetes API for the whole session. Helpers live in ``tests.support``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.fake_upstream import FakeUpstream, running_fake_upstream
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


@pytest.fixture(scope="module")
def fake_upstream() -> Iterator[FakeUpstream]:
    with running_fake_upstream() as upstream:
        yield upstream


@pytest.fixture
def upstream(fake_upstream: FakeUpstream) -> FakeUpstream:
    """The module's fake upstream, emptied and back to its default answer."""
    fake_upstream.reset()
    return fake_upstream
