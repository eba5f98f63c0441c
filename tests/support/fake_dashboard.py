"""A Ray dashboard stand-in on 127.0.0.1, and the head Service (in the embedded API) that
points at it, as the operator makes one."""

from __future__ import annotations

import itertools
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from tests.support.factories import raycluster

INDEX_PAGE = '<!doctype html><title>Ray Dashboard</title><script src="static/js/main.js"></script>'


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client closing its keep-alive connection is not news


TERMINAL = ("STOPPED", "SUCCEEDED", "FAILED")
MODES = ("ok", "slow", "404", "500")


class FakeDashboard:
    """A Ray dashboard stand-in on 127.0.0.1: its index page ``/``, the Job API (``POST
    /api/jobs/`` submits, ``GET /api/jobs/`` lists, ``GET /api/jobs/<id>`` details, ``GET
    /api/jobs/<id>/logs``, ``POST /api/jobs/<id>/stop``, ``DELETE /api/jobs/<id>``, answered
    the way Ray answers them) and ``/api/jobs/<id>/logs/tail`` streaming two chunks, the second
    only once the test has received the first and called ``release`` (or 10 s later, so
    nothing hangs). It starts with one job, ``raysubmit_1`` (RUNNING).

    ``received`` records every request; ``released_in_time`` says the stream really waited.
    ``mode`` changes every Job API answer: ``slow`` waits until ``unblock()`` (or 30 s),
    ``404``/``500`` answer that status in plain text as aiohttp does. ``down()`` stops
    listening, so connections are refused."""

    def __init__(self):
        self.received: list[tuple[str, str, bytes]] = []
        self.headers: list[dict[str, str]] = []  # each request's headers, in order
        self.release_event = threading.Event()
        self.released_in_time: bool | None = None
        self.mode = "ok"
        self.unblock_event = threading.Event()
        self.jobs: dict[str, dict] = {"raysubmit_1": {"submission_id": "raysubmit_1", "status": "RUNNING"}}
        self.logs: dict[str, str] = {}
        self._ids = itertools.count(2)
        dashboard = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep pytest output clean
                pass

            def _record(self) -> bytes:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                dashboard.received.append((self.command, self.path, body))
                dashboard.headers.append(dict(self.headers.items()))
                return body

            def _json(self, status: int, payload: object) -> None:
                self._send(status, "application/json", json.dumps(payload).encode())

            def _text(self, status: int, text: str) -> None:
                self._send(status, "text/plain; charset=utf-8", text.encode())

            def _send(self, status: int, content_type: str, data: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _job_api(self, body: bytes) -> None:
                """Answer a Job API call as the mode says."""
                if dashboard.mode == "slow":
                    dashboard.unblock_event.wait(30)
                elif dashboard.mode == "404":
                    return self._text(404, "404: Not Found")
                elif dashboard.mode == "500":
                    return self._text(500, "Internal Server Error: the dashboard broke")
                parts = self.path.split("?", 1)[0][len("/api/jobs/") :].split("/")
                job_id = parts[0]
                action = "/".join(parts[1:])
                if self.command == "POST" and not job_id:
                    return self._submit(body)
                if self.command == "GET" and not job_id:
                    return self._json(200, list(dashboard.jobs.values()))
                job = dashboard.jobs.get(job_id)
                if job is None:
                    return self._text(404, f"Job {job_id} does not exist")
                if self.command == "GET" and not action:
                    return self._json(200, job)
                if self.command == "GET" and action == "logs":
                    return self._json(200, {"logs": dashboard.logs.get(job_id, "")})
                if self.command == "POST" and action == "stop":
                    stopped = job["status"] not in TERMINAL
                    if stopped:
                        job["status"] = "STOPPED"
                    return self._json(200, {"stopped": stopped})
                if self.command == "DELETE" and not action:
                    if job["status"] not in TERMINAL:
                        return self._text(400, f"Job {job_id} is not in a terminal state")
                    del dashboard.jobs[job_id]
                    return self._json(200, {"deleted": True})
                return self._text(404, "404: Not Found")

            def _submit(self, body: bytes) -> None:
                request = json.loads(body or b"{}")
                job_id = request.get("submission_id") or f"raysubmit_{next(dashboard._ids)}"
                if job_id in dashboard.jobs:
                    return self._text(
                        500,
                        f"Job with submission_id {job_id} already exists. "
                        "Please use a different submission_id.",
                    )
                dashboard.jobs[job_id] = {
                    "type": "SUBMISSION",
                    "job_id": None,
                    "submission_id": job_id,
                    "driver_info": None,
                    "status": "PENDING",
                    "entrypoint": request.get("entrypoint"),
                    "message": "Job has not started yet.",
                    "error_type": None,
                    "start_time": 1699442662879,
                    "end_time": None,
                    "metadata": request.get("metadata") or {},
                    "runtime_env": request.get("runtime_env") or {},
                }
                dashboard.logs[job_id] = f"running {request.get('entrypoint')}\n"
                self._json(200, {"job_id": job_id, "submission_id": job_id, "echo": request})

            def do_GET(self):
                body = self._record()
                if self.path == "/":
                    self._index()
                elif self.path.startswith("/api/jobs/") and self.path.endswith("/logs/tail"):
                    self._stream()
                elif self.path.startswith("/api/jobs/"):
                    self._job_api(body)
                else:
                    self._json(404, {"error": "not found"})

            def do_POST(self):
                body = self._record()
                if self.path.startswith("/api/jobs/"):
                    self._job_api(body)
                else:
                    self._json(404, {"error": "not found"})

            def do_DELETE(self):
                body = self._record()
                if self.path.startswith("/api/jobs/"):
                    self._job_api(body)
                else:
                    self._json(404, {"error": "not found"})

            def _index(self):
                page = INDEX_PAGE.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def _stream(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                self._chunk(b"first line\n")
                dashboard.released_in_time = dashboard.release_event.wait(10)
                self._chunk(b"second line\n")
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()

            def _chunk(self, data: bytes):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                self.wfile.flush()

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._listening = False

    def release(self) -> None:
        self.release_event.set()

    def unblock(self) -> None:
        """Let every ``slow`` answer go."""
        self.unblock_event.set()

    def finish(self, job_id: str, status: str = "SUCCEEDED") -> None:
        """The job ends (as a driver exiting would end it)."""
        self.jobs[job_id]["status"] = status
        self.jobs[job_id]["end_time"] = 1699442682405

    def calls(self, method: str, path_prefix: str = "/api/jobs/") -> list[tuple[str, str, bytes]]:
        """The requests received with this method under ``path_prefix``."""
        return [r for r in self.received if r[0] == method and r[1].startswith(path_prefix)]

    def __enter__(self) -> FakeDashboard:
        self.thread.start()
        self._listening = True
        return self

    def down(self) -> None:
        """Stop listening: from now on connections to ``port`` are refused."""
        self.release_event.set()
        self.unblock_event.set()
        if self._listening:
            self._listening = False
            self.server.shutdown()
            self.server.server_close()

    def __exit__(self, *exc) -> None:
        self.down()


_names = itertools.count(1)


def create_service(
    kube_url: str, namespace: str, dashboard_port: int, labelled: bool = True, name: str | None = None
) -> str:
    """A head Service as the operator makes it, pointing at the fake dashboard (the embedded
    API proxies to ``spec.clusterIP`` + ``targetPort``); ``name`` defaults to a fresh one."""
    name = name or f"ray-head-svc-{next(_names)}"
    labels = {"app.kubernetes.io/name": "kuberay", "app.kubernetes.io/created-by": "kuberay-operator"}
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": labels if labelled else {"app": "other"},
        },
        "spec": {
            "clusterIP": "127.0.0.1",
            "ports": [
                {"name": "dashboard", "port": 8265, "targetPort": dashboard_port},
                {"name": "client", "port": 10001, "targetPort": 10001},
            ],
        },
    }
    answer = requests.post(f"{kube_url}/api/v1/namespaces/{namespace}/services", json=service, timeout=10)
    assert answer.status_code == 201, answer.text
    return name


MANAGED_BY = {"app.kubernetes.io/managed-by": "kuberay-apiserver"}


def cluster_with_dashboard(
    kube_url: str, namespace: str, cluster: str, dashboard_port: int, state: str = "ready"
) -> str:
    """A RayCluster the v1 API manages, in ``state``, and its head Service
    ``<cluster>-head-svc`` (port 8265) pointing at a fake dashboard, as the operator would
    leave them once the cluster is up."""
    path = f"{kube_url}/apis/ray.io/v1/namespaces/{namespace}/rayclusters"
    answer = requests.post(path, json=raycluster(cluster, labels=MANAGED_BY), timeout=10)
    assert answer.status_code == 201, answer.text
    if state:
        answer = requests.patch(
            f"{path}/{cluster}/status",
            json={"status": {"state": state}},
            headers={"Content-Type": "application/merge-patch+json"},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
    return create_service(kube_url, namespace, dashboard_port, name=f"{cluster}-head-svc")


SUBMISSIONS = "/apis/v1/namespaces/{ns}/jobsubmissions/{cluster}"
JOBS_CLUSTER = "raycluster-jobs"  # the cluster of the ``ready_cluster`` fixture


def submit_job(bridge, path: str, body: dict | None = None) -> str:
    """Submit through v1 (a Flask test client) at ``path``; the submission id answered."""
    answer = bridge.post(path, json=body or {"entrypoint": "python job.py"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()["submissionId"]
