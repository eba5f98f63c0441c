"""Fixtures for the v2 proxy tests: a scriptable fake upstream that records every request it
receives (``tests.support.fake_upstream``), and the bridge app served over real HTTP."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import pytest

from tests.support.faulty_upstream import FaultyUpstream, running_faulty_upstream
from tests.support.live_server import LiveServer, serving


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
