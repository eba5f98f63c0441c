"""The three things a benchmark talks to, each started on loopback and stopped on the way out:
nginx serving canned Kubernetes JSON (the "direct" baseline: no proxy at all), ``kubectl
proxy`` (Go's reverse proxy, the engine of KubeRay's Go v2 server) and ``kuberay-bridge serve``
with its shipped settings. Nothing here needs root: nginx runs from a temporary prefix on a
port the OS picks.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests
import yaml

RAY = "/apis/ray.io/v1/namespaces/{namespace}/rayclusters"
GET_PATH = RAY.format(namespace="default") + "/bench"
LIST_PATH = RAY.format(namespace="list")


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


def start(command: list[str], **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, **kwargs
    )


def stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def raycluster(name: str, namespace: str = "default") -> dict:
    """A RayCluster as Kubernetes stores it (about 2.3 KB of JSON with its status)."""
    container = {
        "image": "rayproject/ray:2.9.0",
        "resources": {"limits": {"cpu": "1", "memory": "2Gi"}, "requests": {"cpu": "500m", "memory": "1Gi"}},
        "ports": [{"containerPort": 6379, "name": "gcs"}, {"containerPort": 8265, "name": "dashboard"}],
    }
    return {
        "apiVersion": "ray.io/v1",
        "kind": "RayCluster",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "uid": "0b7c3f5e-1d2a-4c1e-9f3b-7a1e2d3c4b5a",
            "resourceVersion": "123456",
            "generation": 1,
            "creationTimestamp": "2026-01-01T00:00:00Z",
            "labels": {"app.kubernetes.io/managed-by": "kuberay-apiserver", "ray.io/user": "bench"},
            "annotations": {"ray.io/compute-template": "default-template"},
        },
        "spec": {
            "rayVersion": "2.9.0",
            "headGroupSpec": {
                "rayStartParams": {"dashboard-host": "0.0.0.0", "num-cpus": "0"},
                "serviceType": "ClusterIP",
                "template": {"spec": {"containers": [{"name": "ray-head", **container}]}},
            },
            "workerGroupSpecs": [
                {
                    "groupName": "small",
                    "replicas": 2,
                    "minReplicas": 0,
                    "maxReplicas": 5,
                    "rayStartParams": {"node-ip-address": "$MY_POD_IP"},
                    "template": {"spec": {"containers": [{"name": "ray-worker", **container}]}},
                }
            ],
        },
        "status": {
            "state": "ready",
            "availableWorkerReplicas": 2,
            "desiredWorkerReplicas": 2,
            "readyWorkerReplicas": 2,
            "endpoints": {"client": "10001", "dashboard": "8265", "gcs": "6379", "metrics": "8080"},
            "head": {"podIP": "10.0.0.12", "serviceIP": "10.96.0.34", "podName": f"{name}-head-x7k2p"},
            "lastUpdateTime": "2026-01-01T00:05:00Z",
            "observedGeneration": 1,
            "conditions": [
                {
                    "type": "HeadPodReady",
                    "status": "True",
                    "reason": "HeadPodRunningAndReady",
                    "lastTransitionTime": "2026-01-01T00:03:00Z",
                },
                {
                    "type": "RayClusterProvisioned",
                    "status": "True",
                    "reason": "AllPodRunningAndReadyFirstTime",
                    "lastTransitionTime": "2026-01-01T00:04:00Z",
                },
            ],
        },
    }


def _canned_files(root: Path, list_size: int) -> None:
    get = root / GET_PATH.lstrip("/")
    get.parent.mkdir(parents=True)
    get.write_bytes(json.dumps(raycluster("bench")).encode())
    listing = root / LIST_PATH.lstrip("/")
    listing.parent.mkdir(parents=True)
    items = [raycluster(f"c{index:05d}", "list") for index in range(list_size)]
    body = {"apiVersion": "ray.io/v1", "kind": "RayClusterList", "metadata": {"resourceVersion": "9"}}
    listing.write_bytes(json.dumps({**body, "items": items}).encode())
    (root / "version").write_bytes(
        json.dumps({"major": "1", "minor": "32", "gitVersion": "v1.32.0"}).encode()
    )


NGINX_CONF = """\
worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    default_type application/json;
    keepalive_requests 1000000;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {prefix}/www;
        location / {{ try_files $uri =404; }}
    }}
}}
"""


@contextmanager
def serving(
    command: list[str], port: int, ready_path: str, **kwargs
) -> Iterator[tuple[str, subprocess.Popen]]:
    """``command`` started, its URL on ``port`` answering ``ready_path``; stopped on the way out."""
    process = start(command, **kwargs)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_ready(url + ready_path)
        yield url, process
    finally:
        stop(process)


@contextmanager
def canned_nginx(list_size: int) -> Iterator[str]:
    """nginx (Debian's ``nginx-light``) serving one RayCluster at GET_PATH, a list of
    ``list_size`` at LIST_PATH and ``/version``; yields its base URL."""
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(binary):
        raise SystemExit("nginx not found: apt-get install -y nginx-light (see bench/README.md)")
    prefix = Path(tempfile.mkdtemp(prefix="bench-nginx-"))
    prefix.chmod(0o755)  # nginx workers drop root to nobody when started as root
    port = free_port()
    try:
        _canned_files(prefix / "www", list_size)
        conf = prefix / "nginx.conf"
        conf.write_text(NGINX_CONF.format(prefix=prefix, port=port))
        command = [binary, "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")]
        with serving(command, port, "/version") as (url, _):
            yield url
    finally:
        shutil.rmtree(prefix, ignore_errors=True)


@contextmanager
def kubectl_proxy(upstream: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """``kubectl proxy`` in front of ``upstream`` (a kubeconfig naming it, no credentials);
    yields its URL and process."""
    with tempfile.TemporaryDirectory(prefix="bench-kubectl-") as home:
        kubeconfig = Path(home) / "config"
        kubeconfig.write_text(
            yaml.safe_dump(
                {
                    "apiVersion": "v1",
                    "kind": "Config",
                    "clusters": [{"name": "c", "cluster": {"server": upstream}}],
                    "users": [{"name": "u", "user": {}}],
                    "contexts": [{"name": "ctx", "context": {"cluster": "c", "user": "u"}}],
                    "current-context": "ctx",
                }
            )
        )
        port = free_port()
        command = ["kubectl", "proxy", f"--port={port}", "--address=127.0.0.1", f"--kubeconfig={kubeconfig}"]
        with serving(command, port, "/version", env={**os.environ, "HOME": home}) as served:
            yield served


@contextmanager
def bridge(upstream: str, *args: str, source: str | None = None) -> Iterator[tuple[str, subprocess.Popen]]:
    """``kuberay-bridge serve`` with its shipped settings in front of ``upstream``; yields its
    URL and process (the gunicorn master; its workers are its children). ``source`` is another
    checkout to run the bridge from (e.g. ``git worktree add /tmp/before main``), for a
    before/after comparison in one run."""
    port = free_port()
    command = [sys.executable, "-m", "bridge", "serve", "--port", str(port), "--upstream", upstream, *args]
    with serving(command, port, "/readyz", cwd=source) as served:
        yield served


@contextmanager
def embedded_api(*args: str) -> Iterator[str]:
    """The embedded Kubernetes API on its own; yields its URL."""
    port = free_port()
    command = [sys.executable, "-m", "bridge", "embedded-apiserver", "--port", str(port), *args]
    with serving(command, port, "/version") as (url, _):
        yield url


@contextmanager
def watch_upstream() -> Iterator[str]:
    """``bench/watch_upstream.py``: watches held by one asyncio thread; yields its URL."""
    port = free_port()
    with serving([sys.executable, "-m", "bench.watch_upstream", "--port", str(port)], port, "/version") as (
        url,
        _,
    ):
        yield url
