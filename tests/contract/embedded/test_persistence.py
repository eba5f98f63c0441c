"""``kuberay-bridge embedded-apiserver --data-dir``: state survives a restart of the real CLI."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.support.bridge_process import CLI
from tests.support.factories import RAY, raycluster
from tests.support.waiting import free_port


class Cli:
    """The embedded API server as a child process."""

    def __init__(self, data_dir: Path, crd_dir: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [
                CLI,
                "embedded-apiserver",
                "--port",
                str(self.port),
                "--data-dir",
                str(data_dir),
                "--crd-dir",
                str(crd_dir),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.process.stdout.read()
            try:
                requests.get(self.url + "/version", timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.05)
        raise AssertionError("the embedded API server did not start")

    def stop(self, sig: int = signal.SIGTERM) -> tuple[int, str]:
        self.process.send_signal(sig)
        try:
            code = self.process.wait(timeout=20)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
        return code, self.process.stdout.read()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "state" / "nested"  # does not exist yet: the CLI creates it


def test_state_survives_restart_and_resource_versions_keep_increasing(data_dir, crd_dir):
    first = Cli(data_dir, crd_dir)
    try:
        assert (
            requests.post(first.url + "/api/v1/namespaces", json={"metadata": {"name": "keep"}}).status_code
            == 201
        )
        created = requests.post(
            f"{first.url}{RAY}/namespaces/keep/rayclusters", json=raycluster("durable")
        ).json()
        requests.post(
            first.url + "/api/v1/namespaces/keep/configmaps",
            json={"metadata": {"name": "cm"}, "data": {"k": "v"}},
        )
    finally:
        code, output = first.stop(signal.SIGKILL)  # no clean shutdown: committed data must be there
    assert (data_dir / "state.db").exists()

    second = Cli(data_dir, crd_dir)
    try:
        fetched = requests.get(f"{second.url}{RAY}/namespaces/keep/rayclusters/durable").json()
        assert fetched == created
        assert requests.get(second.url + "/api/v1/namespaces/keep/configmaps/cm").json()["data"] == {"k": "v"}
        later = requests.post(
            second.url + "/api/v1/namespaces/keep/configmaps", json={"metadata": {"name": "later"}}
        ).json()
        assert int(later["metadata"]["resourceVersion"]) > int(created["metadata"]["resourceVersion"])
        # A watch from before the restart cannot resume: its changes are gone.
        with requests.get(
            second.url + "/api/v1/namespaces/keep/configmaps",
            params={
                "watch": "true",
                "resourceVersion": created["metadata"]["resourceVersion"],
                "timeoutSeconds": "5",
            },
            stream=True,
            timeout=30,
        ) as stream:
            first_line = next(stream.iter_lines())
        assert b'"code":410' in first_line
    finally:
        code, output = second.stop()
    assert code == 0, output
    assert "listening on http://127.0.0.1:" in output and "state.db" in output


def test_sigint_stops_cleanly(tmp_path, crd_dir):
    cli = Cli(tmp_path, crd_dir)
    code, output = cli.stop(signal.SIGINT)
    assert code == 0, output


def test_port_in_use_is_a_clear_error(tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [CLI, "embedded-apiserver", "--port", str(port), "--data-dir", str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 1
    assert f"Port {port} is in use" in done.stderr


def test_data_dir_that_is_a_file_is_a_clear_error(tmp_path):
    occupied = tmp_path / "file"
    occupied.write_text("not a directory")
    done = subprocess.run(
        [CLI, "embedded-apiserver", "--port", str(free_port()), "--data-dir", str(occupied)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "cannot use the data directory" in done.stderr


def test_sigterm_ends_open_watches_cleanly(tmp_path, crd_dir):
    cli = Cli(tmp_path, crd_dir)
    stream = requests.get(
        cli.url + "/api/v1/namespaces/default/configmaps",
        params={"watch": "true", "resourceVersion": "1"},
        stream=True,
        timeout=30,
    )
    code, output = cli.stop(signal.SIGTERM)
    # The chunked answer is terminated properly: reading to the end raises nothing.
    assert list(stream.iter_lines()) == []
    assert code == 0, output


def test_one_data_directory_serves_one_server(tmp_path, crd_dir):
    first = Cli(tmp_path, crd_dir)
    try:
        second = subprocess.run(
            [CLI, "embedded-apiserver", "--port", str(free_port()), "--data-dir", str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 1
        assert "held by another embedded API server" in second.stderr
        assert requests.get(first.url + "/api/v1/namespaces/default", timeout=10).status_code == 200
    finally:
        first.stop()
    third = Cli(tmp_path, crd_dir)  # the lock went with the first server
    assert third.stop()[0] == 0
