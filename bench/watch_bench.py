"""How many idle watches the bridge holds, what they cost, and how fast it stops with them.

Run by hand (never part of the test suite):

    .venv/bin/python bench/watch_bench.py [--watches 2000] [--workers 2] [--worker-class gevent]

It starts a real ``kuberay-bridge serve --upstream embedded`` on loopback, opens ``--watches``
RayCluster watches through it (raw HTTP/1.1 sockets read through one selector: the e2e tests'
``RawWatches``, so the client costs little), and reports:
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
import signal
import subprocess
import sys
import tempfile
import time

import requests

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

# The e2e tests' raw watch client: one copy of it, run from a checkout with the test extras.
from tests.support.bridge_process import RawWatches, raise_open_files_limit  # noqa: E402
from tests.support.waiting import free_port  # noqa: E402

RAY = "/apis/ray.io/v1/namespaces/default/rayclusters"


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
    """RSS of the gunicorn workers and of the embedded API (the master's other child)."""
    totals = {"workers_rss_kib": 0, "embedded_rss_kib": 0}
    for pid, command in children(master).items():
        totals["embedded_rss_kib" if "embedded-apiserver" in command else "workers_rss_kib"] += rss_kib(pid)
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--watches", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", default="gevent", choices=("gevent", "gthread"))
    parser.add_argument("--deadline", type=float, default=120.0, help="seconds for each phase")
    options = parser.parse_args()
    hard = raise_open_files_limit()

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
    results: dict = {
        "watches": options.watches,
        "workers": options.workers,
        "worker_class": options.worker_class,
        "fd_limit": hard,
        "log": log.name,
    }
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
        watches = RawWatches(port, RAY, options.watches)
        watches.read_until(lambda: watches.count(b"HTTP/1.1 200") == options.watches, options.deadline)
        results["headers_received"] = watches.count(b"HTTP/1.1 200")
        results["open_seconds"] = round(time.monotonic() - began, 1)
        time.sleep(2.0)
        held = memory(served.pid)
        for name, kib in held.items():
            results[name.replace("_kib", "_idle_kib")] = idle[name]
            results[name.replace("_kib", "_with_watches_kib")] = kib
            results[name.replace("_rss_kib", "_mib_per_1000_watches")] = round(
                (kib - idle[name]) / max(1, options.watches) * 1000 / 1024, 1
            )
        body = {
            "apiVersion": "ray.io/v1",
            "kind": "RayCluster",
            "metadata": {"name": "watched"},
            "spec": {
                "headGroupSpec": {
                    "rayStartParams": {},
                    "template": {
                        "spec": {"containers": [{"name": "ray-head", "image": "rayproject/ray:2.9.0"}]}
                    },
                }
            },
        }
        requests.post(url + RAY, json=body, timeout=60).raise_for_status()
        watches.read_until(
            lambda: watches.count(b'"ADDED"') + len(watches.ended) >= options.watches, options.deadline
        )
        results["added_received"] = watches.count(b'"ADDED"')
        results["ended_early"] = len(watches.ended)
        stopping = time.monotonic()
        served.send_signal(signal.SIGTERM)
        try:
            served.wait(options.deadline)
            results["sigterm_exit_seconds"] = round(time.monotonic() - stopping, 2)
        except subprocess.TimeoutExpired:
            results["sigterm_exit_seconds"] = None
        watches.read_until(lambda: len(watches.ended) == options.watches, 5)
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
