"""Job submissions over v1 HTTP when the Ray dashboard is in trouble (down, slow, 404, 500),
reached directly instead of through the service proxy, and with the caller's credentials."""

from __future__ import annotations

import pytest

from tests.support.asserts import v1_error
from tests.support.fake_dashboard import JOBS_CLUSTER, SUBMISSIONS, cluster_with_dashboard, submit_job

TIMEOUT = 1.0  # job_submission_timeout of this module's app: the slow cases wait this long


@pytest.fixture(scope="module")
def app(embedded):
    from bridge.app import create_app
    from bridge.core.config import BridgeConfig

    return create_app(BridgeConfig(upstream=embedded.url, job_submission_timeout=TIMEOUT))


# --- a dashboard in trouble -------------------------------------------------------------------


def test_dashboard_down_is_503_and_a_submit_is_sent_once(bridge, ready_cluster, dashboard):
    dashboard.down()
    message = v1_error(bridge.post(ready_cluster, json={"entrypoint": "x"}), 503, 14)
    assert "is unreachable: error trying to reach service" in message and "connection refused" in message
    v1_error(bridge.get(ready_cluster), 503, 14)


def test_slow_dashboard_is_504_after_the_timeout_and_a_submit_is_sent_once(bridge, ready_cluster, dashboard):
    dashboard.mode = "slow"
    try:
        message = v1_error(bridge.post(ready_cluster, json={"entrypoint": "x"}), 504, 4)
        assert f"did not answer within {TIMEOUT:g} s" in message
        v1_error(bridge.get(f"{ready_cluster}/raysubmit_1"), 504, 4)
    finally:
        dashboard.unblock()
    assert len(dashboard.calls("POST")) == 1
    assert len(dashboard.calls("GET")) == 1


def test_dashboard_404_is_404_on_every_call_but_the_list(bridge, ready_cluster, dashboard):
    dashboard.mode = "404"
    assert (
        v1_error(bridge.post(ready_cluster, json={"entrypoint": "x"}), 404, 5)
        == "SubmitJob fail: 404 Not Found 404: Not Found"
    )
    assert bridge.get(ready_cluster).get_json() == {"submissions": []}
    v1_error(bridge.get(f"{ready_cluster}/raysubmit_1"), 404, 5)
    v1_error(bridge.get(f"{ready_cluster}/log/raysubmit_1"), 404, 5)
    v1_error(bridge.post(f"{ready_cluster}/raysubmit_1"), 404, 5)
    v1_error(bridge.delete(f"{ready_cluster}/raysubmit_1"), 404, 5)
    assert len(dashboard.calls("POST", "/api/jobs/")) == 2


def test_dashboard_500_is_500_with_its_text_and_a_submit_is_sent_once(bridge, ready_cluster, dashboard):
    dashboard.mode = "500"
    message = v1_error(bridge.post(ready_cluster, json={"entrypoint": "x"}), 500, 2)
    assert message == "SubmitJob fail: 500 Internal Server Error Internal Server Error: the dashboard broke"
    assert v1_error(bridge.get(ready_cluster), 500, 2).startswith("ListJobs fail: 500")
    assert v1_error(bridge.get(f"{ready_cluster}/raysubmit_1"), 500, 2).startswith("GetJobInfo fail: 500")
    assert v1_error(bridge.get(f"{ready_cluster}/log/raysubmit_1"), 500, 2).startswith("GetJobLog fail: 500")
    assert v1_error(bridge.post(f"{ready_cluster}/raysubmit_1"), 500, 2).startswith("StopJob fail: 500")
    assert v1_error(bridge.delete(f"{ready_cluster}/raysubmit_1"), 500, 2).startswith("DeleteJob fail: 500")
    assert len(dashboard.calls("POST", "/api/jobs/")) == 2  # the submit and the stop, once each
    assert len(dashboard.calls("GET")) == 3  # list, get, logs: no retries either


# --- direct access ----------------------------------------------------------------------------


def test_direct_access_calls_the_head_service_url(embedded, ns, dashboard, monkeypatch):
    """``direct`` dials ``http://<cluster>-head-svc.<ns>.svc.cluster.local:8265``; this machine
    cannot resolve that name, so the test points the URL builder at the fake dashboard."""
    from bridge.app import create_app
    from bridge.core.config import BridgeConfig
    from v1compat import dashboard as dashboard_module

    dialled = []

    def fake_url(namespace: str, cluster: str) -> str:
        dialled.append((namespace, cluster))
        return f"http://127.0.0.1:{dashboard.port}"

    monkeypatch.setattr(dashboard_module, "dashboard_cluster_url", fake_url)
    cluster_with_dashboard(embedded.url, ns, JOBS_CLUSTER, dashboard.port)
    config = BridgeConfig(
        upstream=embedded.url, job_submission_access="direct", job_submission_timeout=TIMEOUT
    )
    bridge = create_app(config).test_client()
    path = SUBMISSIONS.format(ns=ns, cluster=JOBS_CLUSTER)

    sid = submit_job(bridge, path, {"entrypoint": "python direct.py"})
    assert bridge.get(f"{path}/{sid}").get_json()["entrypoint"] == "python direct.py"
    assert dialled == [(ns, JOBS_CLUSTER), (ns, JOBS_CLUSTER)]
    assert all("Authorization" not in headers for headers in dashboard.headers)

    dashboard.mode = "slow"
    try:
        v1_error(bridge.post(path, json={"entrypoint": "x"}), 504, 4)
    finally:
        dashboard.unblock()
    dashboard.down()
    message = v1_error(bridge.post(path, json={"entrypoint": "x"}), 503, 14)
    assert message.startswith(f"the Ray dashboard at http://127.0.0.1:{dashboard.port} is unreachable")
    assert len(dashboard.calls("POST")) == 2  # the first submit and the slow one, once each


# --- credentials --------------------------------------------------------------------------------


def test_service_proxy_calls_carry_the_callers_token_and_the_dashboard_sees_none(embedded, ns, dashboard):
    """``auth_mode=passthrough``: the cluster lookup, the head-service guard and the proxied
    submit all reach the Kubernetes API with the caller's token (its RBAC decides); the
    Kubernetes service proxy keeps it from the dashboard."""
    from bridge.app import create_app
    from bridge.core.config import BridgeConfig
    from tests.support.fake_upstream import forwarding_to, running_fake_upstream

    cluster_with_dashboard(embedded.url, ns, JOBS_CLUSTER, dashboard.port)
    with running_fake_upstream() as recorder:
        recorder.reset(forwarding_to(embedded.url))
        bridge = create_app(BridgeConfig(upstream=recorder.url, auth_mode="passthrough")).test_client()
        answer = bridge.post(
            SUBMISSIONS.format(ns=ns, cluster=JOBS_CLUSTER),
            json={"entrypoint": "x"},
            headers={"Authorization": "Bearer caller-token"},
        )
        assert answer.status_code == 200, answer.get_data(as_text=True)
        assert answer.get_json() == {"submissionId": "raysubmit_2"}
        assert recorder.paths() == [
            f"/apis/ray.io/v1/namespaces/{ns}/rayclusters/{JOBS_CLUSTER}",
            f"/api/v1/namespaces/{ns}/services",
            f"/api/v1/namespaces/{ns}/services/{JOBS_CLUSTER}-head-svc:8265/proxy/api/jobs/",
        ]
        assert {call.headers.get("Authorization") for call in recorder.calls} == {"Bearer caller-token"}
        assert v1_error(bridge.get(SUBMISSIONS.format(ns=ns, cluster=JOBS_CLUSTER)), 401, 16)
    assert all("Authorization" not in headers for headers in dashboard.headers)
