"""A Ray dashboard stand-in on 127.0.0.1, and the head Service (in the embedded API) that
points at it, as the operator makes one."""

from __future__ import annotations

import itertools
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

INDEX_PAGE = '<!doctype html><title>Ray Dashboard</title><script src="static/js/main.js"></script>'


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client closing its keep-alive connection is not news


class FakeDashboard:
    """A Ray dashboard stand-in on 127.0.0.1: its index page ``/``, ``/api/jobs/`` (GET lists,
    POST submits) and ``/api/jobs/<id>/logs/tail`` streaming two chunks, the second only once
    the test has received the first and called ``release`` (or 10 s later, so nothing hangs).
    ``received`` records every request; ``released_in_time`` says the stream really waited."""

    def __init__(self):
        self.received: list[tuple[str, str, bytes]] = []
        self.headers: list[dict[str, str]] = []  # each request's headers, in order
        self.release_event = threading.Event()
        self.released_in_time: bool | None = None
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
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self._record()
                if self.path == "/":
                    self._index()
                elif self.path.startswith("/api/jobs/") and self.path.endswith("/logs/tail"):
                    self._stream()
                elif self.path.startswith("/api/jobs/"):
                    self._json(200, [{"submission_id": "raysubmit_1", "status": "RUNNING"}])
                else:
                    self._json(404, {"error": "not found"})

            def do_POST(self):
                body = self._record()
                self._json(200, {"submission_id": "raysubmit_2", "echo": json.loads(body or b"null")})

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

    def release(self) -> None:
        self.release_event.set()

    def __enter__(self) -> FakeDashboard:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.release_event.set()
        self.server.shutdown()
        self.server.server_close()


_names = itertools.count(1)


def create_service(kube_url: str, namespace: str, dashboard_port: int, labelled: bool = True) -> str:
    """A head Service as the operator makes it, pointing at the fake dashboard (the embedded
    API proxies to ``spec.clusterIP`` + ``targetPort``)."""
    name = f"ray-head-svc-{next(_names)}"
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
