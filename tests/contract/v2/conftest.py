"""Fixtures for the v2 proxy tests: a scriptable fake upstream that records every request it
receives (``tests.support.fake_upstream``), and the bridge app served over real HTTP."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import pytest

from tests.support.fake_upstream import FakeUpstream, running_fake_upstream
from tests.support.faulty_upstream import FaultyUpstream, running_faulty_upstream
from tests.support.live_server import LiveServer, serving


@pytest.fixture(scope="module")
def fake_upstream() -> Iterator[FakeUpstream]:
    with running_fake_upstream() as upstream:
        yield upstream


@pytest.fixture
def upstream(fake_upstream: FakeUpstream) -> FakeUpstream:
    """The module's fake upstream, emptied and back to its default answer."""
    fake_upstream.reset()
    return fake_upstream


@pytest.fixture
def serve_app() -> Iterator[Callable[[object], LiveServer]]:
    with contextlib.ExitStack() as servers:
        yield lambda app: servers.enter_context(serving(app))


@pytest.fixture(scope="module")
def running_faulty() -> Iterator[FaultyUpstream]:
    with running_faulty_upstream() as upstream:
        yield upstream


@pytest.fixture
def faulty(running_faulty: FaultyUpstream) -> FaultyUpstream:
    """The module's faulty upstream, emptied, its script empty (every call answered 200)."""
    running_faulty.reset()
    return running_faulty
