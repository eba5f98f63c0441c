"""A client that sends its request body slowly gets a bounded time, not a worker's attention
for good.

gunicorn bounds the wait for request headers (its keep-alive timeout, 5 s) but not for the
body: the app reads it from the socket with no timeout, so a client that sends headers and
one body byte holds its connection, its greenlet or thread, and a descriptor until it gives
up, and a few thousand such clients take a worker down. :class:`BoundedBodies` gives every
request body ``body_timeout`` seconds in all (a minimum rate: 3 MiB in 30 s is 100 KiB/s).
When they run out, the read raises :class:`BodyTimeout`, a 408 the error handlers render in
the dialect of the path, and the connection is shut for reading so gunicorn closes it after
the answer instead of waiting for the rest of the body.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from werkzeug.exceptions import RequestTimeout

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]


class BodyTimeout(RequestTimeout):
    """The request body did not arrive in time. Not an ``OSError``: the HTTP clients that
    stream a body upstream pass it through instead of reporting a broken upstream."""

    def __init__(self, seconds: float):
        super().__init__(f"the request body did not arrive within {seconds:g} seconds")


class DeadlineInput:
    """``wsgi.input`` with every read bounded by what is left of one deadline: the client
    socket's timeout is set to that for the read and put back afterwards."""

    def __init__(self, stream: Any, sock: Any, seconds: float, clock: Callable[[], float] = time.monotonic):
        self.stream = stream
        self.sock = sock
        self.seconds = seconds
        self.clock = clock
        self.deadline = clock() + seconds

    def _bounded(self, read: Callable[..., Any], *args: Any) -> Any:
        left = self.deadline - self.clock()
        if left <= 0:
            self._expired()
        previous = self.sock.gettimeout()
        self.sock.settimeout(left)
        try:
            return read(*args)
        except TimeoutError:
            self._expired()
        finally:
            try:
                self.sock.settimeout(previous)
            except OSError:
                pass

    def _expired(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RD)  # gunicorn reads end-of-file next, and closes
        except OSError:
            pass
        raise BodyTimeout(self.seconds)

    def read(self, size: int | None = None) -> bytes:
        return self._bounded(self.stream.read, size)

    def readline(self, size: int | None = None) -> bytes:
        return self._bounded(self.stream.readline, size)

    def readlines(self, hint: int | None = None) -> list[bytes]:
        return self._bounded(self.stream.readlines, hint)

    def __iter__(self) -> Iterator[bytes]:
        while line := self.readline():
            yield line


class BoundedBodies:
    """WSGI middleware: each request body read from a gunicorn client socket gets ``seconds``
    in all. Requests without a body, and servers that do not expose the socket, pass as is."""

    def __init__(self, app: WSGIApp, seconds: float):
        self.app = app
        self.seconds = seconds

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        sock = environ.get("gunicorn.socket")
        if sock is not None and _has_body(environ):
            environ["wsgi.input"] = DeadlineInput(environ["wsgi.input"], sock, self.seconds)
        return self.app(environ, start_response)


def _has_body(environ: dict) -> bool:
    length = environ.get("CONTENT_LENGTH") or ""
    chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
    return chunked or (length.strip() not in ("", "0"))
