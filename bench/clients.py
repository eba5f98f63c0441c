"""In-process clients for what wrk cannot do: a LIST read to its last byte while the proxy's
memory is sampled, and thousands of raw watch connections read through one selector."""

from __future__ import annotations

import http.client
import resource
import selectors
import socket
import threading
import time
from urllib.parse import urlsplit

from bench.load import rss_kib


def timed_list(url: str, path: str, proxy_pid: int | None) -> tuple[float, int, int]:
    """GET ``path`` read to its last byte: (seconds, bytes, peak RSS growth of the proxy's
    process tree in KiB while it was served, sampled every 5 ms)."""
    parts = urlsplit(url)
    baseline = rss_kib(proxy_pid) if proxy_pid else 0
    peak = baseline
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss_kib(proxy_pid))
            done.wait(0.005)

    sampler = threading.Thread(target=sample, daemon=True) if proxy_pid else None
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    try:
        if sampler:
            sampler.start()
        began = time.perf_counter()
        connection.request("GET", path)
        response = connection.getresponse()
        size = 0
        while chunk := response.read(256 * 1024):
            size += len(chunk)
        elapsed = time.perf_counter() - began
        if response.status != 200:
            raise RuntimeError(f"LIST answered {response.status}")
    finally:
        done.set()
        if sampler:
            sampler.join()
        connection.close()
    return elapsed, size, max(0, peak - baseline)


def raise_open_files_limit(wanted: int = 65536) -> int:
    """Soft limit up to the hard one, and the hard one up to ``wanted`` where allowed (root):
    ``kubectl proxy`` holds two descriptors per watch, so 10,000 watches need more than the
    20,000 some machines allow by default."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(hard, wanted), max(hard, wanted)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[1]


class Watchers:
    """``count`` raw ``GET path?watch=true`` connections; ``arrivals(needle)`` says when each
    first received ``needle`` (monotonic seconds)."""

    def __init__(self, url: str, path: str, count: int):
        parts = urlsplit(url)
        self.selector = selectors.DefaultSelector()
        self.received: dict[socket.socket, bytearray] = {}
        self.first_seen: dict[socket.socket, float] = {}
        self.ended: set[socket.socket] = set()
        self.needle = b""
        request = f"GET {path}?watch=true HTTP/1.1\r\nHost: {parts.netloc}\r\n\r\n".encode()
        try:
            for _ in range(count):
                sock = socket.create_connection((parts.hostname, parts.port), timeout=30)
                self.received[sock] = bytearray()
                sock.sendall(request)
                sock.setblocking(False)
                self.selector.register(sock, selectors.EVENT_READ)
        except BaseException:
            self.close()
            raise

    def read_until(self, condition, deadline_seconds: float) -> bool:
        deadline = time.monotonic() + deadline_seconds
        while not condition():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            for key, _ in self.selector.select(min(left, 0.2)):
                sock = key.fileobj
                try:
                    data = sock.recv(65536)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                if not data:
                    self.selector.unregister(sock)
                    self.ended.add(sock)
                    continue
                now = time.monotonic()
                buffer = self.received[sock]
                buffer += data
                if self.needle and sock not in self.first_seen and self.needle in buffer:
                    self.first_seen[sock] = now
        return True

    def count(self, needle: bytes) -> int:
        return sum(needle in data for data in self.received.values())

    def watch_for(self, needle: bytes) -> None:
        """Record from now on when each connection first holds ``needle``."""
        self.needle = needle
        self.first_seen.clear()
        for sock, data in self.received.items():
            if needle in data:
                self.first_seen[sock] = time.monotonic()

    def close(self) -> None:
        for sock in self.received:
            sock.close()
        self.selector.close()
