"""A bridge whose upstream is itself: a real ``kuberay-bridge serve`` pointed at its own port (by
URL, and through a kubeconfig written for its clients, picked up by ``--upstream auto``) answers
every proxied call at once with a clear error in the caller's dialect (the ``kubernetes`` client,
``kubectl``, ``requests``), says so on ``/readyz``, logs the loop once, and keeps answering
``/healthz``."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import requests
from kubernetes import client as kube

from tests.support.bridge_process import BridgeProcess
from tests.support.waiting import free_port, wait_until

RAYCLUSTERS = "/apis/ray.io/v1/namespaces/default/rayclusters"
LOOP = "request loop"
TIMEOUT = 60  # seconds a looping request could hang before the fix; never reached after it


def alive(bridge: BridgeProcess) -> bool:
    try:
        return requests.get(bridge.url + "/healthz", timeout=5).status_code == 200
    except requests.RequestException:
        return False


def start_looping(
    start_bridge, *args: str, env: dict[str, str] | None = None, port: int | None = None
) -> BridgeProcess:
    """A bridge that cannot become ready; waited for through ``/healthz``."""
    bridge = start_bridge(*args, env=env, port=port, ready=False)
    assert wait_until(lambda: alive(bridge), deadline_seconds=30), bridge.log()
    return bridge


def loop_log_lines(bridge: BridgeProcess) -> list[str]:
    return [line for line in bridge.log().splitlines() if '"kuberay_bridge.hops"' in line]


def kubeconfig_for(url: str, path: Path) -> Path:
    """What a user writes for kubectl to reach the bridge."""
    path.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "current-context": "bridge",
                "clusters": [{"name": "bridge", "cluster": {"server": url}}],
                "users": [{"name": "me", "user": {}}],
                "contexts": [{"name": "bridge", "context": {"cluster": "bridge", "user": "me"}}],
            }
        )
    )
    return path


def kubernetes_client(url: str) -> kube.CustomObjectsApi:
    configuration = kube.Configuration()
    configuration.host = url
    return kube.CustomObjectsApi(kube.ApiClient(configuration))


def test_upstream_url_naming_the_own_port(start_bridge):
    port = free_port()
    bridge = start_looping(
        start_bridge, "--upstream", f"http://127.0.0.1:{port}", "--workers", "2", port=port
    )

    with pytest.raises(kube.ApiException) as raised:
        kubernetes_client(bridge.url).list_namespaced_custom_object(
            "ray.io", "v1", "default", "rayclusters", _request_timeout=TIMEOUT
        )
    assert raised.value.status == 508
    status = json.loads(raised.value.body)
    assert status["kind"] == "Status" and status["reason"] == "LoopDetected"
    assert LOOP in status["message"] and f"http://127.0.0.1:{port}" in status["message"]

    v1 = requests.get(bridge.url + "/apis/v1/clusters", timeout=TIMEOUT)
    assert v1.status_code >= 500 and set(v1.json()) == {"code", "message"}
    assert LOOP in v1.json()["message"]

    for _ in range(20):  # enough calls to reach both workers
        assert requests.get(bridge.url + RAYCLUSTERS, timeout=TIMEOUT).status_code == 508
        ready = requests.get(bridge.url + "/readyz", timeout=TIMEOUT)
        assert ready.status_code == 503 and LOOP in ready.json()["message"]
    assert alive(bridge)
    lines = loop_log_lines(bridge)
    assert len(lines) == 1, lines
    assert LOOP in json.loads(lines[0])["message"]


@pytest.mark.parametrize("upstream", ["auto", "kubeconfig:{path}"])
def test_kubeconfig_written_for_the_bridge_itself(start_bridge, tmp_path, upstream):
    port = free_port()
    config = kubeconfig_for(f"http://127.0.0.1:{port}", tmp_path / "config")
    bridge = start_looping(
        start_bridge,
        "--upstream",
        upstream.format(path=config),
        "--workers",
        "1",
        env={"KUBECONFIG": str(config)},
        port=port,
    )

    result = subprocess.run(
        ["kubectl", "--kubeconfig", str(config), "get", "--raw", RAYCLUSTERS],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode != 0
    assert LOOP in result.stderr or "Loop Detected" in result.stderr, result.stderr

    ready = requests.get(bridge.url + "/readyz", timeout=TIMEOUT)
    assert ready.status_code == 503 and LOOP in ready.json()["message"]
    assert ready.json()["upstream"]["mode"] == "kubeconfig"
    assert alive(bridge)
    assert len(loop_log_lines(bridge)) == 1


def test_two_bridges_pointing_at_each_other(start_bridge):
    first, second = free_port(), free_port()
    a = start_looping(start_bridge, "--upstream", f"http://127.0.0.1:{second}", "--workers", "1", port=first)
    b = start_looping(start_bridge, "--upstream", f"http://127.0.0.1:{first}", "--workers", "1", port=second)
    answer = requests.get(a.url + RAYCLUSTERS, timeout=TIMEOUT)
    assert answer.status_code == 508 and LOOP in answer.json()["message"]
    assert alive(a) and alive(b)


def test_a_callers_via_counts_as_hops(start_bridge, cluster):
    bridge = start_bridge("--upstream", cluster.url, "--workers", "1")
    one = requests.get(
        bridge.url + RAYCLUSTERS, headers={"Via": "1.1 kuberay-bridge-0123abcd"}, timeout=TIMEOUT
    )
    assert one.status_code == 200, one.text
    chain = ", ".join(f"1.1 kuberay-bridge-{n:08x}" for n in range(8))
    refused = requests.get(bridge.url + RAYCLUSTERS, headers={"Via": chain}, timeout=TIMEOUT)
    assert refused.status_code == 508 and "8 kuberay-bridges" in refused.json()["message"]
