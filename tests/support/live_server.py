"""The bridge app built for a test, and served over real HTTP by werkzeug in a thread (raw
paths, streaming) when the Flask test client is not enough."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from werkzeug.serving import make_server

from bridge.core.config import BridgeConfig


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


@contextlib.contextmanager
def serving(app) -> Iterator[LiveServer]:
    """``app`` on a free loopback port for the duration of the block."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        port = server.server_port
        yield LiveServer(f"http://127.0.0.1:{port}", "127.0.0.1", port)
    finally:
        server.shutdown()
        server.server_close()
