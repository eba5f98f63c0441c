"""Credentials and TLS for the upstream, taken from the ``kubernetes`` package's own loaders.

Re-implementing kubeconfig parsing would miss exec plugins, OIDC refresh, inline certificate
data and the in-cluster token rotation that the official loaders already get right, so the
bridge asks them for a filled ``kubernetes.client.Configuration`` and reads what a plain
HTTP session needs from it. The bearer token is read through ``get_api_key_with_prefix`` on
every call: that runs ``refresh_api_key_hook``, which re-runs an exec plugin or re-reads a
projected service-account token once it expired, so a long-lived bridge never sends a stale
token.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from kubernetes import client as k8s_client
from kubernetes import config as k8s_config


@dataclass(frozen=True)
class UpstreamTLS:
    url: str
    verify: bool | str  # False, True, or a CA bundle path
    cert: tuple[str, str] | None  # client certificate and key files
    server_hostname: str | None  # TLS server name when it differs from the URL host
    proxy: str | None
    authorization: Callable[[], str | None]


def load_kubeconfig(path: str | None, context: str | None = None) -> UpstreamTLS:
    """The cluster and user of a kubeconfig (``KUBECONFIG`` or ``~/.kube/config`` if no path)."""
    configuration = k8s_client.Configuration()
    k8s_config.load_kube_config(
        config_file=path, context=context, client_configuration=configuration, persist_config=False
    )
    return from_configuration(configuration)


def load_incluster() -> UpstreamTLS:
    """The pod's service account, with token refresh (bound tokens rotate hourly)."""
    configuration = k8s_client.Configuration()
    k8s_config.load_incluster_config(client_configuration=configuration, try_refresh_token=True)
    return from_configuration(configuration)


def from_configuration(configuration: k8s_client.Configuration) -> UpstreamTLS:
    verify: bool | str = bool(configuration.verify_ssl)
    if verify and configuration.ssl_ca_cert:
        verify = configuration.ssl_ca_cert
    cert = None
    if configuration.cert_file and configuration.key_file:
        cert = (configuration.cert_file, configuration.key_file)
    return UpstreamTLS(
        url=configuration.host.rstrip("/"),
        verify=verify,
        cert=cert,
        server_hostname=configuration.tls_server_name or None,
        proxy=configuration.proxy or None,
        authorization=_authorization_reader(configuration),
    )


def _authorization_reader(configuration: k8s_client.Configuration) -> Callable[[], str | None]:
    lock = threading.Lock()  # refresh hooks mutate the configuration

    def authorization() -> str | None:
        with lock:
            token = configuration.get_api_key_with_prefix("BearerToken", alias="authorization")
        if token:
            return _bearer(token)
        if configuration.username or configuration.password:
            return configuration.get_basic_auth_token()
        return None

    return authorization


def _bearer(token: str) -> str:
    scheme, _, rest = token.partition(" ")
    if rest and scheme.lower() == "bearer":
        return "Bearer " + rest.strip()
    return token
