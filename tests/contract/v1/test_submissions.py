"""Job submissions over v1 HTTP: the bridge app in front of the embedded Kubernetes API, which
proxies ``services/<cluster>-head-svc:8265/proxy/api/jobs/...`` to a fake Ray dashboard
(service-proxy access, the default outside a cluster). Every call, the cluster checks, what
the dashboard received, its failure modes (down, slow, 404, 500), and direct access."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.support.asserts import v1_error
from tests.support.fake_dashboard import FakeDashboard, cluster_with_dashboard

SUB = "/apis/v1/namespaces/{ns}/jobsubmissions/{cluster}"
CLUSTER = "raycluster-jobs"
TIMEOUT = 1.0  # job_submission_timeout of this module's app: the slow case waits this long


@pytest.fixture(scope="module")
def app(embedded):
    from bridge.app import create_app
    from bridge.core.config import BridgeConfig

    return create_app(BridgeConfig(upstream=embedded.url, job_submission_timeout=TIMEOUT))


@pytest.fixture
def dashboard() -> Iterator[FakeDashboard]:
    with FakeDashboard() as fake:
        yield fake


@pytest.fixture
def cluster(embedded, ns, dashboard) -> str:
    """The path of a ready v1-managed cluster whose head Service leads to ``dashboard``."""
    cluster_with_dashboard(embedded.url, ns, CLUSTER, dashboard.port)
    return SUB.format(ns=ns, cluster=CLUSTER)


def submit(bridge, cluster: str, body: dict | None = None) -> str:
    answer = bridge.post(cluster, json=body or {"entrypoint": "python job.py"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()["submissionId"]


# --- the six calls ----------------------------------------------------------------------------


def test_submit_sends_the_dashboard_the_go_request_body_once(bridge, cluster, dashboard):
    body = {
        "entrypoint": "python /home/ray/samples/sample_code.py",
        "submissionId": "my-job",
        "metadata": {"team": "a"},
        "runtimeEnv": "pip:\n  - requests==2.26.0\nenv_vars:\n  counter_name: test_counter\n",
        "entrypointNumCpus": 0.5,
        "entrypointNumGpus": 1,
        "entrypointResources": {"custom": "2"},
    }
    answer = bridge.post(cluster, json=body)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.get_json() == {"submissionId": "my-job"}
    [(_, path, sent)] = dashboard.calls("POST")
    assert path == "/api/jobs/"
    assert json.loads(sent) == {
        "entrypoint": "python /home/ray/samples/sample_code.py",
        "submission_id": "my-job",
        "metadata": {"team": "a"},
        "runtime_env": {"pip": ["requests==2.26.0"], "env_vars": {"counter_name": "test_counter"}},
        "entrypoint_num_cpus": 0.5,
        "entrypoint_num_gpus": 1.0,
        "entrypoint_resources": {"custom": 2.0},
    }


def test_submit_without_an_id_answers_the_one_the_dashboard_chose(bridge, cluster, dashboard):
    assert submit(bridge, cluster) == "raysubmit_2"
    assert json.loads(dashboard.calls("POST")[0][2]) == {"entrypoint": "python job.py"}


def test_get_answers_the_job_as_json_submission_info(bridge, cluster, dashboard):
    sid = submit(bridge, cluster, {"entrypoint": "python a.py", "runtimeEnv": "pip: [requests]\n"})
    dashboard.finish(sid)
    answer = bridge.get(f"{cluster}/{sid}")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.get_json() == {
        "entrypoint": "python a.py",
        "submissionId": sid,
        "status": "SUCCEEDED",
        "message": "Job has not started yet.",
        "startTime": "1699442662879",
        "endTime": "1699442682405",
        "runtimeEnv": {"pip": '["requests"]'},
    }


def test_list_answers_every_job_of_the_dashboard(bridge, cluster):
    sid = submit(bridge, cluster)
    answer = bridge.get(cluster)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    listed = answer.get_json()["submissions"]
    assert [job["submissionId"] for job in listed] == ["raysubmit_1", sid]
    assert listed[0] == {"submissionId": "raysubmit_1", "status": "RUNNING"}


def test_logs_answer_the_dashboard_logs(bridge, cluster, dashboard):
    sid = submit(bridge, cluster)
    answer = bridge.get(f"{cluster}/log/{sid}")
    assert answer.status_code == 200 and answer.get_json() == {"log": "running python job.py\n"}
    assert ("GET", f"/api/jobs/{sid}/logs", b"") in dashboard.received


def test_stop_stops_a_running_job(bridge, cluster, dashboard):
    answer = bridge.post(f"{cluster}/raysubmit_1")
    assert answer.status_code == 200 and answer.get_json() == {}
    assert dashboard.jobs["raysubmit_1"]["status"] == "STOPPED"
    assert [path for _, path, _ in dashboard.calls("POST")] == ["/api/jobs/raysubmit_1/stop"]


def test_stop_of_a_job_that_already_ended_succeeds(bridge, cluster, dashboard):
    dashboard.finish("raysubmit_1", "FAILED")
    answer = bridge.post(f"{cluster}/raysubmit_1")
    assert answer.status_code == 200 and answer.get_json() == {}
    assert ("GET", "/api/jobs/raysubmit_1", b"") in dashboard.received


def test_delete_removes_a_finished_job(bridge, cluster, dashboard):
    dashboard.finish("raysubmit_1")
    answer = bridge.delete(f"{cluster}/raysubmit_1")
    assert answer.status_code == 200 and answer.get_json() == {}
    assert "raysubmit_1" not in dashboard.jobs


def test_delete_of_a_running_job_is_the_dashboard_400(bridge, cluster, dashboard):
    message = v1_error(bridge.delete(f"{cluster}/raysubmit_1"), 400, 3)
    assert message == "DeleteJob fail: 400 Bad Request Job raysubmit_1 is not in a terminal state"
    assert "raysubmit_1" in dashboard.jobs


def test_unknown_job_is_404_on_get_logs_stop_and_delete(bridge, cluster):
    assert v1_error(bridge.get(f"{cluster}/nope"), 404, 5) == "Job nope does not exist on the cluster"
    assert v1_error(bridge.get(f"{cluster}/log/nope"), 404, 5) == 'JobSubmission.RayJob "nope" not found'
    assert v1_error(bridge.post(f"{cluster}/nope"), 404, 5) == "Job nope does not exist on the cluster"
    assert v1_error(bridge.delete(f"{cluster}/nope"), 404, 5) == "Job nope does not exist on the cluster"


def test_a_used_submission_id_is_409_with_the_go_message(bridge, cluster, dashboard):
    answer = bridge.post(cluster, json={"entrypoint": "x", "submissionId": "raysubmit_1"})
    message = v1_error(answer, 409, 6)
    assert message.startswith(
        "submission ID 'raysubmit_1' already used, Please use a different submission_id"
    )
    assert len(dashboard.calls("POST")) == 1


def test_a_submission_id_holding_a_slash_reaches_no_dashboard(bridge, cluster, dashboard):
    v1_error(bridge.get(f"{cluster}/a%2F..%2Fb"), 404, 5, "Not Found")
    v1_error(bridge.delete(f"{cluster}/..%2F..%2Fapi%2Fjobs"), 404, 5, "Not Found")
    assert dashboard.received == []


# --- both dialects see the same jobs ------------------------------------------------------------


def test_jobs_submitted_through_v1_and_v2_are_seen_by_both(bridge, cluster, ns):
    v2 = f"/api/v1/namespaces/{ns}/services/{CLUSTER}-head-svc:8265/proxy/api/jobs/"
    sid = submit(bridge, cluster)
    through_v2 = bridge.get(v2 + sid)
    assert through_v2.status_code == 200 and through_v2.get_json()["submission_id"] == sid
    posted = bridge.post(v2, json={"entrypoint": "python v2.py", "submission_id": "from-v2"})
    assert posted.status_code == 200, posted.get_data(as_text=True)
    listed = bridge.get(cluster).get_json()["submissions"]
    assert {"raysubmit_1", sid, "from-v2"} == {job["submissionId"] for job in listed}


def test_v1_answers_name_the_dashboard_call_that_replaces_them(bridge, cluster, ns):
    answer = bridge.get(f"{cluster}/log/raysubmit_1")
    successor = f"/api/v1/namespaces/{ns}/services/{CLUSTER}-head-svc:8265/proxy/api/jobs/raysubmit_1/logs"
    assert f'<{successor}>; rel="successor-version"' in answer.headers["Link"]


# --- the cluster must exist, be managed and be ready ----------------------------------------------


def test_missing_cluster_is_404_with_the_go_message(bridge, ns, dashboard):
    message = v1_error(bridge.get(SUB.format(ns=ns, cluster="nope")), 404, 5)
    assert message.startswith(
        "Cluster nope not found: Get cluster failed.: NotFoundError: Cluster nope not found"
    )
    assert dashboard.received == []


def test_cluster_that_is_not_ready_is_400(bridge, embedded, ns, dashboard):
    cluster_with_dashboard(embedded.url, ns, "starting", dashboard.port, state="")
    cluster_with_dashboard(embedded.url, ns, "broken", dashboard.port, state="failed")
    message = v1_error(bridge.post(SUB.format(ns=ns, cluster="starting"), json={"entrypoint": "x"}), 400, 9)
    assert message == (
        f'cluster is not ready: RayCluster "starting" in namespace "{ns}" has no state yet; '
        'job submissions need state "ready"'
    )
    message = v1_error(bridge.get(SUB.format(ns=ns, cluster="broken")), 400, 9)
    assert 'has state "failed"' in message
    assert dashboard.received == []


def test_unmanaged_cluster_is_404(bridge, kube, ns, dashboard):
    from tests.support.factories import raycluster

    assert kube.post(f"/apis/ray.io/v1/namespaces/{ns}/rayclusters", json=raycluster("mine")).ok
    message = v1_error(bridge.get(SUB.format(ns=ns, cluster="mine")), 404, 5)
    assert message.endswith("RayCluster with name mine not managed by kuberay-apiserver")


def test_ready_cluster_without_a_head_service_is_503(bridge, embedded, ns, dashboard, kube):
    cluster_with_dashboard(embedded.url, ns, "headless", dashboard.port)
    assert kube.delete(f"/api/v1/namespaces/{ns}/services/headless-head-svc").ok
    message = v1_error(bridge.get(SUB.format(ns=ns, cluster="headless")), 503, 14)
    assert message.startswith(
        f"the Ray dashboard at /api/v1/namespaces/{ns}/services/headless-head-svc:8265/proxy is unreachable"
    )


# --- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "message"),
    [
        (
            "GET",
            "/apis/v1/namespaces/{ns}/jobsubmissions/",
            "Cluster name is empty. Please specify a valid value.",
        ),
        (
            "POST",
            "/apis/v1/namespaces/{ns}/jobsubmissions/",
            "Cluster name is empty. Please specify a valid value.",
        ),
        ("GET", SUB + "/", "Submission id is empty. Please specify a valid value."),
        ("GET", SUB + "/log/", "Submission id is empty. Please specify a valid value."),
        ("POST", SUB + "/", "Submission id is empty. Please specify a valid value."),
        ("DELETE", SUB + "/", "Submission id is empty. Please specify a valid value."),
    ],
)
def test_empty_path_values_are_400_with_go_style_messages(bridge, cluster, ns, method, path, message):
    answer = bridge.open(path.format(ns=ns, cluster=CLUSTER), method=method, json={"entrypoint": "x"})
    assert v1_error(answer, 400, 3) == f"{message}: Invalid input error: {message}"


def test_empty_namespace_is_404(bridge):
    v1_error(bridge.get("/apis/v1/namespaces//jobsubmissions/c"), 404, 5, "Not Found")


@pytest.mark.parametrize(
    ("body", "cause"),
    [
        ({"runtimeEnv": "pip: [a"}, "runtimeEnv is not valid YAML: "),
        ({"runtimeEnv": "- a\n- b\n"}, "runtimeEnv must be a YAML mapping, not list"),
        (
            {"entrypointResources": {"custom": "lots"}},
            'entrypointResources["custom"]: "lots" is not a number',
        ),
    ],
)
def test_a_submission_that_cannot_become_a_dashboard_request_is_400(bridge, cluster, dashboard, body, cause):
    message = v1_error(bridge.post(cluster, json={"entrypoint": "x", **body}), 400, 3)
    assert message.startswith(
        "Failed to submit a Ray job: InvalidInputError: Failed to submit a Ray job: " + cause
    )
    assert dashboard.calls("POST") == []


def test_a_body_of_wrong_types_is_400(bridge, cluster, dashboard):
    message = v1_error(bridge.post(cluster, json={"entrypoint": "x", "entrypointNumCpus": "many"}), 400, 3)
    assert message == 'proto: invalid value for float field entrypointNumCpus: "many"'
    assert dashboard.calls("POST") == []


def test_the_python_clients_unknown_fields_are_named_in_warnings(bridge, cluster, dashboard):
    answer = bridge.post(cluster, json={"entrypoint": "x", "numCpus": 0.5})
    assert answer.status_code == 200
    assert 'unknown field \\"numCpus\\"' in " ".join(answer.headers.getlist("Warning"))
    assert json.loads(dashboard.calls("POST")[0][2]) == {"entrypoint": "x"}


# --- a dashboard in trouble -------------------------------------------------------------------


def test_dashboard_down_is_503_and_a_submit_is_sent_once(bridge, cluster, dashboard):
    dashboard.down()
    message = v1_error(bridge.post(cluster, json={"entrypoint": "x"}), 503, 14)
    assert "is unreachable: error trying to reach service" in message and "connection refused" in message
    v1_error(bridge.get(cluster), 503, 14)


def test_slow_dashboard_is_504_after_the_timeout_and_a_submit_is_sent_once(bridge, cluster, dashboard):
    dashboard.mode = "slow"
    try:
        message = v1_error(bridge.post(cluster, json={"entrypoint": "x"}), 504, 4)
        assert f"did not answer within {TIMEOUT:g} s" in message
        v1_error(bridge.get(f"{cluster}/raysubmit_1"), 504, 4)
    finally:
        dashboard.unblock()
    assert len(dashboard.calls("POST")) == 1
    assert len(dashboard.calls("GET")) == 1


def test_dashboard_404_is_404_on_every_call_but_the_list(bridge, cluster, dashboard):
    dashboard.mode = "404"
    assert (
        v1_error(bridge.post(cluster, json={"entrypoint": "x"}), 404, 5)
        == "SubmitJob fail: 404 Not Found 404: Not Found"
    )
    assert bridge.get(cluster).get_json() == {"submissions": []}
    v1_error(bridge.get(f"{cluster}/raysubmit_1"), 404, 5)
    v1_error(bridge.get(f"{cluster}/log/raysubmit_1"), 404, 5)
    v1_error(bridge.post(f"{cluster}/raysubmit_1"), 404, 5)
    v1_error(bridge.delete(f"{cluster}/raysubmit_1"), 404, 5)
    assert len(dashboard.calls("POST", "/api/jobs/")) == 2


def test_dashboard_500_is_500_with_its_text_and_a_submit_is_sent_once(bridge, cluster, dashboard):
    dashboard.mode = "500"
    message = v1_error(bridge.post(cluster, json={"entrypoint": "x"}), 500, 2)
    assert message == "SubmitJob fail: 500 Internal Server Error Internal Server Error: the dashboard broke"
    assert v1_error(bridge.get(cluster), 500, 2).startswith("ListJobs fail: 500")
    assert v1_error(bridge.get(f"{cluster}/raysubmit_1"), 500, 2).startswith("GetJobInfo fail: 500")
    assert v1_error(bridge.get(f"{cluster}/log/raysubmit_1"), 500, 2).startswith("GetJobLog fail: 500")
    assert v1_error(bridge.post(f"{cluster}/raysubmit_1"), 500, 2).startswith("StopJob fail: 500")
    assert v1_error(bridge.delete(f"{cluster}/raysubmit_1"), 500, 2).startswith("DeleteJob fail: 500")
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
    cluster_with_dashboard(embedded.url, ns, CLUSTER, dashboard.port)
    config = BridgeConfig(
        upstream=embedded.url, job_submission_access="direct", job_submission_timeout=TIMEOUT
    )
    bridge = create_app(config).test_client()
    path = SUB.format(ns=ns, cluster=CLUSTER)

    sid = submit(bridge, path, {"entrypoint": "python direct.py"})
    assert bridge.get(f"{path}/{sid}").get_json()["entrypoint"] == "python direct.py"
    assert dialled == [(ns, CLUSTER), (ns, CLUSTER)]
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

    cluster_with_dashboard(embedded.url, ns, CLUSTER, dashboard.port)
    with running_fake_upstream() as recorder:
        recorder.reset(forwarding_to(embedded.url))
        bridge = create_app(BridgeConfig(upstream=recorder.url, auth_mode="passthrough")).test_client()
        answer = bridge.post(
            SUB.format(ns=ns, cluster=CLUSTER),
            json={"entrypoint": "x"},
            headers={"Authorization": "Bearer caller-token"},
        )
        assert answer.status_code == 200, answer.get_data(as_text=True)
        assert answer.get_json() == {"submissionId": "raysubmit_2"}
        assert recorder.paths() == [
            f"/apis/ray.io/v1/namespaces/{ns}/rayclusters/{CLUSTER}",
            f"/api/v1/namespaces/{ns}/services",
            f"/api/v1/namespaces/{ns}/services/{CLUSTER}-head-svc:8265/proxy/api/jobs/",
        ]
        assert {call.headers.get("Authorization") for call in recorder.calls} == {"Bearer caller-token"}
        assert v1_error(bridge.get(SUB.format(ns=ns, cluster=CLUSTER)), 401, 16)
    assert all("Authorization" not in headers for headers in dashboard.headers)
