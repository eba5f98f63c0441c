"""The bridge's gunicorn response: the head leaves with the first body bytes."""

from gunicorn.config import Config
from gunicorn.http import RequestParser

from bridge.gunicorn_response import CoalescingResponse


class RecordingSocket:
    def __init__(self):
        self.writes: list[bytes] = []

    def sendall(self, data: bytes) -> None:
        self.writes.append(bytes(data))


def response(method: str = "GET") -> tuple[CoalescingResponse, RecordingSocket]:
    cfg = Config()
    raw = f"{method} /apis/ray.io/v1 HTTP/1.1\r\nHost: bridge\r\n\r\n".encode()
    request = next(RequestParser(cfg, iter([raw]), ("127.0.0.1", 1234)))
    sock = RecordingSocket()
    return CoalescingResponse(request, sock, cfg), sock


def test_the_head_and_a_small_body_leave_in_one_write():
    answer, sock = response()
    answer.start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", "2")])
    answer.write(b"{}")
    answer.close()
    assert len(sock.writes) == 1
    head, body = sock.writes[0].split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 200 OK\r\n") and b"Content-Length: 2" in head
    assert body == b"{}"


def test_a_chunked_body_is_framed_after_the_head():
    answer, sock = response()
    answer.start_response("200 OK", [("Content-Type", "application/json")])
    answer.write(b"{}")
    answer.write(b"[]")
    answer.close()
    assert sock.writes[0].endswith(b"\r\n\r\n2\r\n{}\r\n")
    assert b"Transfer-Encoding: chunked" in sock.writes[0]
    assert b"".join(sock.writes[1:]) == b"2\r\n[]\r\n0\r\n\r\n"


def test_an_empty_first_write_sends_the_head_at_once():
    """A watch's first write is empty: its client learns it is established before any event."""
    answer, sock = response()
    answer.start_response("200 OK", [("Content-Type", "application/json")])
    answer.write(b"")
    assert len(sock.writes) == 1 and sock.writes[0].endswith(b"\r\n\r\n")


def test_a_head_request_gets_its_head_without_the_body():
    answer, sock = response("HEAD")
    answer.start_response("200 OK", [("Content-Length", "2")])
    answer.write(b"{}")
    answer.close()
    assert len(sock.writes) == 1
    assert sock.writes[0].startswith(b"HTTP/1.1 200 OK") and sock.writes[0].endswith(b"\r\n\r\n")
