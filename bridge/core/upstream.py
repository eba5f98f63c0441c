"""Where the Kubernetes API is, and one urllib3 connection pool per process to reach it.

``bridge.core.upstream_choice`` turns the ``upstream`` setting into a mode; ``connect_upstream``
makes it usable: base URL, TLS, and a credential reader. Pools are created lazily per process
id, so a gunicorn worker never shares a socket with its master or a sibling. The bridge talks
urllib3 directly, not through a ``requests`` session: a proxied call needs none of what a
session adds (cookies, redirects, environment proxies, a ``PreparedRequest``), and building
those was an eighth of the cost of a proxied GET.
"""

from __future__ import annotations

import logging
import os
import select
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import urllib3
from gevent.monkey import get_original
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from bridge.core.config import BridgeConfig, ConfigError
from bridge.core.upstream_choice import (
    EMBEDDED_URL_ENV,
    UpstreamChoice,
    choose_upstream,
)

__all__ = ["Upstream", "UpstreamChoice", "choose_upstream", "connect_upstream"]

log = logging.getLogger("kuberay_bridge.upstream")

POOL_SIZE = 512  # connections kept per upstream host; every open watch holds one


_poll = get_original("select", "poll")  # the operating system's, even under gevent


def _is_open(sock: Any) -> bool:
    """Whether an idle pooled socket is still usable: nothing to read (no data, EOF or error)
    right now. urllib3 asks this before each reuse through ``select.poll``, which under gevent
    is the cooperative one: a hub round trip for a question a zero-timeout poll answers at once
    (a thirtieth of a proxied GET)."""
    poller = _poll()
    poller.register(sock, select.POLLIN)
    return not poller.poll(0)


class _Connection(HTTPConnection):
    @property
    def is_connected(self) -> bool:
        return self.sock is not None and _is_open(self.sock)


class _TLSConnection(HTTPSConnection):
    @property
    def is_connected(self) -> bool:
        return self.sock is not None and _is_open(self.sock)


class _Pool(HTTPConnectionPool):
    ConnectionCls = _Connection


class _TLSPool(HTTPSConnectionPool):
    ConnectionCls = _TLSConnection


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
    _pools: dict[int, urllib3.PoolManager] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def describe(self) -> dict[str, str]:
        return {"mode": self.mode, "url": self.url}

    def authorization(self) -> str | None:
        """The bridge's own ``Authorization`` value, refreshed if it expired."""
        return self.credentials()

    def pool(self) -> urllib3.PoolManager:
        """This process's pool (a ProxyManager when the kubeconfig names a proxy)."""
        pid = os.getpid()
        pool = self._pools.get(pid)
        if pool is None:
            with self._lock:
                pool = self._pools.get(pid) or self._new_pool()
                self._pools = {pid: pool}
        return pool

    def urlopen(self, method: str, target: str, **options: Any) -> urllib3.BaseHTTPResponse:
        """One call to ``target`` (path and query, already percent-encoded) on the upstream,
        ``options`` as urllib3's ``urlopen`` takes them. The target goes to the host's
        connection pool as it is: no URL parsing or normalisation on the way."""
        pool = self.pool()
        if isinstance(pool, urllib3.ProxyManager):
            return pool.urlopen(method, self.url + target, **options)
        return pool.connection_from_url(self.url).urlopen(method, target, **options)

    def _new_pool(self) -> urllib3.PoolManager:
        # Nothing from the environment (proxy variables, .netrc) and no header is added:
        # callers' headers pass as sent. Retries and redirects belong to the forwarder.
        tls: dict[str, Any] = {}
        if self.url.startswith("https:"):
            tls["cert_reqs"] = "CERT_REQUIRED" if self.verify else "CERT_NONE"
            if isinstance(self.verify, str):
                tls["ca_cert_dir" if os.path.isdir(self.verify) else "ca_certs"] = self.verify
            if self.cert:
                tls["cert_file"], tls["key_file"] = self.cert
            if self.server_hostname:
                tls["server_hostname"] = self.server_hostname
                tls["assert_hostname"] = self.server_hostname
        settings = {"num_pools": 4, "maxsize": POOL_SIZE, "block": False, "retries": False, **tls}
        if self.proxy:
            manager = urllib3.ProxyManager(self.proxy, **settings)
        else:
            manager = urllib3.PoolManager(**settings)
        manager.pool_classes_by_scheme = {"http": _Pool, "https": _TLSPool}
        return manager


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
