"""A scriptable fake upstream that records every request it receives, and scripts for it.

``FakeUpstream`` is a real HTTP server (werkzeug, threaded) on 127.0.0.1, so the bridge's
transport (pooling, chunked streaming, timeouts, connection errors) is exercised for real.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import requests
from werkzeug.datastructures import Headers
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


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


def failing(times: int, status: int = 503, headers: dict | None = None):
    """The first ``times`` calls answer ``status`` with a Status body; then 200."""

    def script(call, number):
        if number <= times:
            return json_answer(
                status,
                {"kind": "Status", "code": status, "message": f"attempt {number} failed"},
                headers,
            )
        return json_answer(200, {"kind": "RayCluster", "attempt": number})

    return script


def kuberay_services(call, number):
    """Answer the service guard's LIST with one KubeRay service; echo everything else."""
    if call.path.endswith("/services"):
        return json_answer(200, {"kind": "ServiceList", "items": [{"metadata": {"name": "head-svc"}}]})
    return json_answer(200, {"kind": "Echo", "path": call.path})


def forwarding_to(url: str) -> Script:
    """Forward every call to ``url`` (the embedded API) and answer what it answers, buffered:
    the fake then records the real traffic the bridge sends upstream. No watches."""

    def script(call: Call, number: int) -> Response:
        headers = {k: v for k, v in call.headers.items() if k.lower() not in ("host", "content-length")}
        answer = requests.request(
            call.method,
            url + call.raw_uri,
            headers=headers,
            data=call.body,
            timeout=60,
            allow_redirects=False,
        )
        kept = {k: v for k, v in answer.headers.items() if k.lower() in ("content-type", "warning")}
        return Response(answer.content, status=answer.status_code, headers=kept)

    return script
