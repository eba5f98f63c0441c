"""What one v1 request may cause upstream: a cluster, job or service whose cluster spec names
more worker groups or distinct compute templates than the settings allow is a clear 400
before any upstream call (each template is one ConfigMap read)."""

from __future__ import annotations

import pytest

from tests.support.asserts import v1_error
from tests.support.factories import cluster_body, job_body, service_body
from tests.support.live_server import make_app

CL = "/apis/v1/namespaces/ns/clusters"
WRITES = [  # (method, path, body factory): every v1 write that resolves compute templates
    ("POST", CL, cluster_body),
    ("POST", "/apis/v1/namespaces/ns/jobs", lambda ns: job_body(ns, name="test-cluster")),
    ("POST", "/apis/v1/namespaces/ns/services", lambda ns: service_body(ns, name="test-cluster")),
    ("PUT", "/apis/v1/namespaces/ns/services/test-cluster", lambda ns: service_body(ns, name="test-cluster")),
]


def with_worker_groups(count: int, distinct_templates: bool, body_of=cluster_body) -> dict:
    body = body_of("ns")
    group = body["clusterSpec"]["workerGroupSpec"][0]
    body["clusterSpec"]["workerGroupSpec"] = [
        {**group, "groupName": f"wg-{n}", "computeTemplate": f"tpl-{n}" if distinct_templates else "tpl"}
        for n in range(count)
    ]
    return body


def test_a_thousand_distinct_templates_are_400_and_reach_nothing(upstream):
    bridge = make_app(upstream.url, max_worker_groups=5000).test_client()
    message = v1_error(bridge.post(CL, json=with_worker_groups(1000, distinct_templates=True)), 400, 3)
    assert message == (
        "the cluster spec names 1001 distinct compute templates; at most 100 are allowed "
        "(setting max_compute_templates)"
    )
    assert upstream.calls == []


def test_more_worker_groups_than_the_setting_are_400_and_reach_nothing(upstream):
    bridge = make_app(upstream.url, max_worker_groups=3).test_client()
    message = v1_error(bridge.post(CL, json=with_worker_groups(4, distinct_templates=False)), 400, 3)
    assert (
        message == "the cluster spec has 4 worker groups; at most 3 are allowed (setting max_worker_groups)"
    )
    assert upstream.calls == []


def test_the_template_limit_is_a_setting(upstream):
    bridge = make_app(upstream.url, max_compute_templates=2).test_client()
    v1_error(bridge.post(CL, json=with_worker_groups(2, distinct_templates=True)), 400, 3)
    assert upstream.calls == []


@pytest.mark.parametrize(("method", "path", "body_of"), WRITES, ids=lambda value: str(value)[:40])
def test_every_write_that_resolves_templates_is_bounded(upstream, method, path, body_of):
    bridge = make_app(upstream.url, max_compute_templates=2).test_client()
    body = with_worker_groups(3, distinct_templates=True, body_of=body_of)
    message = v1_error(bridge.open(path, method=method, json=body), 400, 3)
    assert "(setting max_compute_templates)" in message
    assert upstream.calls == []
