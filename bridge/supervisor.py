"""The embedded Kubernetes API as a child process of the gunicorn master.

Workers are separate processes; if each ran its own embedded API they would each see
different objects. So the master starts one ``kuberay-bridge embedded-apiserver`` on a free
loopback port before it forks, waits until it answers ``/version``, hands its URL to the
workers, and stops it on exit (SIGTERM included). On Linux the child also gets
``PR_SET_PDEATHSIG`` so a master killed with SIGKILL does not leave it behind. If the child
dies while the bridge runs, a watcher thread logs it once; ``/readyz`` then answers 503.
"""

from __future__ import annotations

import ctypes
import http.client
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from typing import Any

from bridge.core.upstream_choice import EMBEDDED_URL_ENV
from bridge.embedded import start as start_embedded

log = logging.getLogger("kuberay_bridge.embedded")

# A cluster with KubeRay installed has this namespace, and the KubeRay quickstarts use it; the
# embedded upstream stands in for such a cluster, so they work unchanged against the bridge.
KUBERAY_NAMESPACE = "ray-system"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers_version(url: str) -> bool:
    """GET /version answered 200 (http.client, not requests: see bridge.core.upstream_choice)."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=1)
    try:
        connection.request("GET", "/version")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def _die_with_parent() -> None:  # runs in the child between fork and exec
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class EmbeddedChild:
    def __init__(self, data_dir: str | None = None, crd_dir: str | None = None):
        self.data_dir = data_dir
        self.crd_dir = crd_dir
        self.process: subprocess.Popen | None = None
        self.url: str | None = None
        self.owner = os.getpid()  # forked workers inherit this object but must not stop it
        self._stopping = threading.Event()

    def start(self, timeout: float = 30.0) -> str:
        """Start the child and return its URL once it answers; RuntimeError if it cannot."""
        for _ in range(3):  # the free port may be taken between the probe and the bind
            port = _free_port()
            self._stopping = threading.Event()
            command = [
                sys.executable, "-m", "bridge", "embedded-apiserver",
                "--host", "127.0.0.1", "--port", str(port),
                "--namespace", KUBERAY_NAMESPACE, "--log-format", "json",
            ]  # fmt: skip
            if self.data_dir:
                command += ["--data-dir", self.data_dir]
            if self.crd_dir:
                command += ["--crd-dir", self.crd_dir]
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
            )
            url = f"http://127.0.0.1:{port}"
            if self._wait_ready(url, timeout):
                self.url = url
                log.info("embedded API started (pid %d) at %s", self.process.pid, url)
                threading.Thread(target=self._watch, name="embedded-watch", daemon=True).start()
                return url
            self.stop()
        raise RuntimeError("the embedded API did not start; see its log above")

    def _wait_ready(self, url: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                return False
            if _answers_version(url):
                return True
            time.sleep(0.05)
        return False

    def _watch(self) -> None:
        process = self.process
        while process is not None and not self._stopping.wait(1.0):
            code = process.poll()
            if code is not None:
                log.error("embedded API exited with status %s; the bridge is not ready", code)
                return

    def stop(self, timeout: float = 10.0) -> None:
        if os.getpid() != self.owner:
            return
        self._stopping.set()
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.info("embedded API stopped")


def export_url(url: str) -> None:
    """Tell workers (forked later, inheriting the environment) where the API is."""
    os.environ[EMBEDDED_URL_ENV] = url


def start_in_process(data_dir: str | None, crd_dir: str | None) -> Any:
    """An embedded API in this process (``create_app()`` without a gunicorn master), with the
    namespaces a cluster running KubeRay has."""
    return start_embedded(data_dir=data_dir, crd_dir=crd_dir, namespaces=[KUBERAY_NAMESPACE])
