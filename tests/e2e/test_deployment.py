"""Serving as a Kubernetes Deployment runs it: HTTPS with rotating certificates (kubectl with a
token), the operator's ``GUNICORN_CMD_ARGS``, a drain on SIGTERM and a reload on SIGHUP, each
against a real ``kuberay-bridge serve``."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time

import pytest
import requests

from tests.support.bridge_process import COMMAND, RawWatches
from tests.support.certificates import issue_certificate
from tests.support.factories import raycluster
from tests.support.waiting import free_port, wait_until

RAYCLUSTERS = "/apis/ray.io/v1/namespaces/default/rayclusters"


def _tls_args(certificate, key) -> list[str]:
    return ["--tls-cert-file", str(certificate), "--tls-private-key-file", str(key)]


def test_kubectl_sends_its_token_over_tls(start_bridge, cluster, tmp_path):
    ca = issue_certificate(tmp_path, "ca")
    server = issue_certificate(tmp_path, "server", ca)
    (tmp_path / "tokens").write_text("s3cret-token\n")
    bridge = start_bridge(
        "--upstream",
        cluster.url,
        "--auth-mode",
        "token",
        "--token-file",
        str(tmp_path / "tokens"),
        *_tls_args(*server),
        ca_file=ca[0],
    )
    kubectl = ["kubectl", "--server", bridge.url, "--certificate-authority", str(ca[0])]
    allowed = subprocess.run(
        [*kubectl, "--token", "s3cret-token", "get", "rayclusters", "-A"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert allowed.returncode == 0, allowed.stderr
    assert "No resources found" in allowed.stderr
    refused = subprocess.run(
        [*kubectl, "--token", "wrong", "get", "rayclusters", "-A"], capture_output=True, text=True, timeout=60
    )
    assert refused.returncode != 0
    assert "You must be logged in" in refused.stderr


@pytest.mark.parametrize("worker_class", ["gevent", "gthread"])  # one context a worker, one a connection
def test_a_rotated_certificate_serves_new_connections_without_a_restart(
    start_bridge, cluster, tmp_path, worker_class
):
    old_ca, new_ca = issue_certificate(tmp_path, "old-ca"), issue_certificate(tmp_path, "new-ca")
    old, new = issue_certificate(tmp_path, "old", old_ca), issue_certificate(tmp_path, "new", new_ca)
    live = tmp_path / "live"
    live.mkdir()
    shutil.copy(old[0], live / "tls.crt")
    shutil.copy(old[1], live / "tls.key")
    bridge = start_bridge(
        "--upstream",
        cluster.url,
        "--worker-class",
        worker_class,
        *_tls_args(live / "tls.crt", live / "tls.key"),
        ca_file=old_ca[0],
    )
    workers = bridge.children()

    for source, target in ((new[1], "tls.key"), (new[0], "tls.crt")):  # as a Secret update lands
        shutil.copy(source, live / f"{target}.tmp")
        os.replace(live / f"{target}.tmp", live / target)

    def new_certificate_served() -> bool:
        try:
            return requests.get(bridge.url + "/healthz", verify=str(new_ca[0]), timeout=10).status_code == 200
        except requests.exceptions.SSLError:
            return False

    assert wait_until(new_certificate_served, 30)
    for _ in range(4):  # every worker, whichever accepts
        assert requests.get(bridge.url + RAYCLUSTERS, verify=str(new_ca[0]), timeout=10).status_code == 200
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(bridge.url + "/healthz", verify=str(old_ca[0]), timeout=10)
    assert bridge.children() == workers, "no worker restarted"


def test_a_key_that_is_not_the_certificates_stops_serve_with_one_line(tmp_path):
    ca = issue_certificate(tmp_path, "ca")
    server = issue_certificate(tmp_path, "server", ca)
    result = subprocess.run(
        [
            *COMMAND,
            "serve",
            "--port",
            str(free_port()),
            "--upstream",
            "http://127.0.0.1:1",
            *_tls_args(server[0], ca[1]),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"kuberay-bridge: invalid configuration: tls_private_key_file: {ca[1]} is not the key of the "
        f"certificate in tls_cert_file {server[0]}"
    ]


def test_gunicorn_cmd_args_override_the_shipped_settings(start_bridge, cluster):
    bridge = start_bridge("--upstream", cluster.url, env={"GUNICORN_CMD_ARGS": "--workers 3"})
    assert wait_until(lambda: len(bridge.children()) == 3, 30), bridge.children()


def _burst(url: str, stop: threading.Event, outcomes: list, created: list) -> None:
    """POST then GET until ``stop``, as a client does until the endpoints leave out the pod;
    each outcome a status code or the exception's text."""
    sent = 0
    while not stop.is_set():
        sent += 1
        name = f"burst-{threading.get_ident()}-{sent}"
        try:
            response = requests.post(url + RAYCLUSTERS, json=raycluster(name), timeout=30)
            outcomes.append(response.status_code)
            if response.status_code == 201:
                created.append(name)
            outcomes.append(requests.get(url + RAYCLUSTERS + "/" + name, timeout=30).status_code)
        except requests.RequestException as error:
            outcomes.append(repr(error))


def test_sigterm_drains_then_finishes_requests_and_watches(start_bridge, cluster):
    bridge = start_bridge("--upstream", cluster.url, env={"BRIDGE_DRAIN_SECONDS": "8"})
    watches = RawWatches(bridge.port, RAYCLUSTERS, 20)
    outcomes: list = []
    created: list[str] = []
    stop = threading.Event()
    senders = [threading.Thread(target=_burst, args=(bridge.url, stop, outcomes, created)) for _ in range(3)]
    try:
        assert watches.read_until(lambda: watches.count(b"HTTP/1.1 200") == 20, 30)
        for sender in senders:
            sender.start()
        assert wait_until(lambda: len(outcomes) >= 10, 30)
        bridge.process.send_signal(signal.SIGTERM)

        assert wait_until(lambda: requests.get(bridge.url + "/readyz", timeout=10).status_code == 503, 5)
        readyz = requests.get(bridge.url + "/readyz", timeout=10)
        assert readyz.json()["reason"] == "ServiceUnavailable"
        time.sleep(3)  # well inside the drain of 8 s: gunicorn alone would have stopped by now
        assert requests.get(bridge.url + "/readyz", timeout=10).status_code == 503
        assert requests.get(bridge.url + RAYCLUSTERS, timeout=10).status_code == 200, "still serving"
        assert bridge.process.poll() is None
        stop.set()  # the endpoints have caught up: no new requests from here on
        for sender in senders:
            sender.join(60)

        assert bridge.process.wait(60) == 0
        assert watches.read_until(lambda: len(watches.ended) == 20, 30)
        assert watches.complete() == 20, "every watch ends with the last chunk"
    finally:
        stop.set()
        watches.close()
    assert [outcome for outcome in outcomes if outcome not in (200, 201)] == []
    stored = requests.get(cluster.url + RAYCLUSTERS, timeout=10).json()["items"]
    assert set(created) <= {item["metadata"]["name"] for item in stored}, "nothing created is lost"


def test_sighup_applies_a_changed_setting_without_a_failed_request(start_bridge, cluster, tmp_path):
    config = tmp_path / "bridge.yaml"
    config.write_text("cors_origins: []\n")
    bridge = start_bridge("--upstream", cluster.url, env={"BRIDGE_CONFIG": str(config)})
    v1_clusters = bridge.url + "/apis/v1/namespaces/default/clusters"
    statuses: list = []
    sunsets: list = []
    stop = threading.Event()

    def ask() -> None:
        while not stop.is_set():
            try:
                response = requests.get(v1_clusters, timeout=30)
                statuses.append(response.status_code)
                sunsets.append(response.headers.get("Sunset"))
            except requests.RequestException as error:
                statuses.append(repr(error))

    askers = [threading.Thread(target=ask) for _ in range(3)]
    for asker in askers:
        asker.start()
    try:
        assert wait_until(lambda: len(statuses) >= 10, 30)
        config.write_text("v1_sunset: 2027-06-30\n")
        bridge.process.send_signal(signal.SIGHUP)
        assert wait_until(lambda: any(sunsets[-5:]), 60), bridge.log()
        assert wait_until(lambda: len(bridge.children()) == 2, 60), "the old workers have stopped"
        workers = bridge.children()

        config.write_text("v1_sunset: not-a-date\n")
        bridge.process.send_signal(signal.SIGHUP)
        assert wait_until(lambda: "configuration not reloaded" in bridge.log(), 30)
        count = len(statuses)
        assert wait_until(lambda: len(statuses) >= count + 10, 30)
    finally:
        stop.set()
        for asker in askers:
            asker.join(60)
    assert [status for status in statuses if status != 200] == []
    assert sunsets[-1] == "Wed, 30 Jun 2027 00:00:00 GMT"
    assert bridge.children() == workers, "a bad configuration leaves the running workers"
    assert [line for line in bridge.log().splitlines() if "configuration not reloaded" in line][0].count(
        "\n"
    ) == 0
