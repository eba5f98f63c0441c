"""The quickstart of the KubeRay APIServer v1 README, unchanged but for the port, against a
real ``kuberay-bridge serve`` process in front of the embedded Kubernetes API.

The two curl commands are copied from ``apiserver/README.md`` of ray-project/kuberay
("Create complete template." / "Check whether compute template is created successfully.").
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.support.repo import REPO_ROOT
from tests.support.waiting import free_port, wait_until

CREATE_TEMPLATE = """curl --silent -X 'POST' \\
    'http://localhost:31888/apis/v1/namespaces/ray-system/compute_templates' \\
    -H 'accept: application/json' \\
    -H 'Content-Type: application/json' \\
    -d '{
        "name": "default-template",
        "namespace": "ray-system",
        "cpu": 2,
        "memory": 4
      }'"""

LIST_TEMPLATES = """curl --silent -X 'GET' \\
    'http://localhost:31888/apis/v1/namespaces/ray-system/compute_templates' \\
    -H 'accept: application/json'"""


@pytest.fixture(scope="module")
def cluster(crd_dir) -> Iterator:
    """An embedded Kubernetes API of this module's own: the README creates ``ray-system``,
    which other tests expect the session's API not to have."""
    from bridge.embedded import start

    with start(crd_dir=str(crd_dir)) as server:
        yield server


@pytest.fixture(scope="module")
def bridge_port(cluster, tmp_path_factory) -> Iterator[int]:
    """``kuberay-bridge serve`` on a free loopback port, the embedded API as upstream."""
    port = free_port()
    log = (tmp_path_factory.mktemp("bridge") / "serve.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bridge",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--upstream",
            cluster.url,
            "--workers",
            "1",
            "--log-level",
            "warning",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=REPO_ROOT,
        env={**os.environ, "BRIDGE_CONFIG": ""},
    )
    try:
        _wait_until_serving(process, port, log.name)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_until_serving(process: subprocess.Popen, port: int, log_path: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(
                f"kuberay-bridge serve exited with {process.returncode}:\n{Path(log_path).read_text()}"
            )
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or slow to answer on a busy machine
            pass
        time.sleep(0.1)
    pytest.fail(f"kuberay-bridge serve did not start:\n{Path(log_path).read_text()}")


@pytest.fixture(scope="module")
def ray_system(cluster) -> None:
    """The README asks for the ``ray-system`` namespace to exist; start without the template."""
    requests.post(
        f"{cluster.url}/api/v1/namespaces",
        json={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ray-system"}},
        timeout=10,
    )
    requests.delete(f"{cluster.url}/api/v1/namespaces/ray-system/configmaps/default-template", timeout=10)


def run(command: str, port: int) -> str:
    completed = subprocess.run(
        command.replace("31888", str(port)), shell=True, capture_output=True, text=True, timeout=60
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout


def test_the_readme_quickstart_works_unchanged(bridge_port, ray_system):
    """Byte for byte: what the Go server's protojson writes (compact, fields in proto order),
    without the random spaces protojson may add."""
    template = '{"name":"default-template","namespace":"ray-system","cpu":2,"memory":4,"memoryUnit":"Gi"}'
    assert run(CREATE_TEMPLATE, bridge_port) == template
    assert run(LIST_TEMPLATES, bridge_port) == '{"computeTemplates":[' + template + "]}"


def test_the_quickstart_answers_say_v1_is_deprecated(bridge_port, ray_system):
    headers = run(
        LIST_TEMPLATES.replace("--silent", "--silent --dump-header - --output /dev/null"), bridge_port
    )
    lines = [line.strip().lower() for line in headers.splitlines()]
    assert any(line.startswith("deprecation: @") for line in lines), headers
    assert any(line.startswith('warning: 299 - "kuberay apiserver v1 is deprecated') for line in lines), (
        headers
    )
    assert any(line.startswith("link: <") and 'rel="deprecation"' in line for line in lines), headers


def test_path_rules_hold_behind_gunicorn(bridge_port, ray_system):
    """gunicorn hands the path over as sent: ``//`` stays an empty namespace (404) and a
    trailing slash stays an empty name (400), as with the Go server."""
    base = f"http://127.0.0.1:{bridge_port}"
    double = requests.get(f"{base}/apis/v1/namespaces//clusters", timeout=10)
    assert (double.status_code, double.json()) == (404, {"code": 5, "message": "Not Found"})
    trailing = requests.get(f"{base}/apis/v1/namespaces/ray-system/clusters/", timeout=10)
    assert trailing.status_code == 400
    assert trailing.json()["message"].startswith("Cluster name is empty. Please specify a valid value.")
    wrong_method = requests.put(f"{base}/apis/v1/namespaces/ray-system/clusters/c", timeout=10)
    assert (wrong_method.status_code, wrong_method.json()["code"]) == (501, 12)


def _v1_requests_counted(port: int) -> dict[tuple[str, str, str], float]:
    """``kuberay_bridge_requests_total`` of the v1 dialect, by (route, method, code)."""
    text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    counted: dict[tuple[str, str, str], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = sample.labels
            if sample.name == "kuberay_bridge_requests_total" and labels.get("dialect") == "v1":
                counted[(labels["route"], labels["method"], labels["code"])] = sample.value
    return counted


def test_metrics_name_each_v1_call_by_its_route_table_name(bridge_port, ray_system):
    """The v1 route table names every call, served or not yet: the README's list command is
    ``templates.list``, a v1 jobs list is ``jobs.list``, an unknown path ``none``."""
    before = _v1_requests_counted(bridge_port)
    run(LIST_TEMPLATES, bridge_port)
    base = f"http://127.0.0.1:{bridge_port}/apis/v1"
    assert requests.get(f"{base}/namespaces/ray-system/jobs", timeout=10).status_code == 200
    assert requests.get(f"{base}/no/such/thing", timeout=10).status_code == 404
    expected = [("templates.list", "GET", "200"), ("jobs.list", "GET", "200"), ("none", "GET", "404")]

    def counted() -> bool:
        now = _v1_requests_counted(bridge_port)
        return all(now.get(key, 0) - before.get(key, 0) >= 1 for key in expected)

    assert wait_until(counted, deadline_seconds=30), _v1_requests_counted(bridge_port)
