"""Job submissions over v1 HTTP: the bridge app in front of the embedded Kubernetes API, which
proxies ``services/<cluster>-head-svc:8265/proxy/api/jobs/...`` to a fake Ray dashboard
(service-proxy access, the default outside a cluster). Every call and what the dashboard
received, both dialects seeing the same jobs, the cluster checks and every validation message."""

from __future__ import annotations

import json

import pytest

from tests.support.asserts import v1_error
from tests.support.fake_dashboard import JOBS_CLUSTER, SUBMISSIONS, cluster_with_dashboard, submit_job

# --- the six calls ----------------------------------------------------------------------------


def test_submit_sends_the_dashboard_the_go_request_body_once(bridge, ready_cluster, dashboard):
    body = {
        "entrypoint": "python /home/ray/samples/sample_code.py",
        "submissionId": "my-job",
        "metadata": {"team": "a"},
        "runtimeEnv": "pip:\n  - requests==2.26.0\nenv_vars:\n  counter_name: test_counter\n",
        "entrypointNumCpus": 0.5,
        "entrypointNumGpus": 1,
        "entrypointResources": {"custom": "2"},
    }
    answer = bridge.post(ready_cluster, json=body)
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


def test_submit_without_an_id_answers_the_one_the_dashboard_chose(bridge, ready_cluster, dashboard):
    assert submit_job(bridge, ready_cluster) == "raysubmit_2"
    assert json.loads(dashboard.calls("POST")[0][2]) == {"entrypoint": "python job.py"}


def test_get_answers_the_job_as_json_submission_info(bridge, ready_cluster, dashboard):
    sid = submit_job(bridge, ready_cluster, {"entrypoint": "python a.py", "runtimeEnv": "pip: [requests]\n"})
    dashboard.finish(sid)
    answer = bridge.get(f"{ready_cluster}/{sid}")
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


def test_list_answers_every_job_of_the_dashboard(bridge, ready_cluster):
    sid = submit_job(bridge, ready_cluster)
    answer = bridge.get(ready_cluster)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    listed = answer.get_json()["submissions"]
    assert [job["submissionId"] for job in listed] == ["raysubmit_1", sid]
    assert listed[0] == {"submissionId": "raysubmit_1", "status": "RUNNING"}


def test_logs_answer_the_dashboard_logs(bridge, ready_cluster, dashboard):
    sid = submit_job(bridge, ready_cluster)
    answer = bridge.get(f"{ready_cluster}/log/{sid}")
    assert answer.status_code == 200 and answer.get_json() == {"log": "running python job.py\n"}
    assert ("GET", f"/api/jobs/{sid}/logs", b"") in dashboard.received


def test_stop_stops_a_running_job(bridge, ready_cluster, dashboard):
    answer = bridge.post(f"{ready_cluster}/raysubmit_1")
    assert answer.status_code == 200 and answer.get_json() == {}
    assert dashboard.jobs["raysubmit_1"]["status"] == "STOPPED"
    assert [path for _, path, _ in dashboard.calls("POST")] == ["/api/jobs/raysubmit_1/stop"]


def test_stop_of_a_job_that_already_ended_succeeds(bridge, ready_cluster, dashboard):
    dashboard.finish("raysubmit_1", "FAILED")
    answer = bridge.post(f"{ready_cluster}/raysubmit_1")
    assert answer.status_code == 200 and answer.get_json() == {}
    assert ("GET", "/api/jobs/raysubmit_1", b"") in dashboard.received


def test_delete_removes_a_finished_job(bridge, ready_cluster, dashboard):
    dashboard.finish("raysubmit_1")
    answer = bridge.delete(f"{ready_cluster}/raysubmit_1")
    assert answer.status_code == 200 and answer.get_json() == {}
    assert "raysubmit_1" not in dashboard.jobs


def test_delete_of_a_running_job_is_the_dashboard_400(bridge, ready_cluster, dashboard):
    message = v1_error(bridge.delete(f"{ready_cluster}/raysubmit_1"), 400, 3)
    assert message == "DeleteJob fail: 400 Bad Request Job raysubmit_1 is not in a terminal state"
    assert "raysubmit_1" in dashboard.jobs


def test_unknown_job_is_404_on_get_logs_stop_and_delete(bridge, ready_cluster):
    assert v1_error(bridge.get(f"{ready_cluster}/nope"), 404, 5) == "Job nope does not exist on the cluster"
    assert (
        v1_error(bridge.get(f"{ready_cluster}/log/nope"), 404, 5) == 'JobSubmission.RayJob "nope" not found'
    )
    assert v1_error(bridge.post(f"{ready_cluster}/nope"), 404, 5) == "Job nope does not exist on the cluster"
    assert (
        v1_error(bridge.delete(f"{ready_cluster}/nope"), 404, 5) == "Job nope does not exist on the cluster"
    )


def test_a_used_submission_id_is_409_with_the_go_message(bridge, ready_cluster, dashboard):
    answer = bridge.post(ready_cluster, json={"entrypoint": "x", "submissionId": "raysubmit_1"})
    message = v1_error(answer, 409, 6)
    assert message.startswith(
        "submission ID 'raysubmit_1' already used, Please use a different submission_id"
    )
    assert len(dashboard.calls("POST")) == 1


def test_a_submission_id_holding_a_slash_reaches_no_dashboard(bridge, ready_cluster, dashboard):
    v1_error(bridge.get(f"{ready_cluster}/a%2F..%2Fb"), 404, 5, "Not Found")
    v1_error(bridge.delete(f"{ready_cluster}/..%2F..%2Fapi%2Fjobs"), 404, 5, "Not Found")
    assert dashboard.received == []


# --- both dialects see the same jobs ------------------------------------------------------------


def test_jobs_submitted_through_v1_and_v2_are_seen_by_both(bridge, ready_cluster, ns):
    v2 = f"/api/v1/namespaces/{ns}/services/{JOBS_CLUSTER}-head-svc:8265/proxy/api/jobs/"
    sid = submit_job(bridge, ready_cluster)
    through_v2 = bridge.get(v2 + sid)
    assert through_v2.status_code == 200 and through_v2.get_json()["submission_id"] == sid
    posted = bridge.post(v2, json={"entrypoint": "python v2.py", "submission_id": "from-v2"})
    assert posted.status_code == 200, posted.get_data(as_text=True)
    listed = bridge.get(ready_cluster).get_json()["submissions"]
    assert {"raysubmit_1", sid, "from-v2"} == {job["submissionId"] for job in listed}


def test_v1_answers_name_the_dashboard_call_that_replaces_them(bridge, ready_cluster, ns):
    answer = bridge.get(f"{ready_cluster}/log/raysubmit_1")
    successor = (
        f"/api/v1/namespaces/{ns}/services/{JOBS_CLUSTER}-head-svc:8265/proxy/api/jobs/raysubmit_1/logs"
    )
    assert f'<{successor}>; rel="successor-version"' in answer.headers["Link"]


# --- the cluster must exist, be managed and be ready ----------------------------------------------


def test_missing_cluster_is_404_with_the_go_message(bridge, ns, dashboard):
    message = v1_error(bridge.get(SUBMISSIONS.format(ns=ns, cluster="nope")), 404, 5)
    assert message.startswith(
        "Cluster nope not found: Get cluster failed.: NotFoundError: Cluster nope not found"
    )
    assert dashboard.received == []


def test_cluster_that_is_not_ready_is_400(bridge, embedded, ns, dashboard):
    cluster_with_dashboard(embedded.url, ns, "starting", dashboard.port, state="")
    cluster_with_dashboard(embedded.url, ns, "broken", dashboard.port, state="failed")
    message = v1_error(
        bridge.post(SUBMISSIONS.format(ns=ns, cluster="starting"), json={"entrypoint": "x"}), 400, 9
    )
    assert message == (
        f'cluster is not ready: RayCluster "starting" in namespace "{ns}" has no state yet; '
        'job submissions need state "ready"'
    )
    message = v1_error(bridge.get(SUBMISSIONS.format(ns=ns, cluster="broken")), 400, 9)
    assert 'has state "failed"' in message
    assert dashboard.received == []


def test_unmanaged_cluster_is_404(bridge, kube, ns, dashboard):
    from tests.support.factories import raycluster

    assert kube.post(f"/apis/ray.io/v1/namespaces/{ns}/rayclusters", json=raycluster("mine")).ok
    message = v1_error(bridge.get(SUBMISSIONS.format(ns=ns, cluster="mine")), 404, 5)
    assert message.endswith("RayCluster with name mine not managed by kuberay-apiserver")


def test_ready_cluster_without_a_head_service_is_503(bridge, embedded, ns, dashboard, kube):
    cluster_with_dashboard(embedded.url, ns, "headless", dashboard.port)
    assert kube.delete(f"/api/v1/namespaces/{ns}/services/headless-head-svc").ok
    message = v1_error(bridge.get(SUBMISSIONS.format(ns=ns, cluster="headless")), 503, 14)
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
        ("GET", SUBMISSIONS + "/", "Submission id is empty. Please specify a valid value."),
        ("GET", SUBMISSIONS + "/log/", "Submission id is empty. Please specify a valid value."),
        ("POST", SUBMISSIONS + "/", "Submission id is empty. Please specify a valid value."),
        ("DELETE", SUBMISSIONS + "/", "Submission id is empty. Please specify a valid value."),
    ],
)
def test_empty_path_values_are_400_with_go_style_messages(bridge, ready_cluster, ns, method, path, message):
    answer = bridge.open(path.format(ns=ns, cluster=JOBS_CLUSTER), method=method, json={"entrypoint": "x"})
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
def test_a_submission_that_cannot_become_a_dashboard_request_is_400(
    bridge, ready_cluster, dashboard, body, cause
):
    message = v1_error(bridge.post(ready_cluster, json={"entrypoint": "x", **body}), 400, 3)
    assert message.startswith(
        "Failed to submit a Ray job: InvalidInputError: Failed to submit a Ray job: " + cause
    )
    assert dashboard.calls("POST") == []


def test_a_body_of_wrong_types_is_400(bridge, ready_cluster, dashboard):
    message = v1_error(
        bridge.post(ready_cluster, json={"entrypoint": "x", "entrypointNumCpus": "many"}), 400, 3
    )
    assert message == 'proto: invalid value for float field entrypointNumCpus: "many"'
    assert dashboard.calls("POST") == []


def test_the_python_clients_unknown_fields_are_named_in_warnings(bridge, ready_cluster, dashboard):
    answer = bridge.post(ready_cluster, json={"entrypoint": "x", "numCpus": 0.5})
    assert answer.status_code == 200
    assert 'unknown field \\"numCpus\\"' in " ".join(answer.headers.getlist("Warning"))
    assert json.loads(dashboard.calls("POST")[0][2]) == {"entrypoint": "x"}
