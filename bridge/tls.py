"""HTTPS for the bridge's own port, with certificates that rotate under it.

cert-manager (or a Secret update) replaces the certificate files while the bridge runs. gunicorn's
gevent worker builds one ``SSLContext`` when it starts and wraps every connection with it, so
the bridge builds that context itself (gunicorn's ``ssl_context`` hook) and gives it an SNI
callback: OpenSSL runs it on every ClientHello, with or without a server name, and it compares
the files' identity (inode, size, mtime) with the ones loaded. When they changed, the handshake
gets a context built from the new files; new connections get the new certificate, open ones
keep theirs, nothing restarts, no timer runs. A pair that does not load yet (the key written
before the certificate) is skipped until it does, and the last good one keeps serving.

``ssl`` is looked up at call time: gevent workers patch the module after the fork.
"""

from __future__ import annotations

import logging
import os
import ssl
from typing import Any

from bridge.core.config import BridgeConfig

log = logging.getLogger("kuberay_bridge.tls")


def server_context(cert_file: str, key_file: str, client_ca_file: str | None = None) -> ssl.SSLContext:
    """A server-side context for these files; raises ``ssl.SSLError`` or ``OSError``."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certfile=cert_file, keyfile=key_file)
    if client_ca_file:
        context.load_verify_locations(cafile=client_ca_file)
        context.verify_mode = ssl.CERT_REQUIRED
    return context


def tls_problems(config: BridgeConfig) -> list[str]:
    """Start-up check of the TLS files: one line each, naming the setting."""
    if not config.tls_cert_file or not config.tls_private_key_file:
        return []
    try:
        server_context(config.tls_cert_file, config.tls_private_key_file)
    except ssl.SSLError as error:
        if error.reason == "KEY_VALUES_MISMATCH":
            return [
                f"tls_private_key_file: {config.tls_private_key_file} is not the key of the "
                f"certificate in tls_cert_file {config.tls_cert_file}"
            ]
        return [
            f"tls_cert_file, tls_private_key_file: cannot load {config.tls_cert_file} and "
            f"{config.tls_private_key_file} as PEM: {error.reason or error}"
        ]
    except OSError as error:
        return [f"tls_cert_file, tls_private_key_file: {error.strerror or error}"]
    if config.tls_client_ca_file:
        try:
            ssl.create_default_context(cafile=config.tls_client_ca_file)
        except (ssl.SSLError, OSError) as error:
            return [f"tls_client_ca_file: {config.tls_client_ca_file} holds no PEM certificate: {error}"]
    return []


class RotatingContext:
    """The context gunicorn wraps connections with, following its files as they change."""

    def __init__(self, cert_file: str, key_file: str, client_ca_file: str | None = None):
        self.files = tuple(path for path in (cert_file, key_file, client_ca_file) if path)
        self.arguments = (cert_file, key_file, client_ca_file)
        self.loaded_identity = self._identity()
        self.context = server_context(*self.arguments)
        self.context.sni_callback = self._on_client_hello
        self.newest = self.context

    def _identity(self) -> tuple[tuple[int, int, int], ...]:
        identity = []
        for path in self.files:
            status = os.stat(path)  # follows the ..data symlink of a mounted Secret
            identity.append((status.st_ino, status.st_size, status.st_mtime_ns))
        return tuple(identity)

    def _on_client_hello(self, connection: Any, server_name: str | None, context: ssl.SSLContext) -> None:
        try:
            identity = self._identity()
            if identity != self.loaded_identity:
                self.newest = server_context(*self.arguments)
                self.loaded_identity = identity
                log.info("TLS certificate reloaded from %s", self.arguments[0])
        except (OSError, ssl.SSLError) as error:
            log.warning("TLS files changed but do not load (yet); serving the previous ones: %s", error)
        if self.newest is not self.context:
            connection.context = self.newest


def ssl_context_hook(config: BridgeConfig):
    """gunicorn's ``ssl_context`` server hook, for the TLS files of ``config``. The gevent
    worker calls it once, the gthread and sync workers once a connection: each worker builds
    its context on the first call (after the fork) and keeps it."""
    built: list[RotatingContext] = []

    def ssl_context(gunicorn_config: Any, default_ssl_context_factory: Any) -> ssl.SSLContext:
        if not built:
            built.append(
                RotatingContext(config.tls_cert_file, config.tls_private_key_file, config.tls_client_ca_file)
            )
        return built[0].context

    return ssl_context
