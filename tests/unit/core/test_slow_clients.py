"""bridge.core.slow_clients without a server: a body read bounded by one deadline."""

from __future__ import annotations

import socket

import pytest

from bridge.core.slow_clients import BodyTimeout, BoundedBodies, DeadlineInput


def test_reads_within_the_deadline_pass_and_leave_the_socket_timeout_as_it_was():
    server, client = socket.socketpair()
    with server, client:
        client.sendall(b"abc\ndef")
        body = DeadlineInput(server.makefile("rb", buffering=0), server, seconds=10)
        assert body.readline() == b"abc\n"
        assert body.read(3) == b"def"
        assert server.gettimeout() is None


def test_a_body_that_stops_arriving_is_a_408_and_the_socket_is_shut_for_reading():
    server, client = socket.socketpair()
    with server, client:
        client.sendall(b"{")
        body = DeadlineInput(server.makefile("rb", buffering=0), server, seconds=0.2)
        assert body.read(1) == b"{"
        with pytest.raises(BodyTimeout) as raised:
            body.read(99)
        assert raised.value.code == 408
        assert "within 0.2 seconds" in raised.value.description
        assert server.recv(10) == b""  # the server's next read sees end-of-file


def test_only_requests_with_a_body_on_a_gunicorn_socket_are_bounded():
    seen = []
    app = BoundedBodies(lambda environ, start_response: seen.append(environ["wsgi.input"]) or [], 5)
    plain = object()
    app({"wsgi.input": plain, "CONTENT_LENGTH": "10"}, None)
    app({"wsgi.input": plain, "gunicorn.socket": object(), "CONTENT_LENGTH": "0"}, None)
    app({"wsgi.input": plain, "gunicorn.socket": object(), "HTTP_TRANSFER_ENCODING": "chunked"}, None)
    assert seen[:2] == [plain, plain]
    assert isinstance(seen[2], DeadlineInput)
