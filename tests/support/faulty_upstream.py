"""An upstream that fails the way networks and API servers fail, and records what reached it.

``FaultyUpstream`` is a raw socket server on 127.0.0.1 (werkzeug would not let a test reset a
connection or hang half-way through a body). Each call takes the next fault of its script
(``upstream.script = [RESET_MID_BODY, OK]``; an exhausted script answers ``OK``):

- ``OK``: 200 with a JSON body (``ok_body``);
- ``HANG_BEFORE_HEADERS``: reads the request, then answers nothing until the test ends;
- ``HANG_MID_BODY``: headers and half the body, then nothing;
- ``RESET``: closes the connection with a TCP reset before any answer;
- ``RESET_MID_BODY``: headers and half the body, then a TCP reset;
- ``GARBAGE``: bytes that are not HTTP;
- ``TOO_MANY`` (429 with ``Retry-After: 0``), ``ERROR`` (500) and ``NOT_FOUND`` (404, e.g. the
  look-up before a create), each with a ``Status`` body.

``refused_url()`` is a URL where nothing listens (connection refused).
"""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

OK = "ok"
HANG_BEFORE_HEADERS = "hang-before-headers"
HANG_MID_BODY = "hang-mid-body"
RESET = "reset"
RESET_MID_BODY = "reset-mid-body"
GARBAGE = "garbage"
TOO_MANY = "429"
ERROR = "500"
NOT_FOUND = "404"


@dataclass
class Received:
    method: str
    target: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    complete: bool  # the body arrived whole, as framed


@dataclass
class FaultyUpstream:
    url: str = ""
    script: list[str] = field(default_factory=list)
    ok_body: dict = field(default_factory=lambda: {"kind": "Echo", "items": []})
    calls: list[Received] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _release: threading.Event = field(default_factory=threading.Event)

    def reset(self, *script: str, ok_body: dict | None = None) -> None:
        with self._lock:
            self.calls.clear()
            self.script = list(script)
            self.ok_body = ok_body if ok_body is not None else {"kind": "Echo", "items": []}

    def calls_to(self, method: str) -> list[Received]:
        return [call for call in self.calls if call.method == method]

    def serve(self, connection: socket.socket) -> None:
        reader = connection.makefile("rb")
        try:
            while True:
                received = _read_request(reader)
                if received is None:
                    return
                with self._lock:
                    self.calls.append(received)
                    fault = self.script.pop(0) if self.script else OK
                    payload = json.dumps(self.ok_body).encode()
                if not self._answer(connection, fault, payload):
                    return
        except OSError:
            return
        finally:
            reader.close()
            connection.close()

    def _answer(self, connection: socket.socket, fault: str, payload: bytes) -> bool:
        """Answer one request; False when the connection is done for."""
        head = (
            f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
        ).encode()
        if fault == OK:
            connection.sendall(head + payload)
            return True
        if fault in (TOO_MANY, ERROR, NOT_FOUND):
            code, extra = (429, "Retry-After: 0\r\n") if fault == TOO_MANY else (int(fault), "")
            status = json.dumps(
                {"kind": "Status", "status": "Failure", "code": code, "message": fault}
            ).encode()
            connection.sendall(
                f"HTTP/1.1 {code} Fault\r\nContent-Type: application/json\r\n{extra}"
                f"Content-Length: {len(status)}\r\n\r\n".encode()
                + status
            )
            return True
        if fault == GARBAGE:
            connection.sendall(b"\x16\x03garbage that is not HTTP\r\n\r\n")
            return False
        if fault in (HANG_MID_BODY, RESET_MID_BODY):
            connection.sendall(head + payload[: len(payload) // 2])
        if fault in (HANG_BEFORE_HEADERS, HANG_MID_BODY):
            self._release.wait(30)
            return False
        # RESET, RESET_MID_BODY: SO_LINGER 0 makes close() send a TCP reset.
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        return False


def _read_request(reader) -> Received | None:
    line = reader.readline(65536)
    if not line.strip():
        return None
    method, target, _ = line.decode("latin-1").split(" ", 2)
    headers: dict[str, str] = {}
    while (header := reader.readline(65536)) not in (b"\r\n", b"\n", b""):
        name, _, value = header.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    body, complete = b"", True
    if "chunked" in headers.get("transfer-encoding", "").lower():
        parts = []
        while True:
            size_line = reader.readline(1024)
            try:
                size = int(size_line.split(b";")[0].strip() or b"x", 16)
            except ValueError:
                complete = False
                break
            chunk = reader.read(size + 2)
            if size == 0:
                break
            if len(chunk) < size + 2:
                parts.append(chunk)
                complete = False
                break
            parts.append(chunk[:size])
        body = b"".join(parts)
    elif headers.get("content-length"):
        length = int(headers["content-length"])
        body = reader.read(length)
        complete = len(body) == length
    return Received(method, target, headers, body, complete)


@contextlib.contextmanager
def running_faulty_upstream() -> Iterator[FaultyUpstream]:
    upstream = FaultyUpstream()
    listener = socket.create_server(("127.0.0.1", 0))
    upstream.url = f"http://127.0.0.1:{listener.getsockname()[1]}"

    def accept() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=upstream.serve, args=(connection,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield upstream
    finally:
        upstream._release.set()
        listener.close()


def refused_url() -> str:
    """A loopback URL where nothing listens: connecting is refused at once."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"
