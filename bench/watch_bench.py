"""How many idle watches the bridge holds, what they cost, and how fast it stops with them.

Run by hand (never part of the test suite):

    .venv/bin/python bench/watch_bench.py [--watches 2000] [--workers 2] [--worker-class gevent]

It starts a real ``kuberay-bridge serve --upstream embedded`` on loopback, opens ``--watches``
RayCluster watches through it (raw HTTP/1.1 sockets, one selector, so the client costs
little), and reports:
  - how many watches got their 200 headers, how many received the ADDED event of one
    RayCluster created afterwards, and how many ended early (e.g. an empty 200),
  - the RSS of the gunicorn workers and of the embedded API, idle and with the watches open
    (and per 1,000 watches),
  - how long the bridge takes to exit after SIGTERM with the watches still open, and how many
    watch clients got a complete chunked body (the terminating zero-length chunk).
Every loop is bounded by ``--deadline``; everything stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import time

import requests

RAY = "/apis/ray.io/v1/namespaces/default/rayclusters"
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as handle:
            return next(int(line.split()[1]) for line in handle if line.startswith("VmRSS:"))
    except (OSError, StopIteration):
        return 0


def children(pid: int) -> dict[int, str]:
    """Child pid -> command line."""
    found = {}
    listing = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    for child in map(int, listing.stdout.split()):
        try:
            with open(f"/proc/{child}/cmdline", "rb") as handle:
                found[child] = handle.read().replace(b"\0", b" ").decode()
        except OSError:
            pass
    return found


def memory(master: int) -> dict[str, int]:
    processes = children(master)
    return {
        "workers_rss_kib": sum(rss_kib(pid) for pid, cmd in processes.items() if "embedded-apiserver" not in cmd),
        "embedded_rss_kib": sum(rss_kib(pid) for pid, cmd in processes.items() if "embedded-apiserver" in cmd),
    }


class Watches:
    """Many raw ``?watch=true`` connections read through one selector."""

    def __init__(self, port: int, count: int):
        self.selector = selectors.DefaultSelector()
        self.data: dict[socket.socket, bytes] = {}
        self.ended: set[socket.socket] = set()
        request = f"GET {RAY}?watch=true HTTP/1.1\r\nHost: bench\r\n\r\n".encode()
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=30)
            sock.sendall(request)
            sock.setblocking(False)
            self.data[sock] = b""
            self.selector.register(sock, selectors.EVENT_READ)

    def pump(self, until, deadline: float) -> bool:
        """Read what arrives until ``until()`` holds or ``deadline`` (monotonic) passes."""
        while not until():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            for key, _ in self.selector.select(min(left, 0.5)):
                try:
                    chunk = key.fileobj.recv(65536)
                except BlockingIOError:
                    continue
                except OSError:
                    chunk = b""
                if not chunk:
                    self.selector.unregister(key.fileobj)
                    self.ended.add(key.fileobj)
                self.data[key.fileobj] += chunk
        return True

    def count(self, needle: bytes) -> int:
        return sum(needle in data for data in self.data.values())

    def complete(self) -> int:
        """Watches whose chunked body ended with the terminating zero-length chunk."""
        return sum(data.endswith(b"\r\n0\r\n\r\n") for data in self.data.values())

    def close(self) -> None:
        for sock in self.data:
            sock.close()
        self.selector.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--watches", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", default="gevent", choices=("gevent", "gthread"))
    parser.add_argument("--deadline", type=float, default=120.0, help="seconds for each phase")
    options = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    port = free_port()
    log = tempfile.NamedTemporaryFile(prefix="watch-bench-", suffix=".log", delete=False)
    served = subprocess.Popen(
        [sys.executable, "-m", "bridge", "serve", "--host", "127.0.0.1", "--port", str(port),
         "--upstream", "embedded", "--workers", str(options.workers),
         "--worker-class", options.worker_class, "--log-level", "warning"],
        stdout=log, stderr=subprocess.STDOUT, cwd=REPO, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    watches = None
    results: dict = {"watches": options.watches, "workers": options.workers,
                     "worker_class": options.worker_class, "fd_limit": hard, "log": log.name}
    try:
        ready_by = time.monotonic() + 60
        while time.monotonic() < ready_by:
            try:
                if requests.get(url + "/readyz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.2)
        time.sleep(1.0)
        idle = memory(served.pid)
        began = time.monotonic()
        watches = Watches(port, options.watches)
        watches.pump(lambda: watches.count(b"HTTP/1.1 200") == options.watches,
                     time.monotonic() + options.deadline)
        results["headers_received"] = watches.count(b"HTTP/1.1 200")
        results["open_seconds"] = round(time.monotonic() - began, 1)
        time.sleep(2.0)
        held = memory(served.pid)
        for name, kib in held.items():
            results[name.replace("_kib", "_idle_kib")] = idle[name]
            results[name.replace("_kib", "_with_watches_kib")] = kib
            results[name.replace("_rss_kib", "_mib_per_1000_watches")] = round(
                (kib - idle[name]) / max(1, options.watches) * 1000 / 1024, 1)
        body = {"apiVersion": "ray.io/v1", "kind": "RayCluster", "metadata": {"name": "watched"},
                "spec": {"headGroupSpec": {"rayStartParams": {}, "template": {"spec": {
                    "containers": [{"name": "ray-head", "image": "rayproject/ray:2.9.0"}]}}}}}
        requests.post(url + RAY, json=body, timeout=60).raise_for_status()
        watches.pump(lambda: watches.count(b'"ADDED"') + len(watches.ended) >= options.watches,
                     time.monotonic() + options.deadline)
        results["added_received"] = watches.count(b'"ADDED"')
        results["ended_early"] = len(watches.ended)
        stopping = time.monotonic()
        served.send_signal(signal.SIGTERM)
        try:
            served.wait(options.deadline)
            results["sigterm_exit_seconds"] = round(time.monotonic() - stopping, 2)
        except subprocess.TimeoutExpired:
            results["sigterm_exit_seconds"] = None
        watches.pump(lambda: len(watches.ended) == options.watches, time.monotonic() + 5)
        results["complete_bodies_at_shutdown"] = watches.complete()
        print(json.dumps(results, indent=2))
    finally:
        if watches is not None:
            watches.close()
        if served.poll() is None:
            os.killpg(served.pid, signal.SIGKILL)
            served.wait()


if __name__ == "__main__":
    main()
