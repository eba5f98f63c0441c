"""Where the Kubernetes API is, and one pooled HTTP session per process to reach it.

``bridge.core.upstream_choice`` turns the ``upstream`` setting into a mode; ``connect_upstream``
makes it usable: base URL, TLS, and a credential reader. Sessions are created lazily per
process id, so a gunicorn worker never shares a socket pool with its master or a sibling.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from bridge.core.config import BridgeConfig, ConfigError
from bridge.core.upstream_choice import (
    EMBEDDED_URL_ENV,
    UpstreamChoice,
    choose_upstream,
)

__all__ = ["Upstream", "UpstreamChoice", "choose_upstream", "connect_upstream"]

log = logging.getLogger("kuberay_bridge.upstream")

POOL_SIZE = 512  # connections kept per upstream host; every open watch holds one


class _TLSNameAdapter(HTTPAdapter):
    """An adapter that checks the certificate against ``server_hostname`` (kubeconfig
    ``tls-server-name``) instead of the URL's host."""

    def __init__(self, server_hostname: str | None, **kwargs):
        self._server_hostname = server_hostname
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        if self._server_hostname:
            kwargs["server_hostname"] = self._server_hostname
            kwargs["assert_hostname"] = self._server_hostname
        super().init_poolmanager(*args, **kwargs)


@dataclass
class Upstream:
    """A resolved upstream: what to call and how to prove who the bridge is."""

    mode: str
    url: str
    reason: str = ""
    verify: bool | str = True
    cert: tuple[str, str] | None = None
    server_hostname: str | None = None
    proxy: str | None = None
    credentials: Callable[[], str | None] = lambda: None
    keepalive: object = None  # keeps an in-process embedded server referenced
    _sessions: dict[int, requests.Session] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def describe(self) -> dict[str, str]:
        return {"mode": self.mode, "url": self.url}

    def authorization(self) -> str | None:
        """The bridge's own ``Authorization`` value, refreshed if it expired."""
        return self.credentials()

    def session(self) -> requests.Session:
        pid = os.getpid()
        session = self._sessions.get(pid)
        if session is None:
            with self._lock:
                session = self._sessions.get(pid) or self._new_session()
                self._sessions = {pid: session}
        return session

    def _new_session(self) -> requests.Session:
        session = requests.Session()
        session.trust_env = False  # no proxy variables or .netrc credentials slipping in
        session.headers.clear()  # callers' headers pass as sent, nothing added
        session.verify = self.verify
        session.cert = self.cert
        if self.proxy:
            session.proxies = {"http": self.proxy, "https": self.proxy}
        adapter = _TLSNameAdapter(
            self.server_hostname, pool_connections=4, pool_maxsize=POOL_SIZE, max_retries=0
        )
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        return session


def connect_upstream(
    config: BridgeConfig,
    environ: Mapping[str, str] | None = None,
    start_embedded: Callable[[str | None, str | None], Any] | None = None,
) -> Upstream:
    """Resolve ``config.upstream`` into an Upstream (reads kubeconfig/service account files).

    With the embedded upstream and no gunicorn master that started the shared one,
    ``start_embedded(data_dir, crd_dir)`` (the composition root's, ``bridge.supervisor``)
    starts one in this process and returns it (it has a ``url``)."""
    environ = os.environ if environ is None else environ
    choice = choose_upstream(config.upstream, environ)
    if choice.mode == "url":
        return Upstream("url", choice.argument or "", choice.reason)
    if choice.mode == "embedded":
        return _embedded_upstream(config, choice, environ, start_embedded)
    from kubernetes.config import ConfigException

    from bridge.core import upstream_auth

    try:
        if choice.mode == "in-cluster":
            tls = upstream_auth.load_incluster()
        else:
            tls = upstream_auth.load_kubeconfig(choice.argument)
    except (ConfigException, OSError) as error:
        raise ConfigError(f"upstream {config.upstream!r} ({choice.reason}): {error}") from error
    # In passthrough mode the caller's token is the only identity: the bridge presents
    # neither its token nor its client certificate, whatever the kubeconfig holds.
    own_identity = config.auth_mode != "passthrough"
    return Upstream(
        choice.mode,
        tls.url,
        choice.reason,
        verify=tls.verify,
        cert=tls.cert if own_identity else None,
        server_hostname=tls.server_hostname,
        proxy=tls.proxy,
        credentials=tls.authorization if own_identity else (lambda: None),
    )


def _embedded_upstream(
    config: BridgeConfig,
    choice: UpstreamChoice,
    environ: Mapping[str, str],
    start_embedded: Callable[[str | None, str | None], Any] | None,
) -> Upstream:
    url = environ.get(EMBEDDED_URL_ENV)
    if url:
        return Upstream("embedded", url, choice.reason)
    if start_embedded is None:
        raise ConfigError(
            f"upstream {config.upstream!r}: no embedded API is running ({EMBEDDED_URL_ENV} unset)"
        )
    # No master process started a shared one (e.g. create_app() in a test or `flask run`):
    # run it in this process. Under plain `gunicorn 'bridge.app:create_app()'` without
    # `-c python:bridge.gunicorn_conf` each worker would get its own state, so say so.
    log.warning("starting an in-process embedded API; its state is private to this process")
    server = start_embedded(choice.argument, config.embedded_crd_dir)
    return Upstream("embedded", server.url, choice.reason, keepalive=server)
