"""Random requests for both surfaces, written byte for byte, and the properties every answer keeps.

``requests()`` is a hypothesis strategy of :class:`RawRequest`: methods (real and invented),
paths built from the route tables' shapes with hostile segments and encodings (and the
allowlist's refused paths), queries with bad numbers, headers, bodies (JSON, YAML, binary,
huge integers, lone surrogates, duplicate keys, v1 examples) and their framing (a true
``Content-Length``, valid chunks, an invalid chunk-size line, a body shorter than announced).
``send()`` writes one over a fresh socket; ``problems()`` lists what is wrong with an answer.
"""

from __future__ import annotations

import json
import re
import socket
from dataclasses import dataclass
from urllib.parse import quote, unquote

from hypothesis import strategies as st

from bridge.app import KUBERNETES_ROOTS
from tests.support.allowlist_cases import REFUSED_BEHIND_GUNICORN
from tests.support.factories import cluster_body, template_body
from v2proxy.paths import PathRejected, canonical_segments
from v2proxy.pipeline import NoRoute, resolve
from v2proxy.routes import ROUTES

BROKEN_FRAMINGS = ("bad-chunk", "short-length")
_SERVICE_LIST = re.compile(r"/api/v1/namespaces/[^/]+/services")
HUGE = "9" * 5000

_SEGMENTS = st.one_of(
    st.sampled_from(
        [
            "default",
            "x",
            "t",
            "head-svc",
            "a%2Fb",
            "..",
            "%2e%2e",
            "%ZZ",
            "%",
            "%00",
            "caf%C3%A9",
            "%ff",
            "a:b:c",
            "http:head-svc:8265",
            "http:kuberay-head%253Adashboard",
            "%252e%252e",
            "A" * 300,
            "%ED%A0%80",
            "%0d%0aX:1",
            "~",
            ";",
            "a;b=c",
        ]
    ),  # fmt: skip
    st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=12).map(
        lambda text: quote(text, safe=":@!$&'()*+,;=")
    ),
)
_SHAPES = [
    "/apis/v1/namespaces/{}/clusters",
    "/apis/v1/namespaces/{}/clusters/{}",
    "/apis/v1/clusters",
    "/apis/v1/namespaces/{}/compute_templates",
    "/apis/v1/namespaces/{}/compute_templates/{}",
    "/apis/v1/compute_templates",
    "/apis/v1/namespaces/{}/{}",
    "/apis/ray.io/v1/namespaces/{}/rayclusters",
    "/apis/ray.io/v1/namespaces/{}/rayclusters/{}",
    "/apis/ray.io/v1/namespaces/{}/rayjobs/{}/status",
    "/apis/ray.io/v1/namespaces/{}/rayservices/{}",
    "/apis/ray.io/v1/{}",
    "/api/v1/namespaces/{}/services/{}/proxy/{}",
    "/api/v1/namespaces/{}/events",
    "/apis/v1/namespaces/{}/events",
    "/apis/{}/{}",
    "/{}",
    "/version",
    "/apis",
    "/api",
    "/readyz",
    "/healthz",
    "/metrics",
    "/openapi/v3",
    "/",
]


@st.composite
def _paths(draw) -> str:
    if draw(st.integers(0, 9)) == 0:
        return draw(st.sampled_from(REFUSED_BEHIND_GUNICORN))
    shape = draw(st.sampled_from(_SHAPES))
    segments = [draw(_SEGMENTS) for _ in range(shape.count("{}"))]
    path = shape.format(*segments)
    return path + draw(st.sampled_from(["", "", "/", "//"]))


_QUERY_KEYS = ["limit", "continue", "labelSelector", "fieldSelector", "strict", "timeoutSeconds",
               "dryRun", "fieldManager", "resourceVersion", "pretty", "%ZZ", "a"]  # fmt: skip
_QUERY_VALUES = ["", "1", "-1", "0", "abc", HUGE, "9" * 25, "true", "%ZZ", "%ED%A0%80", "a=b", "a%3Db",
                 "app.kubernetes.io/managed-by=x", "+5", "1e3"]  # fmt: skip
_QUERIES = st.lists(st.tuples(st.sampled_from(_QUERY_KEYS), st.sampled_from(_QUERY_VALUES)), max_size=3).map(
    lambda pairs: "&".join(f"{key}={value}" for key, value in pairs)
)

_KEYS = st.sampled_from(
    [
        "name",
        "namespace",
        "metadata",
        "spec",
        "cpu",
        "memory",
        "gpu",
        "clusterSpec",
        "headGroupSpec",
        "workerGroupSpec",
        "computeTemplate",
        "image",
        "version",
        "user",
        "replicas",
        "kind",
        "apiVersion",
        "environment",
        "annotations",
        "labels",
        "a\ud800",
        "",
    ]  # fmt: skip
)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.sampled_from(["default", "t", "1", "-1", HUGE, "\ud800", "1e999", "NaN"]),
)
_JSON = st.recursive(
    _SCALARS,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(_KEYS, children, max_size=5)),
    max_leaves=20,
)


def _json_bytes(document) -> bytes:
    return json.dumps(document).encode()  # lone surrogates escaped: valid bytes, invalid text


_BODIES = st.one_of(
    st.just(b""),
    _JSON.map(_json_bytes),
    st.sampled_from(
        [
            json.dumps(template_body("default", "fuzz")).encode(),
            json.dumps(cluster_body("default", "fuzz")).encode(),
            json.dumps({"metadata": {"name": "fuzz"}, "spec": {}}).encode(),
            b'{"name": "t", "cpu": ' + HUGE.encode() + b', "memory": 1}',
            b'{"metadata": {"name": "a\\ud800"}}',
            b"metadata: {name: a}\nspec: {}\nspec: {x: 1}\n",
            b"a: &a [1, 2]\nb: [*a, *a, *a]\n",
            b"n: " + HUGE.encode() + b"\n",
            b'{"a": 1, "a": 2}',
            b"[" * 3000 + b"]" * 3000,
            b"\xff\xfe\x00garbage",
            b"--- a\n--- b\n",
        ]
    ),
    st.binary(max_size=64),
)
_CONTENT_TYPES = st.sampled_from(
    [
        None,
        "application/json",
        "application/yaml",
        "text/plain",
        "application/merge-patch+json",
        "application/json-patch+json",
        "application/strategic-merge-patch+json",
        "application/apply-patch+yaml",
        "application/vnd.kubernetes.protobuf",
        "",
        "garbage/;;;",
        "application/json; charset=latin-1",
    ]  # fmt: skip
)
_EXTRA_HEADERS = st.lists(
    st.sampled_from(
        [
            "Authorization: Bearer x",
            "Authorization: Basic",
            "Accept: application/yaml",
            "Accept: */*",
            "Impersonate-User: admin",
            "X-HTTP-Method-Override: DELETE",
            "X-Forwarded-For: 1.2.3.4",
            "Accept-Encoding: gzip",
            "Origin: https://evil.example",
            "Content-Encoding: gzip",
            "X-Request-Id: " + "r" * 300,
            "Via: 1.1 kuberay-bridge-other",
            "Connection: keep-alive, Upgrade",
        ]
    ),  # fmt: skip
    max_size=3,
)


@dataclass
class RawRequest:
    method: str
    target: str
    headers: list[str]
    body: bytes
    framing: str  # "length", "chunked", "bad-chunk", "short-length"

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    def encode(self) -> bytes:
        lines = [f"{self.method} {self.target} HTTP/1.1", "Host: bridge", "Connection: close", *self.headers]
        if self.framing == "length":
            lines.append(f"Content-Length: {len(self.body)}")
            payload = self.body
        elif self.framing == "short-length":
            lines.append(f"Content-Length: {len(self.body) + 10}")
            payload = self.body
        else:
            lines.append("Transfer-Encoding: chunked")
            payload = (b"%x\r\n%s\r\n" % (len(self.body), self.body)) if self.body else b""
            payload += b"zz\r\nxx\r\n" if self.framing == "bad-chunk" else b"0\r\n\r\n"
        return "\r\n".join(lines).encode("latin-1") + b"\r\n\r\n" + payload


@st.composite
def requests(draw) -> RawRequest:
    method = draw(
        st.one_of(
            st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]),
            st.text(st.characters(min_codepoint=0x41, max_codepoint=0x5A), min_size=1, max_size=8),
        )
    )
    path = draw(_paths())
    query = draw(_QUERIES)
    headers = list(draw(_EXTRA_HEADERS))
    content_type = draw(_CONTENT_TYPES)
    if content_type is not None:
        headers.append(f"Content-Type: {content_type}")
    body = draw(_BODIES)
    framing = draw(st.sampled_from(["length", "length", "chunked", "bad-chunk", "short-length"]))
    return RawRequest(method, path + (f"?{query}" if query else ""), headers, body, framing)


def send(port: int, raw: RawRequest, timeout: float = 30.0) -> tuple[int, dict[str, str], bytes]:
    """The status, headers (lower-case names) and body of the answer to ``raw``."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(raw.encode())
        if raw.framing == "short-length":
            sock.shutdown(socket.SHUT_WR)  # the announced bytes never come
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if "chunked" in headers.get("transfer-encoding", ""):
        body = _dechunk(body)
    return int(lines[0].split(" ", 2)[1]), headers, body


def _dechunk(data: bytes) -> bytes:
    out = b""
    while data:
        size_line, _, rest = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0] or b"0", 16)
        if size == 0:
            break
        out += rest[:size]
        data = rest[size + 2 :]
    return out


def problems(raw: RawRequest, status: int, body: bytes) -> list[str]:
    """What is wrong with the bridge's answer to ``raw`` (empty: nothing)."""
    found = []
    # v1's answer to a known path with another method is grpc-gateway's 501 UNIMPLEMENTED
    # (spec/v1-contract.md): an answer about the input, not a failure.
    if status >= 500 and not (status == 501 and b'"code":12' in body):
        found.append(f"answered {status}")
    text = body.decode("utf-8", "replace")
    if "Traceback" in text or "<html" in text.lower() or "<!doctype" in text.lower():
        found.append("a traceback or HTML in the body")
    if status >= 400 and raw.method != "HEAD":
        try:
            answer = json.loads(body)
        except ValueError:
            return [*found, f"a {status} that is not JSON: {text[:200]!r}"]
        if _dialect(raw.path) == "v1":
            if not (isinstance(answer, dict) and {"code", "message"} <= set(answer)):
                found.append(f"a v1 error not in v1 format: {text[:200]}")
        elif not (isinstance(answer, dict) and answer.get("kind") == "Status"):
            found.append(f"a v2 error that is not a Status: {text[:200]}")
    return found


def _dialect(path: str) -> str:
    """The dialect the app answers errors in (``bridge.app``): Status under the Kubernetes roots,
    v1 under /apis/v1 and on every other path."""
    path = unquote(path)  # Flask's request.path, which the app looks at
    if path.startswith("/apis/v1/") or path == "/apis/v1":
        return "v1"
    first = path.lstrip("/").split("/", 1)[0].lower()
    return "v2" if first in KUBERNETES_ROOTS else "v1"


def allowed_upstream_path(raw_uri: str) -> bool:
    """Whether the route table (internal rows included) serves this upstream path as sent, or
    it is the service guard's look-up (a LIST of KubeRay services)."""
    path, _, query = raw_uri.partition("?")
    if _SERVICE_LIST.fullmatch(path) and "labelSelector=app.kubernetes.io%2Fname%3Dkuberay" in query:
        return True
    try:
        segments = canonical_segments(raw_uri.split("?", 1)[0])
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            try:
                resolve(ROUTES, method, segments, include_internal=True)
                return True
            except NoRoute:
                continue
    except PathRejected:
        return False
    return raw_uri.split("?", 1)[0] == "/version"
