"""The v2 extras end to end: a real ``kuberay-bridge serve`` (gunicorn) in front of an embedded
Kubernetes API, called with ``requests`` as a user would: a YAML create with compute templates,
the Ray events route (list and watch), and the service proxy to a fake Ray dashboard."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import requests

from tests.support.fake_dashboard import FakeDashboard, create_service
from tests.support.kubeconfig import write_kubeconfig
from v2proxy.templates import template_to_configmap

NS = "default"


@pytest.fixture(scope="module")
def bridge_url(cluster, start_bridge) -> str:
    """``kuberay-bridge serve`` (gunicorn, gevent worker) with the embedded API as upstream."""
    return start_bridge("--upstream", cluster.url, "--workers", "1", "--log-level", "warning").url


# --- compute templates -----------------------------------------------------------------------

RAYCLUSTER_YAML = """\
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: {name}
spec:
  headGroupSpec:
    computeTemplate: {template}
    rayStartParams: {{}}
    template:
      spec:
        containers:
        - name: ray-head
          image: rayproject/ray:2.41.0
  workerGroupSpecs:
  - groupName: small
    computeTemplate: {template}
    replicas: 1
    minReplicas: 0
    maxReplicas: 3
    rayStartParams: {{}}
    template:
      spec:
        containers:
        - name: ray-worker
          image: rayproject/ray:2.41.0
"""


def test_yaml_create_with_compute_template(bridge_url, cluster):
    configmap = template_to_configmap(
        {
            "name": "e2e-small",
            "cpu": 2,
            "memory": 4,
            "tolerations": [{"key": "ray", "operator": "Exists", "effect": "NoSchedule"}],
        },
        NS,
    )
    assert (
        requests.post(
            f"{cluster.url}/api/v1/namespaces/{NS}/configmaps", json=configmap, timeout=10
        ).status_code
        == 201
    )

    answer = requests.post(
        f"{bridge_url}/apis/ray.io/v1/namespaces/{NS}/rayclusters",
        data=RAYCLUSTER_YAML.format(name="e2e-yaml", template="e2e-small"),
        headers={"Content-Type": "application/yaml"},
        timeout=10,
    )
    assert answer.status_code == 201, answer.text

    stored = requests.get(
        f"{cluster.url}/apis/ray.io/v1/namespaces/{NS}/rayclusters/e2e-yaml", timeout=10
    ).json()
    expected = {"cpu": "2", "memory": "4Gi"}
    for group in (stored["spec"]["headGroupSpec"], stored["spec"]["workerGroupSpecs"][0]):
        assert "computeTemplate" not in group
        pod = group["template"]
        assert pod["metadata"]["annotations"]["ray.io/compute-template"] == "e2e-small"
        assert pod["spec"]["containers"][0]["resources"] == {"limits": expected, "requests": expected}
        assert pod["spec"]["tolerations"] == [
            {"key": "ray", "operator": "Exists", "value": "", "effect": "NoSchedule"}
        ]


def test_yaml_create_with_missing_template_is_422(bridge_url, cluster):
    answer = requests.post(
        f"{bridge_url}/apis/ray.io/v1/namespaces/{NS}/rayclusters",
        data=RAYCLUSTER_YAML.format(name="e2e-missing", template="nowhere"),
        headers={"Content-Type": "text/yaml"},
        timeout=10,
    )
    assert answer.status_code == 422
    assert answer.headers["Content-Type"] == "application/json"
    assert answer.json()["message"] == f'compute template "nowhere" not found in namespace "{NS}"'
    assert (
        requests.get(
            f"{cluster.url}/apis/ray.io/v1/namespaces/{NS}/rayclusters/e2e-missing", timeout=10
        ).status_code
        == 404
    )


# --- Ray events ------------------------------------------------------------------------------


def _event(cluster, name: str, kind: str, api_version: str, about: str) -> None:
    event = {
        "metadata": {"name": name},
        "involvedObject": {"apiVersion": api_version, "kind": kind, "name": about, "namespace": NS},
        "reason": "Test",
        "message": f"about {kind} {about}",
        "type": "Normal",
    }
    answer = requests.post(f"{cluster.url}/api/v1/namespaces/{NS}/events", json=event, timeout=10)
    assert answer.status_code == 201, answer.text


def test_events_route_lists_and_watches_ray_events_only(bridge_url, cluster):
    events_url = f"{bridge_url}/apis/events.k8s.io/v1/namespaces/{NS}/events"
    _event(cluster, "e2e-ray.1", "RayCluster", "ray.io/v1", "e2e-ray")
    _event(cluster, "e2e-pod.1", "Pod", "v1", "e2e-pod")

    listed = requests.get(events_url, timeout=10)
    assert listed.status_code == 200
    names = {item["regarding"]["name"] for item in listed.json()["items"]}
    assert "e2e-ray" in names and "e2e-pod" not in names

    # The watch starts from the list's resourceVersion, so events written after the answer's
    # headers arrive are seen whatever the timing. The Pod event is written first: had the
    # watch let it through, it would be the first line.
    version = listed.json()["metadata"]["resourceVersion"]
    with requests.get(
        events_url,
        params={"watch": "true", "resourceVersion": version, "timeoutSeconds": "30"},
        stream=True,
        timeout=(5, 30),
    ) as watch:
        assert watch.status_code == 200
        _event(cluster, "e2e-pod.2", "Pod", "v1", "e2e-pod")
        _event(cluster, "e2e-ray.2", "RayJob", "ray.io/v1", "e2e-job")
        first = json.loads(next(line for line in watch.iter_lines() if line))
    assert first["type"] == "ADDED"
    assert first["object"]["regarding"] == {
        "apiVersion": "ray.io/v1",
        "kind": "RayJob",
        "name": "e2e-job",
        "namespace": NS,
    }


# --- service proxy to a fake Ray dashboard ---------------------------------------------------


@pytest.fixture(scope="module")
def dashboard() -> Iterator[FakeDashboard]:
    with FakeDashboard() as fake:
        yield fake


@pytest.fixture(scope="module")
def head_service(cluster, dashboard) -> str:
    return create_service(cluster.url, NS, dashboard.port)


def _proxy(bridge_url: str, service_id: str, rest: str) -> str:
    return f"{bridge_url}/api/v1/namespaces/{NS}/services/{service_id}/proxy/{rest}"


def test_dashboard_jobs_through_the_service_proxy(bridge_url, dashboard, head_service):
    listed = requests.get(_proxy(bridge_url, f"{head_service}:dashboard", "api/jobs/"), timeout=10)
    assert listed.status_code == 200, listed.text
    assert listed.json() == [{"submission_id": "raysubmit_1", "status": "RUNNING"}]

    before = len(dashboard.received)
    submitted = requests.post(
        _proxy(bridge_url, f"{head_service}:dashboard", "api/jobs/"),
        json={"entrypoint": "python job.py"},
        timeout=10,
    )
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["echo"] == {"entrypoint": "python job.py"}
    posts = [body for method, _, body in dashboard.received[before:] if method == "POST"]
    assert posts == [b'{"entrypoint": "python job.py"}']


def test_streamed_log_arrives_chunk_by_chunk(bridge_url, dashboard, head_service):
    url = _proxy(bridge_url, f"{head_service}:dashboard", "api/jobs/raysubmit_1/logs/tail")
    with requests.get(url, stream=True, timeout=(5, 30)) as answer:
        assert answer.status_code == 200
        chunks = answer.iter_content(chunk_size=None)
        first = next(chunks)
        # The dashboard sends the second chunk only now; a buffering proxy would still be
        # waiting for the end of the body and never have handed us the first one.
        dashboard.release()
        rest = b"".join(chunks)
    assert first == b"first line\n"
    assert rest == b"second line\n"
    assert dashboard.released_in_time is True


def test_unlabelled_service_is_404_status(bridge_url, cluster, dashboard):
    other = create_service(cluster.url, NS, dashboard.port, labelled=False)
    answer = requests.get(_proxy(bridge_url, f"{other}:dashboard", "api/jobs/"), timeout=10)
    assert answer.status_code == 404
    assert answer.json()["kind"] == "Status"
    assert answer.json()["message"] == f'kuberay service "{other}" not found in namespace "{NS}"'


def test_bad_service_id_is_400_status(bridge_url):
    answer = requests.get(_proxy(bridge_url, "gopher:ray-head:80", "api/jobs/"), timeout=10)
    assert answer.status_code == 400
    assert answer.json()["kind"] == "Status"


@pytest.mark.parametrize("auth_mode", ["none", "token", "passthrough"])
def test_no_credential_reaches_the_dashboard(
    cluster, dashboard, head_service, start_bridge, tmp_path, auth_mode
):
    """The bridge calls the API with its own token (kubeconfig), the caller sends its own:
    the dashboard behind the service proxy sees neither, in any auth mode."""
    kubeconfig = write_kubeconfig(tmp_path / "kc", cluster.url, {"token": "bridge-own-token"})
    tokens = tmp_path / "tokens"
    tokens.write_text("caller-token\n")
    bridge = start_bridge(
        "--upstream", f"kubeconfig:{kubeconfig}", "--workers", "1", "--auth-mode", auth_mode,
        "--token-file", str(tokens), "--log-level", "warning",
    )  # fmt: skip
    before = len(dashboard.headers)
    answer = requests.get(
        _proxy(bridge.url, f"{head_service}:dashboard", "api/jobs/"),
        headers={"Authorization": "Bearer caller-token", "Impersonate-User": "admin"},
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    seen = dashboard.headers[before:]
    assert len(seen) == 1
    leaked = {k: v for k, v in seen[0].items() if k.lower() in ("authorization", "impersonate-user")}
    assert leaked == {}
    assert not any("token" in value for value in seen[0].values())
