"""What one v1 request may cause upstream: a cluster naming more worker groups or distinct
compute templates than the settings allow is a clear 400 before any upstream call (each
template is one ConfigMap read)."""

from __future__ import annotations

import pytest

from tests.support.asserts import v1_error
from tests.support.factories import cluster_body
from tests.support.fake_upstream import running_fake_upstream
from tests.support.live_server import make_app

CL = "/apis/v1/namespaces/ns/clusters"


@pytest.fixture(scope="module")
def fake():
    with running_fake_upstream() as upstream:
        yield upstream


def with_worker_groups(count: int, distinct_templates: bool) -> dict:
    body = cluster_body("ns")
    group = body["clusterSpec"]["workerGroupSpec"][0]
    body["clusterSpec"]["workerGroupSpec"] = [
        {**group, "groupName": f"wg-{n}", "computeTemplate": f"tpl-{n}" if distinct_templates else "tpl"}
        for n in range(count)
    ]
    return body


def test_a_thousand_distinct_templates_are_400_and_reach_nothing(fake):
    fake.reset()
    bridge = make_app(fake.url, max_worker_groups=5000).test_client()
    message = v1_error(bridge.post(CL, json=with_worker_groups(1000, distinct_templates=True)), 400, 3)
    assert message == (
        "the cluster names 1001 distinct compute templates; at most 100 are allowed "
        "(setting max_compute_templates)"
    )
    assert fake.calls == []


def test_more_worker_groups_than_the_setting_are_400_and_reach_nothing(fake):
    fake.reset()
    bridge = make_app(fake.url, max_worker_groups=3).test_client()
    message = v1_error(bridge.post(CL, json=with_worker_groups(4, distinct_templates=False)), 400, 3)
    assert message == "the cluster has 4 worker groups; at most 3 are allowed (setting max_worker_groups)"
    assert fake.calls == []


def test_the_template_limit_is_a_setting(fake):
    fake.reset()
    bridge = make_app(fake.url, max_compute_templates=2).test_client()
    v1_error(bridge.post(CL, json=with_worker_groups(2, distinct_templates=True)), 400, 3)
    assert fake.calls == []
