"""gunicorn's HTTP/1 response, with the head sent in the same write as the first body bytes.

gunicorn writes the status line and headers with one ``sendall`` and each body chunk with
another; its listening socket has ``TCP_NODELAY``, so a small proxied answer leaves as two
packets and costs two system calls, and on loopback the send is where the kernel does the
receiver's work too (a third of a proxied GET's samples were in ``send``). Joining them halves
that. An empty first write still sends the head at once: that is how a watch tells its client
it is established long before the first event.
"""

from __future__ import annotations

from gunicorn import util
from gunicorn.http import wsgi


class CoalescingResponse(wsgi.Response):
    _joining = False  # inside a write() that carries body bytes
    _head: bytes | None = None  # the head, held back for those bytes

    def write(self, arg: bytes) -> None:
        self._joining = bool(arg) and not self.headers_sent
        try:
            super().write(arg)
        finally:
            self._joining = False
            if self._head is not None:  # write() returned before the body (HEAD, 204, 304)
                head, self._head = self._head, None
                util.write(self.sock, head)

    def send_headers(self) -> None:
        if not self._joining or self.headers_sent:
            super().send_headers()
            return
        lines = self.default_headers()
        lines.extend(f"{name}: {value}\r\n" for name, value in self.headers)
        self._head = ("".join(lines) + "\r\n").encode("latin-1")
        self.headers_sent = True

    def _emit_body(self, data: bytes) -> None:
        if self._head is None:
            super()._emit_body(data)
            return
        head, self._head = self._head, None
        if self.chunked:
            data = b"%X\r\n%s\r\n" % (len(data), data)
        self.sock.sendall(head + data)


def install() -> None:
    """Make gunicorn's HTTP/1 workers answer with CoalescingResponse: ``wsgi.create`` looks
    ``Response`` up on its module for every request (HTTP/2 passes its own class)."""
    wsgi.Response = CoalescingResponse
