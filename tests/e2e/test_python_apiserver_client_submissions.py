"""The job-submission calls of KubeRay's v1 Python client (``clients/python-apiserver-client``,
``KubeRayAPIs.submit_job`` ... ``delete_ray_job``), made here with ``requests`` exactly as it
makes them (paths, bodies, headers, timeouts) and its answers read exactly as it reads them,
against a real ``kuberay-bridge serve`` whose upstream is the embedded Kubernetes API, which
proxies the head Service to a fake Ray dashboard."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from tests.support.fake_dashboard import FakeDashboard, cluster_with_dashboard
from tests.support.sessions import Api

# What the client sends with every call, and its timeouts.
HEADERS = {"Content-Type": "application/json", "accept": "application/json"}
TIMEOUT = (50, 50)
NS = "client-submissions"
CLUSTER = "test-job"

# The client's own test: RayJobRequest(entrypoint=..., runtime_env=yaml, num_cpu=.5).
RUNTIME_ENV = """
    pip:
      - requests==2.26.0
      - pendulum==2.1.2
    env_vars:
      counter_name: test_counter
    """


@pytest.fixture(scope="module")
def dashboard() -> Iterator[FakeDashboard]:
    with FakeDashboard() as fake:
        yield fake


@pytest.fixture(scope="module")
def base(start_bridge, embedded, dashboard) -> str:
    """``server_url + "/apis/v1/"`` of the client, for a bridge in front of a ready cluster."""
    with Api(embedded.url) as kube:
        kube.create_namespace(NS)
    cluster_with_dashboard(embedded.url, NS, CLUSTER, dashboard.port)
    bridge = start_bridge("--upstream", embedded.url, "--workers", "1")
    return bridge.url + "/apis/v1/"


def test_the_python_clients_job_submission_calls_round_trip(base, dashboard):
    # wait_cluster_ready: get_cluster, then its clusterState
    response = requests.get(base + f"namespaces/{NS}/clusters/{CLUSTER}", headers=HEADERS, timeout=TIMEOUT)
    assert response.status_code // 100 == 2, response.text
    assert response.json()["clusterState"] == "ready"

    # submit_job: RayJobRequest.to_dict() -> entrypoint, runtimeEnv, numCpus
    job_request = {
        "entrypoint": "python /home/ray/samples/sample_code.py",
        "runtimeEnv": RUNTIME_ENV,
        "numCpus": 0.5,
    }
    url = base + f"namespaces/{NS}/jobsubmissions/{CLUSTER}"
    response = requests.post(url, json=job_request, headers=HEADERS, timeout=TIMEOUT)
    assert response.status_code // 100 == 2, response.text
    sid = response.json()["submissionId"]
    assert sid == "raysubmit_2"
    [(_, _, sent)] = dashboard.calls("POST")
    assert b'"runtime_env": {"pip": ["requests==2.26.0", "pendulum==2.1.2"]' in sent

    # get_job_info: RayJobInfo(response.json())
    response = requests.get(
        base + f"namespaces/{NS}/jobsubmissions/{CLUSTER}/{sid}", headers=HEADERS, timeout=TIMEOUT
    )
    assert response.status_code // 100 == 2, response.text
    info = response.json()
    assert info.get("entrypoint", "") == "python /home/ray/samples/sample_code.py"
    assert info.get("submissionId", "") == sid and info.get("status", "") == "PENDING"
    assert int(info.get("startTime", "0")) == 1699442662879 and int(info.get("endTime", "0")) == 0
    assert info.get("errorType", info.get("ErrorType")) is None
    assert info.get("runtimeEnv", None) == {
        "env_vars": '{"counter_name":"test_counter"}',
        "pip": '["requests==2.26.0","pendulum==2.1.2"]',
    }

    # list_job_info: response.json().get("submissions", None)
    response = requests.get(
        base + f"namespaces/{NS}/jobsubmissions/{CLUSTER}", headers=HEADERS, timeout=TIMEOUT
    )
    assert response.status_code // 100 == 2, response.text
    infos = response.json().get("submissions", None)
    assert [i.get("submissionId", "") for i in infos] == ["raysubmit_1", sid]

    # get_job_log: response.json().get("log", "")
    response = requests.get(
        base + f"namespaces/{NS}/jobsubmissions/{CLUSTER}/log/{sid}", headers=HEADERS, timeout=TIMEOUT
    )
    assert response.status_code // 100 == 2, response.text
    assert response.json().get("log", "") == "running python /home/ray/samples/sample_code.py\n"

    # stop_ray_job: a POST without a body
    response = requests.post(
        base + f"namespaces/{NS}/jobsubmissions/{CLUSTER}/{sid}", headers=HEADERS, timeout=TIMEOUT
    )
    assert response.status_code // 100 == 2, response.text
    assert dashboard.jobs[sid]["status"] == "STOPPED"

    # delete_ray_job
    response = requests.delete(
        base + f"namespaces/{NS}/jobsubmissions/{CLUSTER}/{sid}", headers=HEADERS, timeout=TIMEOUT
    )
    assert response.status_code // 100 == 2, response.text
    assert sid not in dashboard.jobs

    # every failure: the client returns (status_code, response.json()["message"])
    response = requests.get(
        base + f"namespaces/{NS}/jobsubmissions/{CLUSTER}/{sid}", headers=HEADERS, timeout=TIMEOUT
    )
    assert (response.status_code, response.json()["message"]) == (
        404,
        f"Job {sid} does not exist on the cluster",
    )
    response = requests.post(
        base + f"namespaces/{NS}/jobsubmissions/no-such-cluster",
        json=job_request,
        headers=HEADERS,
        timeout=TIMEOUT,
    )
    assert response.status_code == 404
    assert response.json()["message"].startswith("Cluster no-such-cluster not found")
