"""What the bridge costs on top of the Kubernetes API, and what idle watches cost it.

Run by hand (never part of the test suite):

    .venv/bin/python bench/proxy_bench.py [--objects 200] [--requests 500] [--watches 200]

It starts the embedded API and a real ``kuberay-bridge serve`` (gunicorn, gevent) on
loopback, then measures, each directly against the upstream and through the bridge:
  - latency of GET one RayCluster (sequential; p50/p95/p99),
  - latency of LIST all RayClusters,
  - throughput of GETs from several client threads,
and finally holds many idle watches open through the bridge, reporting the RSS of the
gunicorn processes before/after and how long one change takes to reach every watcher.
Everything stays on 127.0.0.1 and every loop is bounded.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import requests

RAY = "/apis/ray.io/v1/namespaces/default/rayclusters"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(url: str, deadline: float = 30.0) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            if requests.get(url, timeout=1).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def start(args: list[str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bridge", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


@contextmanager
def bridge_on_embedded(
    workers: int, worker_class: str, *embedded_args: str
) -> Iterator[tuple[str, str, subprocess.Popen]]:
    """An embedded API and a ``kuberay-bridge serve`` in front of it, both on loopback and both
    stopped on the way out; yields their base URLs (upstream, bridge) and the bridge's process."""
    upstream_port, bridge_port = free_port(), free_port()
    upstream = f"http://127.0.0.1:{upstream_port}"
    bridge = f"http://127.0.0.1:{bridge_port}"
    embedded = start(["embedded-apiserver", "--port", str(upstream_port), *embedded_args])
    served = None
    try:
        wait_ready(upstream + "/version")
        served = start(
            ["serve", "--port", str(bridge_port), "--upstream", upstream, "--workers", str(workers),
             "--worker-class", worker_class, "--log-level", "warning"]
        )  # fmt: skip
        wait_ready(bridge + "/readyz")
        yield upstream, bridge, served
    finally:
        if served is not None:
            stop(served)
        stop(embedded)


def raycluster(name: str) -> dict:
    return {
        "apiVersion": "ray.io/v1",
        "kind": "RayCluster",
        "metadata": {"name": name, "labels": {"bench": "yes"}},
        "spec": {
            "headGroupSpec": {
                "rayStartParams": {},
                "template": {"spec": {"containers": [{"name": "ray-head", "image": "rayproject/ray:2.9.0"}]}},
            },
            "workerGroupSpecs": [],
        },
    }


def percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return {
        "p50_ms": round(pick(0.50) * 1000, 2),
        "p95_ms": round(pick(0.95) * 1000, 2),
        "p99_ms": round(pick(0.99) * 1000, 2),
        "mean_ms": round(statistics.mean(ordered) * 1000, 2),
    }


def timed(session: requests.Session, url: str, count: int) -> list[float]:
    samples = []
    for _ in range(count):
        began = time.perf_counter()
        response = session.get(url, timeout=30)
        _ = response.content  # to the last byte
        samples.append(time.perf_counter() - began)
        assert response.status_code == 200, response.text
    return samples


def throughput(url: str, threads: int, seconds: float) -> float:
    stop_at = time.monotonic() + seconds
    counts = [0] * threads

    def worker(index: int) -> None:
        session = requests.Session()
        while time.monotonic() < stop_at:
            _ = session.get(url, timeout=30).content
            counts[index] += 1

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(worker, range(threads)))
    return round(sum(counts) / seconds, 1)


def rss_kib(root_pid: int) -> int:
    """RSS of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [root_pid]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            with open(f"/proc/{pid}/status") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def idle_watches(bridge: str, count: int, bridge_pid: int) -> dict:
    before = rss_kib(bridge_pid)
    opened = threading.Barrier(count + 1)
    seen: list[float] = []
    lock = threading.Lock()
    responses = []

    def watch() -> None:
        response = requests.get(
            bridge + RAY,
            params={"watch": "true", "resourceVersion": current_rv},
            stream=True,
            timeout=(5, 120),
        )
        responses.append(response)
        opened.wait(timeout=60)
        for line in response.iter_lines():
            if line and json.loads(line)["object"]["metadata"]["name"] == "watched":
                with lock:
                    seen.append(time.perf_counter())
                return

    current_rv = requests.get(bridge + RAY, timeout=30).json()["metadata"]["resourceVersion"]
    threads = [threading.Thread(target=watch, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    opened.wait(timeout=60)
    time.sleep(1.0)
    during = rss_kib(bridge_pid)
    began = time.perf_counter()
    requests.post(bridge + RAY, json=raycluster("watched"), timeout=30).raise_for_status()
    for thread in threads:
        thread.join(timeout=60)
    for response in responses:
        response.close()
    return {
        "watches": count,
        "delivered": len(seen),
        "fan_out_ms": round((max(seen) - began) * 1000, 1) if seen else None,
        "rss_before_kib": before,
        "rss_with_watches_kib": during,
        "rss_per_watch_kib": round((during - before) / count, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--objects", type=int, default=200)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--watches", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", default="gevent", choices=("gevent", "gthread"))
    options = parser.parse_args()

    with bridge_on_embedded(options.workers, options.worker_class) as (upstream, bridge, served):
        session = requests.Session()
        for index in range(options.objects):
            session.post(upstream + RAY, json=raycluster(f"bench-{index}"), timeout=30).raise_for_status()
        one = RAY + "/bench-0"
        results = {
            "objects": options.objects,
            "gunicorn_workers": options.workers,
            "worker_class": options.worker_class,
        }
        for name, base in (("direct", upstream), ("bridge", bridge)):
            timed(session, base + one, 20)  # warm connections
            results[f"get_{name}"] = percentiles(timed(session, base + one, options.requests))
            results[f"list_{name}"] = percentiles(timed(session, base + RAY, max(20, options.requests // 10)))
            results[f"get_rps_8_threads_{name}"] = throughput(base + one, 8, 5.0)
        results["idle_watches"] = idle_watches(bridge, options.watches, served.pid)
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
