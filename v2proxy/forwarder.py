"""The last handler of every chain: one HTTP call to the upstream, streamed both ways.

Bytes pass through untouched: the request body is streamed up (chunked when its length is
unknown), the response body is streamed back chunk by chunk as it arrives — a watch event
reaches the client the moment Kubernetes writes it — and nothing is decompressed, so
``Content-Encoding`` and ``Content-Length`` stay true. Every call gets ``read_timeout`` to
its response headers (an upstream that never answers is a 504, for a watch too). A watch
(``watch=true``) or a followed log on the service proxy (``follow=true``) then has no read
timeout at all: an idle stream is the normal state of a watch and only the client or
Kubernetes may end it. Every other call keeps ``read_timeout`` between bytes. Retries follow
``v2proxy.retry`` and happen only before a response is handed back, so nothing already
streamed is ever replayed; a request marked ``retry=False`` (a v1 job-submission call to a Ray
dashboard) is sent once. A call may set its own ``ProxyRequest.read_timeout``.
"""

from __future__ import annotations

import errno
import logging
import socket
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Protocol

import urllib3
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import NewConnectionError, SSLError
from urllib3.exceptions import TimeoutError as UpstreamTimeout
from werkzeug.datastructures import Headers

from bridge.kube.headers import end_to_end
from v2proxy.messages import ProxyRequest, ProxyResponse, status_response
from v2proxy.retry import RETRYABLE_STATUSES, RetryPolicy, is_idempotent, next_delay

log = logging.getLogger("kuberay_bridge.forwarder")

_READ_CHUNK = 256 * 1024  # a LIST streams in few, large writes; a watch reads chunk by chunk
DEFAULT_RETRY = RetryPolicy()  # frozen: one instance serves every Forwarder that sets none


class UpstreamTransport(Protocol):
    url: str

    def urlopen(self, method: str, target: str, **options: object) -> urllib3.BaseHTTPResponse: ...

    def authorization(self) -> str | None: ...


class BodyTooLarge(Exception):
    """The caller's streamed body passed ``max_body_bytes``."""

    def __init__(self, limit: int):
        super().__init__(f"request body is larger than {limit} bytes")
        self.limit = limit


def limited(chunks: Iterable[bytes], limit: int) -> Iterator[bytes]:
    """``chunks`` unchanged, raising BodyTooLarge once more than ``limit`` bytes went by."""
    total = 0
    for chunk in chunks:
        total += len(chunk)
        if total > limit:
            raise BodyTooLarge(limit)
        if chunk:
            yield chunk


def _flag(values: list[str]) -> bool:
    """A boolean query parameter as apimachinery reads it: every value but "0" and "false"
    (any case) is true, ``?watch`` alone included, so the bridge and the API server agree
    on what is a watch."""
    return bool(values) and values[0] != "0" and values[0].lower() != "false"


def is_stream(request: ProxyRequest) -> bool:
    """A watch or a followed log: a response with no natural end, so no read timeout."""
    if _flag(request.query_values("watch")):
        return True
    if request.path.startswith("/apis/ray.io/v1/watch/"):
        return True
    return request.route.startswith("service-proxy") and _flag(request.query_values("follow"))


ResultObserver = Callable[[ProxyRequest, int, int], None]  # request, status, attempts


class Forwarder:
    """A Handler that sends a ProxyRequest to the upstream and streams the answer back."""

    def __init__(
        self,
        upstream: UpstreamTransport,
        *,
        send_credentials: bool = True,
        connect_timeout: float = 5.0,
        read_timeout: float = 60.0,
        retry: RetryPolicy = DEFAULT_RETRY,
        observer: ResultObserver | None = None,
        sleep: Callable[[float], None] = time.sleep,
        via: str | None = None,
    ):
        self.upstream = upstream
        self.send_credentials = send_credentials
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.retry = retry
        self.observer = observer
        self.sleep = sleep
        self.via = via  # this bridge's Via entry, appended to every request (bridge.core.hops)

    def __call__(self, request: ProxyRequest) -> ProxyResponse:
        body = self._body(request)
        content_type = request.headers.get("Content-Type")
        retryable = request.retry and is_idempotent(
            request.method, body if isinstance(body, bytes) else None, content_type
        )
        stream = is_stream(request)
        timeout = urllib3.Timeout(
            connect=self.connect_timeout, read=request.read_timeout or self.read_timeout
        )
        target = request.path
        if request.query:
            target += "?" + request.query_string
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            headers = self._headers(request, body)  # credentials refreshed for each attempt
            try:
                response = self.upstream.urlopen(
                    request.method,
                    target,
                    body=body,
                    headers=headers,
                    retries=False,
                    redirect=False,
                    timeout=timeout,
                    preload_content=False,
                    decode_content=False,
                    chunked=headers.get("Transfer-Encoding") == "chunked",
                )
            except BodyTooLarge as error:
                return self._done(request, status_response(413, "RequestEntityTooLarge", str(error)), attempt)
            except Urllib3Error as error:
                failure = _failure_status(error, self.upstream.url)
                delay = (
                    next_delay(self.retry, attempt - 1, None, time.monotonic() - started)
                    if retryable
                    else None
                )
                if delay is None:
                    return self._done(request, failure, attempt)
                log.info("upstream %s failed (%s); retry in %.2fs", request.path, error, delay)
                self._pause(delay)
                continue
            if retryable and response.status in RETRYABLE_STATUSES:
                delay = next_delay(
                    self.retry,
                    attempt - 1,
                    response.headers.get("Retry-After"),
                    time.monotonic() - started,
                )
                if delay is not None:
                    log.info(
                        "upstream %s answered %d; retry in %.2fs",
                        request.path,
                        response.status,
                        delay,
                    )
                    response.close()
                    response.release_conn()
                    self._pause(delay)
                    continue
            if stream:
                _no_read_timeout(response)
            return self._done(request, _streamed(response, flush_headers=stream), attempt)

    def _pause(self, delay: float) -> None:
        """Wait at least ``delay`` seconds (an event loop's timer may wake a little early,
        and a Retry-After is a promise to the upstream)."""
        until = time.monotonic() + delay
        while (left := until - time.monotonic()) > 0:
            self.sleep(left)

    def _done(self, request: ProxyRequest, response: ProxyResponse, attempts: int) -> ProxyResponse:
        request.upstream_status = response.status
        request.upstream_attempts += attempts
        if self.observer is not None:
            self.observer(request, response.status, attempts)
        return response

    def _body(self, request: ProxyRequest) -> bytes | Iterable[bytes] | None:
        """Bytes when the request may be replayed (GET/HEAD/PUT: small, and needed to decide
        whether a PUT is idempotent), else the stream as it is."""
        if isinstance(request.body, (bytes, bytearray)):
            return bytes(request.body) or None
        if request.method in ("GET", "HEAD", "PUT"):
            return request.read_body() or None
        return request.body

    def _headers(self, request: ProxyRequest, body: bytes | Iterable[bytes] | None) -> dict[str, str]:
        """What goes upstream: the caller's end-to-end headers (repeated ones joined), this
        bridge's Via entry, its credentials unless the caller brought some, and framing
        headers that describe ``body`` as it will be sent."""
        headers: dict[str, str] = {}
        for name, value in end_to_end(request.headers.items()):
            if name.lower() in ("host", "content-length"):
                continue
            headers[name] = value if name not in headers else f"{headers[name]}, {value}"
        if self.via:
            sent = next((name for name in headers if name.lower() == "via"), None)
            headers["Via"] = f"{headers.pop(sent)}, {self.via}" if sent else self.via
        if self.send_credentials and "Authorization" not in request.headers:
            authorization = self.upstream.authorization()
            if authorization:
                headers["Authorization"] = authorization
        if isinstance(body, bytes):
            headers["Content-Length"] = str(len(body))
        elif body is not None:
            length = request.headers.get("Content-Length")
            if length is not None:
                headers["Content-Length"] = length
            else:
                headers["Transfer-Encoding"] = "chunked"
        elif request.method in ("POST", "PUT", "PATCH"):
            headers["Content-Length"] = "0"
        return headers


def _streamed(response: urllib3.BaseHTTPResponse, flush_headers: bool) -> ProxyResponse:
    headers = Headers(end_to_end(response.headers.items()))
    body = UpstreamBody(response, flush_headers)
    return ProxyResponse(status=response.status, headers=headers, body=body, on_close=body.close)


class UpstreamBody:
    """The raw body as the upstream sends it: each HTTP chunk as soon as it arrives.

    A WSGI server sends the status line and headers with the first body bytes; for a watch
    those may be minutes away, while clients wait for the headers to know the watch is
    established, so a stream starts with an empty chunk (gunicorn then sends the headers).
    ``abort()`` may come from another greenlet or thread while a read is blocked (the client
    hung up on an idle watch): it shuts the upstream socket down so the read returns, and the
    iteration then ends quietly instead of reporting a broken upstream.
    """

    def __init__(self, response: urllib3.BaseHTTPResponse, flush_headers: bool):
        self.response = response
        self.flush_headers = flush_headers
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        raw = self.response
        if self.flush_headers:
            yield b""
        try:
            if raw.chunked and raw.supports_chunked_reads():
                for chunk in raw.read_chunked(decode_content=False):
                    if chunk:
                        yield chunk
            else:
                while chunk := raw.read1(_READ_CHUNK, decode_content=False):
                    yield chunk
        except (Urllib3Error, OSError, ValueError, AttributeError) as error:
            if self.closed:
                return
            # Headers are gone already; the only honest signal left is a cut connection. A
            # connection reset is what the WSGI server cuts quietly (no traceback): the one
            # log line above says what happened.
            log.warning("upstream stream broke: %s", error)
            raise ConnectionResetError(errno.ECONNRESET, f"upstream stream broke: {error}") from None

    def abort(self) -> None:
        """Make a blocked read return, from another greenlet or thread (the reader closes)."""
        self.closed = True
        sock = _socket_of(self.response)
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self) -> None:
        """Give the connection back: to the pool when the body was read to its end (urllib3
        released it already), closed when the caller left early (unread bytes would be
        read as the next response)."""
        self.closed = True
        self.response.close()
        self.response.release_conn()


def _no_read_timeout(response: urllib3.BaseHTTPResponse) -> None:
    """A stream's headers came within ``read_timeout``; its body may be idle for hours."""
    sock = _socket_of(response)
    if sock is not None:
        sock.settimeout(None)


def _socket_of(raw: object) -> socket.socket | None:
    """The socket under a urllib3 response: on the pooled connection, or, when the upstream
    said ``Connection: close``, handed over to http.client's response object."""
    sock = getattr(getattr(raw, "_connection", None), "sock", None)
    if sock is None:
        reader = getattr(getattr(raw, "_fp", None), "fp", None)
        sock = getattr(getattr(reader, "raw", None), "_sock", None)
    return sock


def _failure_status(error: Urllib3Error, url: str) -> ProxyResponse:
    cause = _root_cause(error)
    # NewConnectionError (refused, unresolvable) is a ConnectTimeoutError to urllib3.
    if isinstance(error, UpstreamTimeout) and not isinstance(error, NewConnectionError):
        return status_response(504, "Timeout", f"upstream timed out: {url}: {cause}")
    if isinstance(error, SSLError):
        return status_response(502, "InternalError", f"upstream TLS failure: {url}: {cause}")
    return status_response(502, "InternalError", f"upstream unreachable: {url}: {cause}")


def _root_cause(error: BaseException) -> str:
    seen = error
    while True:
        nested = (
            getattr(seen, "reason", None)
            or seen.__cause__
            or (seen.args[0] if seen.args and isinstance(seen.args[0], BaseException) else None)
        )
        if not isinstance(nested, BaseException) or nested is seen:
            break
        seen = nested
    text = str(seen)
    return text.split(": ", 1)[-1] if "object at 0x" in text else text
