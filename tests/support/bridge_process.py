"""``kuberay-bridge serve`` (or the embedded API) as a real process on a free loopback port,
waited for through ``/readyz`` and always stopped (SIGTERM, then SIGKILL); and the raw clients
that watch it by the thousand and read its log."""

from __future__ import annotations

import json
import os
import resource
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import requests

from tests.support.repo import REPO_ROOT
from tests.support.waiting import free_port

COMMAND = [sys.executable, "-m", "bridge"]  # the console script, with this interpreter
CLI = shutil.which("kuberay-bridge", path=os.path.dirname(sys.executable)) or "kuberay-bridge"


class BridgeProcess:
    """One ``kuberay-bridge serve`` (or any command serving the bridge) and its log file."""

    def __init__(
        self,
        args: Sequence[str],
        log_path: Path,
        env: dict[str, str] | None = None,
        port: int | None = None,
        command: Sequence[str] | None = None,
        own_process_group: bool = False,
        cwd: Path | None = None,
        ca_file: Path | None = None,
    ):
        self.port = port or free_port()
        self.url = f"{'https' if ca_file else 'http'}://127.0.0.1:{self.port}"
        self.verify: str | bool = str(ca_file) if ca_file else True
        self.log_path = log_path
        argv = (
            list(command)
            if command
            else [*COMMAND, "serve", "--host", "127.0.0.1", "--port", str(self.port), *args]
        )
        # No drain after SIGTERM unless a test asks: every stop would otherwise wait for it.
        environment = {**os.environ, "BRIDGE_CONFIG": "", "BRIDGE_DRAIN_SECONDS": "0", **(env or {})}
        environment.pop("BRIDGE_EMBEDDED_URL", None)
        environment.pop("BRIDGE_INSTANCE_ID", None)
        with open(log_path, "wb") as log:
            self.process = subprocess.Popen(
                argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=cwd or REPO_ROOT,
                env=environment,
                start_new_session=own_process_group,
            )

    def wait_ready(self, deadline_seconds: float = 30.0) -> dict:
        deadline = time.monotonic() + deadline_seconds
        last = "no answer"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"bridge exited with {self.process.returncode}:\n{self.log()}")
            try:
                response = requests.get(self.url + "/readyz", timeout=2, verify=self.verify)
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
        result = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(self.process.pid)], capture_output=True, text=True, check=False
        )
        return [int(pid) for pid in result.stdout.split()]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def raise_open_files_limit() -> int:
    """The test process's soft open-files limit raised to its hard limit (thousands of watch
    sockets); the limit now."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


class RawWatches:
    """Many ``GET <path>?watch=true`` HTTP/1.1 connections, read through one selector: the
    cheapest client that can hold thousands of watches in one test process."""

    def __init__(self, port: int, path: str, count: int, request_id: str = ""):
        self.selector = selectors.DefaultSelector()
        self.received: dict[socket.socket, bytes] = {}
        self.ended: set[socket.socket] = set()
        extra = f"X-Request-Id: {request_id}\r\n" if request_id else ""
        request = f"GET {path}?watch=true HTTP/1.1\r\nHost: watches\r\n{extra}\r\n".encode()
        try:
            for _ in range(count):
                sock = socket.create_connection(("127.0.0.1", port), timeout=30)
                self.received[sock] = b""
                sock.sendall(request)
                sock.setblocking(False)
                self.selector.register(sock, selectors.EVENT_READ)
        except BaseException:
            self.close()
            raise

    def read_until(self, condition: Callable[[], bool], deadline_seconds: float) -> bool:
        """Read whatever arrives until ``condition()`` holds or the deadline passes."""
        deadline = time.monotonic() + deadline_seconds
        while not condition():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            for key, _ in self.selector.select(min(left, 0.5)):
                try:
                    data = key.fileobj.recv(65536)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                if not data:
                    self.selector.unregister(key.fileobj)
                    self.ended.add(key.fileobj)
                self.received[key.fileobj] += data
        return True

    def count(self, needle: bytes) -> int:
        """How many watches received ``needle`` somewhere in their bytes so far."""
        return sum(needle in data for data in self.received.values())

    def complete(self) -> int:
        """How many ended with the terminating zero-length chunk of a chunked body."""
        return sum(data.endswith(b"\r\n0\r\n\r\n") for data in self.received.values())

    def close(self) -> None:
        for sock in self.received:
            sock.close()
        self.selector.close()


def lines_not_json(log: str) -> list[str]:
    """The lines of ``log`` that are not JSON objects (every line ``serve`` writes must be)."""
    wrong = []
    for line in log.splitlines():
        try:
            if not isinstance(json.loads(line), dict):
                wrong.append(line)
        except ValueError:
            wrong.append(line)
    return wrong
