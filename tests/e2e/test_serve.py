"""Starting and stopping: ``serve --upstream embedded[:DIR]`` owns its embedded API child
(started before the workers, gone after SIGTERM, gone when the master is killed), and
``gunicorn -c python:bridge.gunicorn_conf 'bridge.app:create_app()'`` serves the same app."""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

import requests

from tests.support.bridge_process import BridgeProcess
from tests.support.factories import RAYCLUSTERS, raycluster, unique
from tests.support.waiting import free_port, pid_alive, wait_until

NS_RC = RAYCLUSTERS.format(ns="default")


def embedded_child(bridge: BridgeProcess) -> int:
    """The pid of the embedded API child (the child whose command says so)."""
    for pid in bridge.children():
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
        except FileNotFoundError:
            continue
        if b"embedded-apiserver" in command:
            return pid
    raise AssertionError(f"no embedded API child among {bridge.children()}")


def test_serve_embedded_with_a_data_dir_starts_and_stops_cleanly(start_bridge, tmp_path):
    data = tmp_path / "state"
    data.mkdir()
    bridge = start_bridge("--upstream", f"embedded:{data}", "--workers", "2")
    ready = requests.get(bridge.url + "/readyz", timeout=5).json()
    assert ready["upstream"]["mode"] == "embedded"
    assert ready["upstream"]["url"].startswith("http://127.0.0.1:")
    child = embedded_child(bridge)
    first_line = bridge.log().splitlines()[0]
    assert f'"upstream: embedded {data} (upstream=embedded:{data})"' in first_line

    name = unique("kept")
    assert requests.post(bridge.url + NS_RC, json=raycluster(name), timeout=10).status_code == 201

    assert bridge.stop() == 0
    assert not pid_alive(child)

    again = start_bridge("--upstream", f"embedded:{data}", "--workers", "1")
    assert requests.get(f"{again.url}{NS_RC}/{name}", timeout=10).status_code == 200  # state kept
    assert again.stop() == 0


def test_embedded_child_goes_when_the_master_is_killed(start_bridge):
    bridge = start_bridge("--upstream", "embedded", "--workers", "1")
    child = embedded_child(bridge)
    bridge.process.send_signal(signal.SIGKILL)
    bridge.process.wait()
    assert wait_until(lambda: not pid_alive(child), deadline_seconds=15)


def test_a_worker_restart_keeps_the_embedded_api_and_a_dead_child_makes_readyz_503(start_bridge):
    bridge = start_bridge("--upstream", "embedded", "--workers", "2")
    child = embedded_child(bridge)
    worker = next(pid for pid in bridge.children() if pid != child)
    os.kill(worker, signal.SIGTERM)  # gunicorn replaces it; the master's child must stay
    assert wait_until(lambda: worker not in bridge.children() and len(bridge.children()) == 3)
    assert pid_alive(child)
    assert all(requests.get(bridge.url + "/readyz", timeout=5).status_code == 200 for _ in range(4))
    assert requests.get(bridge.url + "/metrics", timeout=5).status_code == 200

    os.kill(child, signal.SIGKILL)

    def not_ready() -> bool:
        response = requests.get(bridge.url + "/readyz", timeout=5)
        return response.status_code == 503 and "unreachable" in response.json()["message"]

    assert wait_until(not_ready, deadline_seconds=10)
    assert wait_until(lambda: "embedded API exited" in bridge.log(), deadline_seconds=5)
    assert requests.get(bridge.url + "/healthz", timeout=5).status_code == 200
    assert requests.get(bridge.url + NS_RC, timeout=10).status_code == 502


def test_gunicorn_with_the_config_module(start_bridge, crd_dir):
    port = free_port()
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    bridge = start_bridge(
        command=[gunicorn, "-c", "python:bridge.gunicorn_conf", "bridge.app:create_app()"],
        port=port,
        env={
            "BRIDGE_PORT": str(port),
            "BRIDGE_UPSTREAM": "embedded",
            "BRIDGE_WORKERS": "2",
            "BRIDGE_EMBEDDED_CRD_DIR": str(crd_dir),
        },
    )
    assert requests.get(bridge.url + "/readyz", timeout=5).json()["upstream"]["mode"] == "embedded"
    child = embedded_child(bridge)
    name = unique("via-gunicorn")
    assert requests.post(bridge.url + NS_RC, json=raycluster(name), timeout=10).status_code == 201
    # Both workers see one embedded API: every read finds the object.
    assert all(requests.get(f"{bridge.url}{NS_RC}/{name}", timeout=10).status_code == 200 for _ in range(6))
    assert bridge.stop() == 0
    assert not pid_alive(child)


def test_bad_configuration_stops_serve_with_a_message(tmp_path):
    bridge = BridgeProcess(["--upstream", "ftp://nowhere"], tmp_path / "log")
    assert bridge.process.wait(30) == 2
    assert "upstream" in bridge.log() and "ftp://nowhere" in bridge.log()


def test_everything_serve_logs_is_one_json_object_a_line(start_bridge, embedded):
    """gunicorn's own messages and the app's request lines share one format, so a log
    pipeline needs one parser for the bridge."""
    bridge = start_bridge("--upstream", embedded.url, "--workers", "1")
    assert requests.get(bridge.url + "/healthz", timeout=5).status_code == 200
    assert bridge.stop() == 0
    lines = [line for line in bridge.log().splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines]
    loggers = {entry["logger"] for entry in entries}
    assert {"gunicorn.error", "kuberay_bridge.requests"} <= loggers
    assert any(entry.get("message", "").startswith("Starting gunicorn") for entry in entries)


def test_the_kuberay_v1_quickstart_needs_no_setup_on_the_embedded_upstream(start_bridge):
    """``serve --upstream embedded`` stands in for a cluster with KubeRay installed: the
    KubeRay README's template create in ``ray-system`` works as the first call."""
    bridge = start_bridge("--upstream", "embedded", "--workers", "1")
    created = requests.post(
        bridge.url + "/apis/v1/namespaces/ray-system/compute_templates",
        json={"name": "default-template", "namespace": "ray-system", "cpu": 2, "memory": 4},
        timeout=10,
    )
    assert created.status_code == 200, created.text
    assert created.json() == {
        "name": "default-template", "namespace": "ray-system", "cpu": 2, "memory": 4, "memoryUnit": "Gi",
    }  # fmt: skip
