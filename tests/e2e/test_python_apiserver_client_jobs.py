"""RayJob calls made the way KubeRay's v1 Python client (``clients/python-apiserver-client``)
makes its calls, through a real ``kuberay-bridge serve`` (gunicorn, 2 workers) in front of the
embedded Kubernetes API.

That client has no RayJob methods of its own (its "jobs" are the dashboard job submissions),
so these are the RayJob routes called with its conventions: ``requests`` with the headers
``Content-Type: application/json`` and ``accept: application/json`` and a (connect, read)
timeout, bodies built as its ``to_dict()`` methods build them (camelCase keys, enum numbers,
``computeTemplate``/``rayStartParams`` for groups, ``cpu``/``memory`` integers for templates),
success judged by ``status_code // 100 == 2``, and an error read as ``response.json()["message"]``.
It also checks that the objects are shared with v2 both ways.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
import requests

from tests.support.factories import rayjob

HEADERS = {"Content-Type": "application/json", "accept": "application/json"}
TIMEOUT = (50, 50)
NS = "pyclient-jobs"
MANAGED = {"app.kubernetes.io/managed-by": "kuberay-apiserver"}


@pytest.fixture(scope="module")
def base(cluster, start_bridge) -> str:
    """The bridge's v1 base URL, as the client builds it (``server_url + "/apis/v1/"``)."""
    created = requests.post(
        cluster.url + "/api/v1/namespaces",
        json={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}},
        timeout=10,
    )
    assert created.status_code == 201, created.text
    bridge = start_bridge("--upstream", cluster.url, "--workers", "2")
    return bridge.url + "/apis/v1/"


def call(method: str, url: str, body: dict[str, Any] | None = None) -> tuple[int, str | None, Any]:
    """One request as the client sends it, and its reading of the answer."""
    response = requests.request(method, url, json=body, headers=HEADERS, timeout=TIMEOUT)
    if response.status_code // 100 != 2:
        return response.status_code, response.json()["message"], None
    return response.status_code, None, response.json()


def template_dict(name: str = "default-template") -> dict[str, Any]:
    """``Template(name, namespace, cpu=2, memory=4).to_dict()``."""
    return {"name": name, "namespace": NS, "cpu": 2, "memory": 4}


def cluster_spec_dict(template: str = "default-template") -> dict[str, Any]:
    """``ClusterSpec(head_node=HeadNodeSpec(...), worker_groups=[WorkerNodeSpec(...)]).to_dict()``
    with a ConfigMap volume and environment values, as the client writes them."""
    return {
        "headGroupSpec": {
            "computeTemplate": template,
            "rayStartParams": {"dashboard-host": "0.0.0.0", "metrics-export-port": "8080"},
            "image": "rayproject/ray:2.46.0-py310",
            "serviceType": "ClusterIP",
            "volumes": [
                {
                    "name": "code-sample",
                    "mountPath": "/home/ray/samples",
                    "volumeType": 3,
                    "source": "ray-job-code-sample",
                    "items": {"sample_code.py": "sample_code.py"},
                }
            ],
            "environment": {"values": {"key": "value"}},
        },
        "workerGroupSpec": [
            {
                "groupName": "small-wg",
                "computeTemplate": template,
                "replicas": 1,
                "minReplicas": 1,
                "maxReplicas": 2,
                "rayStartParams": {"node-ip-address": "$MY_POD_IP"},
                "image": "rayproject/ray:2.46.0-py310",
            }
        ],
    }


def job_dict(name: str, **fields: Any) -> dict[str, Any]:
    return {
        "name": name,
        "namespace": NS,
        "user": "boris",
        "version": "2.46.0",
        "entrypoint": "python /home/ray/samples/sample_code.py",
        "runtimeEnv": "pip:\n  - requests==2.26.0\n",
        "shutdownAfterJobFinishes": True,
        "clusterSpec": cluster_spec_dict(),
        **fields,
    }


def test_create_get_list_and_delete_a_rayjob(base):
    status, error, _ = call("POST", base + f"namespaces/{NS}/compute_templates", template_dict())
    assert (status, error) == (200, None)

    status, error, created = call("POST", base + f"namespaces/{NS}/jobs", job_dict("sample-job"))
    assert (status, error) == (200, None)
    assert (created["name"], created["user"], created["version"]) == ("sample-job", "boris", "2.46.0")
    head = created["clusterSpec"]["headGroupSpec"]
    assert head["volumes"] == [
        {
            "mountPath": "/home/ray/samples",
            "volumeType": 3,
            "name": "code-sample",
            "source": "ray-job-code-sample",
            "items": {"sample_code.py": "sample_code.py"},
        }
    ]
    assert head["environment"] == {"values": {"key": "value"}}

    status, error, fetched = call("GET", base + f"namespaces/{NS}/jobs/sample-job")
    assert (status, error, fetched) == (200, None, created)

    status, _, listed = call("GET", base + f"namespaces/{NS}/jobs")
    assert status == 200 and [job["name"] for job in listed["jobs"]] == ["sample-job"]
    status, _, everywhere = call("GET", base + "jobs")
    assert status == 200 and (NS, "sample-job") in [(j["namespace"], j["name"]) for j in everywhere["jobs"]]

    assert call("DELETE", base + f"namespaces/{NS}/jobs/sample-job") == (200, None, {})
    status, error, _ = call("GET", base + f"namespaces/{NS}/jobs/sample-job")
    assert status == 404 and error.startswith("Job sample-job not found")


def test_errors_are_read_from_the_message_field(base):
    status, error, _ = call("POST", base + f"namespaces/{NS}/jobs", job_dict("no-user", user=""))
    assert status == 400
    assert error.startswith("User who create the job is empty. Please specify a valid value.")
    status, error, _ = call(
        "POST", base + f"namespaces/{NS}/jobs", job_dict("bad", clusterSpec=cluster_spec_dict("nope"))
    )
    assert status == 404 and error.startswith("Compute template nope not found")
    status, error, _ = call("GET", base + f"namespaces/{NS}/jobs?limit=x")
    assert status == 400 and "parsing" in error


def test_a_v1_job_is_a_rayjob_through_v2_and_a_managed_v2_rayjob_is_a_v1_job(base):
    ray = base.replace("/apis/v1/", f"/apis/ray.io/v1/namespaces/{NS}/rayjobs")
    assert call("POST", base + f"namespaces/{NS}/jobs", job_dict("both-ways"))[0] == 200
    answer = requests.get(ray + "/both-ways", headers=HEADERS, timeout=TIMEOUT)
    assert answer.status_code == 200
    assert answer.json()["spec"]["rayClusterSpec"]["rayVersion"] == "2.46.0"
    assert answer.json()["metadata"]["labels"]["ray.io/user"] == "boris"

    made = rayjob("made-by-v2", entrypoint="python z.py")
    made["metadata"]["labels"] = {**MANAGED, "ray.io/user": "v2-user"}
    assert requests.post(ray, json=made, headers=HEADERS, timeout=TIMEOUT).status_code == 201
    status, _, job = call("GET", base + f"namespaces/{NS}/jobs/made-by-v2")
    assert status == 200 and (job["user"], job["entrypoint"]) == ("v2-user", "python z.py")
    names = [j["name"] for j in call("GET", base + f"namespaces/{NS}/jobs")[2]["jobs"]]
    assert {"both-ways", "made-by-v2"} <= set(names)


def test_pages_follow_the_continue_token_across_workers(base):
    for index in range(3):
        body = {
            "name": f"paged-{index}",
            "namespace": NS,
            "user": "boris",
            "entrypoint": "python -V",
            "clusterSelector": {"ray.io/cluster": "shared"},
            "jobSubmitter": {"image": "rayproject/ray:2.46.0"},
        }
        assert call("POST", base + f"namespaces/{NS}/jobs", body)[0] == 200
    seen, token = [], ""
    while True:
        query = "?limit=1" + (f"&continue={quote(token)}" if token else "")
        status, _, page = call("GET", base + f"namespaces/{NS}/jobs" + query)
        assert status == 200 and len(page["jobs"]) == 1
        seen.append(page["jobs"][0]["name"])
        token = page.get("continue", "")
        if not token:
            break
    assert {"paged-0", "paged-1", "paged-2"} <= set(seen) and len(seen) == len(set(seen))
