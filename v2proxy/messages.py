"""What travels through the proxy pipeline: a request on its way upstream, and the answer.

Both dialects speak these types: the v2 routes build a ProxyRequest from the incoming HTTP
request, v1compat builds one from a legacy call, and the same middleware chain and forwarder
handle both. A middleware is the Python form of the Go SDK's ``func(http.Handler)
http.Handler``: it sees the request, may change it or answer itself, calls ``call_next`` to
go on, and may change the response on the way back.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from werkzeug.datastructures import Headers

from bridge.core.logs import REQUEST_ID_HEADER
from bridge.kube.status import failure

log = logging.getLogger("kuberay_bridge.forwarder")

# What reading an upstream body raises when the upstream resets, stalls or garbles it mid-body:
# the forwarder's body turns every transport error into a ConnectionResetError.
BODY_READ_ERRORS = (OSError, ValueError)

# What a side request keeps of the caller's headers: who is asking, and which call it serves.
SIDE_REQUEST_HEADERS = ("Authorization", REQUEST_ID_HEADER)


@dataclass
class ProxyRequest:
    method: str
    path: str  # the path sent upstream, percent-encoded, already checked against the allowlist
    query: list[tuple[str, str]] = field(default_factory=list)
    headers: Headers = field(default_factory=Headers)
    body: bytes | Iterable[bytes] = b""
    dialect: str = "v2"  # "v1" when v1compat built the request
    route: str = ""  # name of the route-table entry that matched
    params: dict[str, str] = field(default_factory=dict)  # path parameters of that route
    # The caller's query string as received; sent verbatim while ``query`` still equals
    # its parse, so encodings the bridge has no reason to touch reach Kubernetes unchanged.
    raw_query: str | None = None
    # A caller with its own deadline (a v1 job-submission call to a Ray dashboard): the read
    # timeout of this request instead of the forwarder's, and whether it may be retried.
    read_timeout: float | None = None
    retry: bool = True
    # What the forwarder met upstream: the last status and the calls it took (retries count).
    upstream_status: int | None = None
    upstream_attempts: int = 0

    def read_body(self) -> bytes:
        """The whole body; a streamed body is read once and kept."""
        if not isinstance(self.body, (bytes, bytearray)):
            self.body = b"".join(self.body)
        return bytes(self.body)

    def replace_body(self, data: bytes, content_type: str | None = None) -> None:
        self.body = data
        self.headers["Content-Length"] = str(len(data))
        self.headers.pop("Transfer-Encoding", None)
        if content_type:
            self.headers["Content-Type"] = content_type

    @property
    def query_string(self) -> str:
        if self.raw_query is not None and parse_qsl(self.raw_query, keep_blank_values=True) == list(
            self.query
        ):
            return self.raw_query
        return urlencode(self.query)

    @property
    def url_path(self) -> str:
        return self.path + ("?" + self.query_string if self.query else "")

    def query_values(self, name: str) -> list[str]:
        return [value for key, value in self.query if key == name]

    def side_request(
        self,
        path: str,
        query: list[tuple[str, str]] | None = None,
        route: str = "",
        params: dict[str, str] | None = None,
    ) -> ProxyRequest:
        """A GET a middleware sends upstream on behalf of this request (a template or
        service lookup): it carries the caller's identity and request id, so passthrough
        auth and the logs treat it as part of the same call."""
        headers = Headers({"Accept": "application/json"})
        for header in SIDE_REQUEST_HEADERS:
            if header in self.headers:
                headers[header] = self.headers[header]
        return ProxyRequest(
            method="GET",
            path=path,
            query=list(query or []),
            headers=headers,
            dialect=self.dialect,
            route=route,
            params=dict(params or {}),
        )


@dataclass
class ProxyResponse:
    status: int
    headers: Headers = field(default_factory=Headers)
    body: Iterable[bytes] = b""
    on_close: Callable[[], None] | None = None

    def iter_body(self) -> Iterator[bytes]:
        if isinstance(self.body, (bytes, bytearray)):
            if self.body:
                yield bytes(self.body)
            return
        yield from self.body

    def read(self) -> bytes:
        """The whole body; the stream is consumed once and the result kept."""
        if not isinstance(self.body, (bytes, bytearray)):
            try:
                self.body = b"".join(self.body)
            finally:
                self.close()
        return bytes(self.body)

    def json(self) -> Any:
        return json.loads(self.read() or b"null")

    def close(self) -> None:
        if self.on_close is not None:
            on_close, self.on_close = self.on_close, None
            on_close()

    @classmethod
    def from_json(cls, status: int, payload: Any, headers: Headers | None = None) -> ProxyResponse:
        data = json.dumps(payload).encode()
        headers = Headers(headers or [])
        headers["Content-Type"] = "application/json"
        headers["Content-Length"] = str(len(data))
        return cls(status=status, headers=headers, body=data)


Handler = Callable[[ProxyRequest], ProxyResponse]
Middleware = Callable[[ProxyRequest, Handler], ProxyResponse]


def chain(middlewares: Iterable[Middleware], handler: Handler) -> Handler:
    """Wrap ``handler`` so the first middleware listed runs first."""
    for middleware in reversed(list(middlewares)):
        handler = _bind(middleware, handler)
    return handler


def _bind(middleware: Middleware, call_next: Handler) -> Handler:
    def handle(request: ProxyRequest) -> ProxyResponse:
        return middleware(request, call_next)

    handle.__name__ = getattr(middleware, "__name__", "middleware")
    return handle


def status_response(
    code: int, reason: str, message: str, details: dict[str, Any] | None = None
) -> ProxyResponse:
    """The bridge's own error, as a Kubernetes ``Status`` object like the API server's."""
    return ProxyResponse.from_json(code, failure(code, message, reason, details=details))


def buffered(handler: Handler, request: Callable[[], ProxyRequest], attempts: int = 1) -> ProxyResponse:
    """``handler``'s answer to ``request()`` with its body read whole. An upstream that breaks
    off mid-body is asked again with a fresh request, up to ``attempts`` times in all (give 1
    unless the call is idempotent), then answered with a 502 ``Status``: the headers of the
    broken answer were never sent on, so a clean error is still possible."""
    failure: Exception | None = None
    for _ in range(max(1, attempts)):
        response = handler(request())
        try:
            response.read()
        except BODY_READ_ERRORS as error:
            failure = error
            log.info("upstream broke off its answer to a %s: %s", response.status, error)
            continue
        return response
    return status_response(502, "InternalError", f"the upstream broke off its answer: {failure}")
