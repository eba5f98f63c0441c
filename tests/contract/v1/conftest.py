"""Fixtures for the v1 contract tests: the bridge app (Flask test client) in front of the
session's embedded Kubernetes API, direct access to that API (to see what is really stored
and to plant objects v1 did not create), and a fresh namespace per test."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from tests.support.fake_dashboard import JOBS_CLUSTER, SUBMISSIONS, FakeDashboard, cluster_with_dashboard
from tests.support.sessions import Api

_namespaces = itertools.count(1)


@pytest.fixture(scope="session")
def kube(embedded) -> Iterator[Api]:
    with Api(embedded.url) as session:
        yield session


@pytest.fixture(scope="session")
def app(embedded):
    from bridge.app import create_app
    from bridge.core.config import BridgeConfig

    return create_app(BridgeConfig(upstream=embedded.url))


@pytest.fixture
def bridge(app):
    return app.test_client()


@pytest.fixture
def ns(kube: Api) -> str:
    """A namespace of this test's own, so tests never see each other's objects."""
    return kube.create_namespace(f"v1-{next(_namespaces)}")


@pytest.fixture
def dashboard() -> Iterator[FakeDashboard]:
    """A fake Ray dashboard of this test's own."""
    with FakeDashboard() as fake:
        yield fake


@pytest.fixture
def ready_cluster(embedded, ns, dashboard) -> str:
    """The v1 job-submission path of ``JOBS_CLUSTER``: a ready cluster the v1 API manages,
    whose head Service leads to ``dashboard``."""
    cluster_with_dashboard(embedded.url, ns, JOBS_CLUSTER, dashboard.port)
    return SUBMISSIONS.format(ns=ns, cluster=JOBS_CLUSTER)
