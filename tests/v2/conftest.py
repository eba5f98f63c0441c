"""Fixtures for the v2 proxy tests: a scriptable fake upstream that records every request it
receives, and a way to build the bridge app in front of it (or in front of the embedded API).

``FakeUpstream`` is a real HTTP server (werkzeug, threaded) on 127.0.0.1, so the bridge's
transport (pooling, chunked streaming, timeouts, connection errors) is exercised for real.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from werkzeug.datastructures import Headers
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from bridge.core.config import BridgeConfig

RAYCLUSTERS = "/apis/ray.io/v1/namespaces/{ns}/rayclusters"
_names = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}-{next(_names)}-{int(time.time() * 1000) % 100000}"


def raycluster(name: str, labels: dict[str, str] | None = None) -> dict:
    """The smallest RayCluster the CRD schema accepts."""
    return {
        "apiVersion": "ray.io/v1",
        "kind": "RayCluster",
        "metadata": {"name": name, "labels": dict(labels or {})},
        "spec": {
            "headGroupSpec": {
                "rayStartParams": {},
                "template": {
                    "spec": {"containers": [{"name": "ray-head", "image": "rayproject/ray:2.9.0"}]}
                },
            }
        },
    }


@dataclass
class Call:
    method: str
    raw_uri: str  # path and query exactly as received
    headers: Headers
    body: bytes
    at: float  # time.monotonic() when the request arrived

    @property
    def path(self) -> str:
        return self.raw_uri.split("?", 1)[0]

    @property
    def query(self) -> str:
        return self.raw_uri.split("?", 1)[1] if "?" in self.raw_uri else ""


Script = Callable[[Call, int], Response]  # (the call, its 1-based number) -> the answer


def json_answer(status: int = 200, payload: object = None, headers: dict | None = None) -> Response:
    body = json.dumps(payload if payload is not None else {"kind": "Thing"})
    return Response(body, status=status, headers=headers or {}, content_type="application/json")


@dataclass
class FakeUpstream:
    """Answers with ``script`` (default: 200 JSON naming the path) and records every call."""

    url: str = ""
    calls: list[Call] = field(default_factory=list)
    script: Script | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self, script: Script | None = None) -> None:
        with self._lock:
            self.calls.clear()
            self.script = script

    def paths(self) -> list[str]:
        return [call.path for call in self.calls]

    def wsgi(self, environ, start_response):
        request = Request(environ)
        call = Call(
            method=request.method,
            raw_uri=environ.get("RAW_URI") or environ.get("REQUEST_URI") or request.full_path,
            headers=Headers(request.headers),
            body=request.get_data(),
            at=time.monotonic(),
        )
        with self._lock:
            self.calls.append(call)
            number = len(self.calls)
            script = self.script
        if script is None:
            response = json_answer(200, {"kind": "Echo", "path": call.path})
        else:
            response = script(call, number)
        return response(environ, start_response)


@contextlib.contextmanager
def running_fake_upstream() -> Iterator[FakeUpstream]:
    upstream = FakeUpstream()
    server = make_server("127.0.0.1", 0, upstream.wsgi, threaded=True)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    upstream.url = f"http://127.0.0.1:{server.server_port}"
    try:
        yield upstream
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def fake_upstream() -> Iterator[FakeUpstream]:
    with running_fake_upstream() as upstream:
        yield upstream


@pytest.fixture
def upstream(fake_upstream: FakeUpstream) -> FakeUpstream:
    """The module's fake upstream, emptied and back to its default answer."""
    fake_upstream.reset()
    return fake_upstream


def make_app(upstream_url: str, middlewares=(), **settings):
    from bridge.app import create_app

    config = BridgeConfig(upstream=upstream_url, **settings)
    return create_app(config, middlewares=middlewares)


@dataclass
class LiveServer:
    """The bridge app served over real HTTP by werkzeug in a thread (raw paths, streaming)."""

    url: str
    host: str
    port: int

    def raw(self, request_line_target: str, method: str = "GET", headers: str = "") -> tuple[int, bytes]:
        """Send a request line exactly as given; the status code and body."""
        with socket.create_connection((self.host, self.port), timeout=10) as sock:
            sock.sendall(
                f"{method} {request_line_target} HTTP/1.1\r\nHost: bridge\r\n{headers}"
                "Connection: close\r\n\r\n".encode("latin-1")
            )
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        return int(head.split(b" ", 2)[1]), body


@pytest.fixture
def serve_app() -> Iterator[Callable[[object], LiveServer]]:
    servers = []

    def serve(app) -> LiveServer:
        server = make_server("127.0.0.1", 0, app, threaded=True)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        port = server.server_port
        return LiveServer(f"http://127.0.0.1:{port}", "127.0.0.1", port)

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()
