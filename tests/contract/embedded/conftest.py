"""Fixtures for driving the embedded API over HTTP: a base-URL session and a fresh namespace."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

import pytest
from kubernetes import client

from tests.support.sessions import Api

_counter = itertools.count()


@pytest.fixture
def api(embedded) -> Iterator[Api]:
    with Api(embedded.url) as session:
        yield session


@pytest.fixture
def namespace(api: Api) -> Iterator[str]:
    """A namespace of this test's own, deleted (with its objects) afterwards."""
    name = f"t{os.getpid()}-{next(_counter)}"
    assert api.post("/api/v1/namespaces", json={"metadata": {"name": name}}).status_code == 201
    yield name
    api.delete(f"/api/v1/namespaces/{name}")


@pytest.fixture
def api_client(embedded) -> Iterator[client.ApiClient]:
    """The official ``kubernetes`` client pointed at the session's embedded API."""
    configuration = client.Configuration()
    configuration.host = embedded.url
    with client.ApiClient(configuration) as api_client:
        yield api_client
