"""Who may call the bridge, and which of the caller's headers may travel upstream.

Three modes (``auth_mode``):

- ``none``: a trusted network, as the Go APIServer assumes; the bridge calls Kubernetes with
  its own credentials and the caller's ``Authorization`` is dropped.
- ``passthrough``: the caller's bearer token goes upstream and Kubernetes RBAC decides per
  user; the bridge's own credentials (token or client certificate) are never used, so a
  caller without a token gets 401 here rather than the bridge's identity.
- ``token``: callers present one of the static tokens in ``token_file``; the bridge then
  calls Kubernetes with its own credentials. The file holds one token a line; spaces around a
  token and blank lines are ignored, and a ``#`` at the start of a line or after a space begins
  a comment, as in a shell (a bearer token holds no spaces). A ``#`` inside a token is part of
  it: ``tok#withhash`` is one token, never ``tok``. A line may name its token's holder after a
  comma, as kube-apiserver's ``--token-auth-file`` does (``token,name[,uid,"groups"]``: the
  columns after the name are ignored); that name is the caller's identity (``g.caller_identity``)
  in logs, usage metrics and v1 stage exceptions, so the token itself never has to be named
  anywhere. A line without a comma is an unnamed token, as before (a bearer token holds no
  comma, RFC 6750). The
  file is re-read when it changes, so a rotated Secret needs no restart; when it cannot be read
  (removed, unreadable) every caller is refused with 503 and the log says why: the bridge
  fails closed.

The caller's identity is known in ``token`` mode only (for named tokens). In ``passthrough``
mode the bridge does not verify the token, Kubernetes does: asking it who the caller is would
cost a TokenReview per request, and names read from an unverified token (JWT claims) would
let any caller write any name into logs and metrics, so there is no identity.

Whatever the mode, headers that would let a caller act as someone else (``Impersonate-*``),
forge its origin (``X-Forwarded-*``, ``Forwarded``), steer the connection (hop-by-hop
headers) or change the meaning of the request behind the route table's back (method
overrides such as ``X-HTTP-Method-Override`` and URL rewrites such as ``X-Original-URL``,
which some frameworks and gateways behind a dashboard honour: a POST the table allowed must
not turn into a DELETE it did not) are removed, and the bridge sets
``X-Forwarded-For/Proto/Host`` itself.
"""

from __future__ import annotations

import csv
import hmac
import logging
import os
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from werkzeug.datastructures import Headers, WWWAuthenticate
from werkzeug.exceptions import ServiceUnavailable, Unauthorized

from bridge.kube.headers import end_to_end

_NEVER_FORWARDED = frozenset(
    {
        "host",
        "content-length",
        "expect",
        "forwarded",
        "x-real-ip",
        "x-http-method-override",
        "x-http-method",
        "x-method-override",
        "x-original-url",
        "x-rewrite-url",
    }
)
_FORGEABLE_PREFIXES = ("impersonate-", "x-forwarded-", "x-remote-")
log = logging.getLogger("kuberay_bridge.auth")
_COMMENT = re.compile(r"(?:^|\s)#.*")


def upstream_headers(
    incoming: Iterable[tuple[str, str]],
    *,
    auth_mode: str,
    remote_addr: str | None,
    scheme: str,
    host: str | None,
) -> Headers:
    """The caller's headers as they may go upstream, plus the bridge's ``X-Forwarded-*``."""
    headers = Headers()
    for name, value in end_to_end(incoming):
        lower = name.lower()
        if lower in _NEVER_FORWARDED or lower.startswith(_FORGEABLE_PREFIXES):
            continue
        if lower == "authorization" and auth_mode != "passthrough":
            continue
        headers.add(name, value)
    if remote_addr:
        headers["X-Forwarded-For"] = remote_addr
    headers["X-Forwarded-Proto"] = scheme
    if host:
        headers["X-Forwarded-Host"] = host
    return headers


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


class TokenFileUnreadable(Exception):
    """The token file cannot be read (removed, unreadable, not UTF-8)."""


@dataclass(frozen=True)
class KnownToken:
    """One line of the token file: the secret, and the name of its holder (None: unnamed)."""

    secret: bytes
    name: str | None = None

    def __repr__(self) -> str:  # never the secret, wherever an object ends up printed
        return f"KnownToken(name={self.name!r})"


def parse_tokens(text: str) -> tuple[KnownToken, ...]:
    """The tokens of a token file's text (format in the module docstring)."""
    known = []
    for line in text.splitlines():
        line = _COMMENT.sub("", line).strip()
        if not line:
            continue
        columns = [column.strip() for column in next(csv.reader([line], skipinitialspace=True))]
        if columns and columns[0]:
            known.append(KnownToken(columns[0].encode(), (columns[1] if len(columns) > 1 else "") or None))
    return tuple(known)


class TokenFile:
    """The accepted static tokens, re-read whenever the file's mtime or size changes."""

    def __init__(self, path: str):
        self.path = path
        self._stamp: tuple[float, int] | None = None
        self._tokens: tuple[KnownToken, ...] = ()
        self._names: frozenset[str] = frozenset()
        self._lock = threading.Lock()
        self._problem: str | None = None  # logged once, until the file is readable again

    def tokens(self) -> tuple[KnownToken, ...]:
        """The accepted tokens; TokenFileUnreadable (logged once) when the file cannot be read."""
        try:
            stat = os.stat(self.path)
            stamp = (stat.st_mtime, stat.st_size)
            if stamp != self._stamp:
                with self._lock:
                    with open(self.path, encoding="utf-8") as handle:
                        self._tokens = parse_tokens(handle.read())
                    self._names = frozenset(known.name for known in self._tokens if known.name)
                    self._stamp = stamp
        except (OSError, UnicodeDecodeError) as error:
            problem = f"cannot read the token file {self.path}: {error}; refusing every caller"
            if problem != self._problem:
                log.error("%s", problem)
                self._problem = problem
            raise TokenFileUnreadable(problem) from None
        if self._problem is not None:
            log.warning("the token file %s is readable again", self.path)
            self._problem = None
        return self._tokens

    def identify(self, token: str) -> KnownToken | None:
        """The file's entry for this token, or None when it is not accepted."""
        presented = token.encode()
        # Compare with every token so the time taken does not say which one nearly matched.
        matches = [known for known in self.tokens() if hmac.compare_digest(presented, known.secret)]
        return matches[0] if matches else None

    def names(self) -> frozenset[str]:
        """The names of the token holders, as of the last read (``identify`` re-reads the file
        when it changed; this adds no ``stat`` to a request)."""
        return self._names


def check_caller(auth_mode: str, authorization: str | None, tokens: TokenFile | None) -> str | None:
    """Raise 401 (with ``WWW-Authenticate: Bearer``) unless the caller may use the bridge;
    else the caller's identity: its token's name in ``token`` mode, None otherwise."""
    if auth_mode == "none":
        return None
    token = bearer_token(authorization)
    if token is None:
        raise _unauthorized("a bearer token is required (Authorization: Bearer <token>)")
    if auth_mode != "token":
        return None
    try:
        known = tokens.identify(token) if tokens is not None else None
    except TokenFileUnreadable:
        raise ServiceUnavailable("the bridge cannot check tokens now; see its log") from None
    if known is None:
        raise _unauthorized("the bearer token is not accepted")
    return known.name


def is_trusted_caller(auth_mode: str, authorization: str | None, tokens: TokenFile | None) -> bool:
    """Whether the caller may see the bridge's internals (which upstream, at which URL):
    anyone on a trusted network (``none``), a caller with an accepted token in ``token`` mode;
    never an unchecked passthrough caller."""
    try:
        check_caller(auth_mode, authorization, tokens)
    except (Unauthorized, ServiceUnavailable):
        return False
    return auth_mode != "passthrough"


def _unauthorized(message: str) -> Unauthorized:
    return Unauthorized(message, www_authenticate=WWWAuthenticate("bearer", {"realm": "kuberay-bridge"}))
