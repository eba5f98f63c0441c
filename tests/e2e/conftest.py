"""End-to-end helpers: ``kuberay-bridge serve`` as a real gunicorn process on a free loopback
port, waited for through ``/readyz`` and always stopped (SIGTERM, then SIGKILL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
import requests

from tests.conftest import REPO_ROOT, free_port

COMMAND = [sys.executable, "-m", "bridge"]  # the console script, with this interpreter


class BridgeProcess:
    """One ``kuberay-bridge serve`` (or any command serving the bridge) and its log file."""

    def __init__(self, args: Sequence[str], log_path: Path, env: dict[str, str] | None = None,
                 port: int | None = None, command: Sequence[str] | None = None,
                 cwd: Path | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        argv = list(command) if command else [*COMMAND, "serve", "--host", "127.0.0.1",
                                              "--port", str(self.port), *args]
        environment = {**os.environ, "BRIDGE_CONFIG": "", **(env or {})}
        environment.pop("BRIDGE_EMBEDDED_URL", None)
        with open(log_path, "wb") as log:
            self.process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                            cwd=cwd or REPO_ROOT, env=environment)

    def wait_ready(self, deadline_seconds: float = 30.0) -> dict:
        deadline = time.monotonic() + deadline_seconds
        last = "no answer"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"bridge exited with {self.process.returncode}:\n{self.log()}")
            try:
                response = requests.get(self.url + "/readyz", timeout=2)
                if response.status_code == 200:
                    return response.json()
                last = response.text
            except requests.RequestException as error:
                last = str(error)
            time.sleep(0.1)
        raise AssertionError(f"bridge not ready after {deadline_seconds}s ({last}):\n{self.log()}")

    def stop(self, timeout: float = 20.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def children(self) -> list[int]:
        """Pids of the direct children (workers, the embedded API)."""
        result = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.process.pid)],
                                capture_output=True, text=True, check=False)
        return [int(pid) for pid in result.stdout.split()]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.fixture(scope="module")
def start_bridge(tmp_path_factory) -> Iterator[Callable[..., BridgeProcess]]:
    """``start_bridge(*serve_args, env=None, command=None, cwd=None)`` -> a ready BridgeProcess,
    stopped when the module ends."""
    started: list[BridgeProcess] = []

    def start(*args: str, env: dict[str, str] | None = None, command: Sequence[str] | None = None,
              port: int | None = None, ready: bool = True, cwd: Path | None = None) -> BridgeProcess:
        log_path = tmp_path_factory.mktemp("bridge") / "bridge.log"
        bridge = BridgeProcess(args, log_path, env=env, port=port, command=command, cwd=cwd)
        started.append(bridge)
        if ready:
            bridge.wait_ready()
        return bridge

    yield start
    for bridge in started:
        bridge.stop()


def pid_alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting for its parent counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(") ", 1)[1][0] != "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def wait_until(condition: Callable[[], bool], deadline_seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()
