"""One client must not hurt the others, through a real gunicorn with the shipped settings and
the timeouts lowered: a request body that never arrives is answered 408 in the dialect of
its path and its connection closed."""

from __future__ import annotations

import json
import socket

import pytest

from tests.support.fake_upstream import running_fake_upstream

RC = "/apis/ray.io/v1/namespaces/x/rayclusters"


@pytest.fixture(scope="module")
def fake():
    with running_fake_upstream() as upstream:
        yield upstream


@pytest.fixture(scope="module")
def bridge(start_bridge, fake):
    return start_bridge("--upstream", fake.url, "--workers", "1", "--body-timeout", "1")


def read_until_closed(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def send_headers_and_one_byte(port: int, path: str) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=20)
    sock.sendall(
        f"POST {path} HTTP/1.1\r\nHost: b\r\nContent-Type: application/json\r\n"
        "Content-Length: 100\r\n\r\n{".encode()
    )
    return sock


@pytest.mark.parametrize(
    ("path", "error"),
    [
        (RC, {"kind": "Status", "code": 408, "reason": "Timeout"}),
        ("/apis/v1/namespaces/x/clusters", {"code": 4}),
    ],
)
def test_a_body_that_never_arrives_is_408_in_the_dialect_and_the_connection_closes(bridge, fake, path, error):
    fake.reset()
    with send_headers_and_one_byte(bridge.port, path) as sock:
        head, _, body = read_until_closed(sock).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 "), head
    document = json.loads(body)
    assert error.items() <= document.items()
    assert "did not arrive within 1 seconds" in document["message"]
    assert fake.calls == []
