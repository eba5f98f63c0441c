"""``/api/v1/namespaces/NS/services/NAME[:PORT]/proxy/...`` for the embedded API server.

A real cluster proxies to one of the Service's endpoints. The embedded server has no pods
and no endpoints, so it uses this convention instead: **the Service's ``spec.clusterIP`` is
the address to dial and must be a loopback address** (``127.0.0.0/8`` or ``::1``); the port
is the ``targetPort`` of the chosen ``spec.ports`` entry (a number; when absent, ``port``).
A fake Ray dashboard listening on ``127.0.0.1:8265`` is put behind the proxy with::

    apiVersion: v1
    kind: Service
    metadata: {name: dash, namespace: default}
    spec:
      clusterIP: 127.0.0.1
      ports: [{name: dashboard, port: 8265, targetPort: 8265}]

and reached at ``/api/v1/namespaces/default/services/dash:dashboard/proxy/api/jobs/`` (or
``dash:8265``, or ``dash`` when the Service has a single port). Any other address, a
headless or ``ExternalName`` Service, or a named ``targetPort`` answers 503: the embedded
server never dials beyond the machine it runs on.

Forwarding follows Kubernetes' proxy where a client can tell: the method, ``/SUBPATH``,
query and body go through unchanged; hop-by-hop headers and ``Authorization`` are dropped
(the caller's credentials are for the API server, not for the service); the answer streams
back chunk by chunk, so a long-polling or streaming endpoint works. Failures before an
answer are 503 ``Status`` objects worded like Kubernetes' (``error trying to reach service:
dial tcp 127.0.0.1:8265: connect: connection refused``). Not done, unlike Kubernetes:
rewriting ``Location`` headers and links in HTML answers, and protocol upgrades (WebSocket).
"""

from __future__ import annotations

import errno
import http.client
import ipaddress
import json
import socket
import ssl
from collections.abc import Iterator
from typing import Any

from werkzeug.wrappers import Request, Response

from bridge.embedded.errors import ApiError, bad_request
from bridge.kube.headers import end_to_end
from bridge.kube.services import parse_service_id

CONNECT_TIMEOUT_SECONDS = 10.0
CHUNK_BYTES = 64 * 1024

# Not hop-by-hop, but never forwarded: credentials for the API server, and headers the
# proxy sets itself.
DROPPED_REQUEST_HEADERS = frozenset({"authorization", "host", "content-length", "expect"})
DROPPED_RESPONSE_HEADERS = frozenset({"content-length"})


def service_unavailable(message: str) -> ApiError:
    return ApiError(503, "ServiceUnavailable", message)


def split_target(target: str) -> tuple[str, str, str]:
    """``name``, ``name:port`` or ``scheme:name:port`` -> (scheme, name, port), http by default."""
    parsed = parse_service_id(target)
    if parsed is None:
        raise bad_request(f'invalid service request "{target}"')
    return parsed.scheme or "http", parsed.name, parsed.port


def _chosen_port(service: dict[str, Any], target: str, name: str, port: str) -> dict[str, Any]:
    ports = service.get("spec", {}).get("ports") or []
    if port.isdigit():
        for entry in ports:
            if str(entry.get("port")) == port:
                return entry
        raise service_unavailable(f'no service port {port} found for service "{name}"')
    for entry in ports:
        if entry.get("name", "") == port:
            return entry
    if not port and len(ports) == 1:
        return ports[0]
    raise service_unavailable(f'no endpoints available for service "{target}"')


def resolve(service: dict[str, Any], target: str) -> tuple[str, str, int]:
    """(scheme, loopback host, port) to dial for ``target``; ApiError when there is none."""
    scheme, name, port = split_target(target)
    spec = service.get("spec", {})
    if spec.get("type") == "ExternalName":
        raise service_unavailable(f'no endpoints available for service "{name}"')
    entry = _chosen_port(service, target, name, port)
    cluster_ip = spec.get("clusterIP") or ""
    try:
        loopback = ipaddress.ip_address(cluster_ip).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise service_unavailable(
            f'no endpoints available for service "{name}": the embedded API server only proxies '
            f'to a spec.clusterIP on loopback (127.0.0.0/8 or ::1), not "{cluster_ip}"'
        )
    target_port = entry.get("targetPort", entry.get("port"))
    if isinstance(target_port, str) and target_port.isdigit():
        target_port = int(target_port)
    if not isinstance(target_port, int) or not 0 < target_port < 65536:
        raise service_unavailable(
            f'no endpoints available for service "{name}": targetPort {target_port!r} is not a port number'
        )
    return scheme, cluster_ip, target_port


def _dial_error(host: str, port: int, exc: OSError) -> ApiError:
    address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    if isinstance(exc, ConnectionRefusedError) or exc.errno == errno.ECONNREFUSED:
        why = "connect: connection refused"
    elif isinstance(exc, (socket.timeout, TimeoutError)):
        why = "i/o timeout"
    else:
        why = exc.strerror or str(exc) or type(exc).__name__
    return service_unavailable(f"error trying to reach service: dial tcp {address}: {why}")


def status_response(error: ApiError) -> Response:
    return Response(json.dumps(error.status()), status=error.code, mimetype="application/json")


def _request_headers(request: Request) -> dict[str, str]:
    headers = {
        key: value
        for key, value in end_to_end(request.headers.items())
        if key.lower() not in DROPPED_REQUEST_HEADERS
    }
    forwarded_for = request.headers.get("X-Forwarded-For")
    if request.remote_addr:
        headers["X-Forwarded-For"] = (
            f"{forwarded_for}, {request.remote_addr}" if forwarded_for else request.remote_addr
        )
    return headers


def _body(request: Request) -> tuple[Any, dict[str, str]]:
    """The body to send and the framing header it needs; the body is read as it is sent."""
    if request.content_length is not None:
        return request.stream, {"Content-Length": str(request.content_length)}
    if "chunked" in request.headers.get("Transfer-Encoding", "").lower():
        return _chunks(request.stream), {"Transfer-Encoding": "chunked"}
    return None, {}


def _chunks(stream: Any) -> Iterator[bytes]:
    while chunk := stream.read(CHUNK_BYTES):
        yield chunk


def _open(scheme: str, host: str, port: int) -> http.client.HTTPConnection:
    if scheme == "https":
        # Like Kubernetes' service proxy: the service's certificate is not verified.
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        connection: http.client.HTTPConnection = http.client.HTTPSConnection(
            host, port, timeout=CONNECT_TIMEOUT_SECONDS, context=context
        )
    else:
        connection = http.client.HTTPConnection(host, port, timeout=CONNECT_TIMEOUT_SECONDS)
    connection.connect()
    connection.sock.settimeout(None)  # a streaming answer may stay quiet for a long time
    return connection


def _stream(upstream: http.client.HTTPResponse) -> Iterator[bytes]:
    while chunk := upstream.read1(CHUNK_BYTES):
        yield chunk


def forward(service: dict, target: str, subpath: str, request: Request) -> Response:
    """Send ``request`` to the service's loopback address and stream its answer back."""
    try:
        scheme, host, port = resolve(service, target)
    except ApiError as error:
        return status_response(error)

    path = "/" + subpath.lstrip("/")
    query = request.query_string.decode("latin-1")
    url = f"{path}?{query}" if query else path
    body, framing = _body(request)
    headers = _request_headers(request) | framing
    headers["Host"] = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

    try:
        connection = _open(scheme, host, port)
    except OSError as exc:
        return status_response(_dial_error(host, port, exc))
    try:
        connection.request(
            request.method,
            url,
            body=body,
            headers=headers,
            encode_chunked=framing.get("Transfer-Encoding") == "chunked",
        )
        upstream = connection.getresponse()
    except (OSError, http.client.HTTPException) as exc:
        connection.close()
        why = str(exc) or type(exc).__name__
        return status_response(service_unavailable(f"error trying to reach service: {why}"))

    response_headers = [
        (key, value)
        for key, value in end_to_end(upstream.getheaders())
        if key.lower() not in DROPPED_RESPONSE_HEADERS
    ]
    length = upstream.getheader("Content-Length")
    if length is not None and upstream.getheader("Transfer-Encoding") is None:
        response_headers.append(("Content-Length", length))
    response = Response(
        _stream(upstream) if request.method != "HEAD" else iter(()),
        status=f"{upstream.status} {upstream.reason}".strip(),
        headers=response_headers,
        direct_passthrough=True,
    )
    if upstream.getheader("Content-Type") is None:
        del response.headers["Content-Type"]
    response.call_on_close(connection.close)
    return response
