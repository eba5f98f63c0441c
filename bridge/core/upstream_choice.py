"""Which upstream the ``upstream`` setting means: a pure decision, logged and shown on /readyz.

Kept apart from ``bridge.core.upstream`` so the gunicorn master can decide (and start the embedded
API) without importing ``requests``: gevent workers monkey-patch ``ssl`` after the fork, and
urllib3 imported before that would keep unpatched references.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

SERVICE_ACCOUNT_TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token"
EMBEDDED_URL_ENV = "BRIDGE_EMBEDDED_URL"  # set by the gunicorn master for its workers


@dataclass(frozen=True)
class UpstreamChoice:
    mode: str  # "url", "kubeconfig", "in-cluster" or "embedded"
    argument: str | None  # the URL, kubeconfig path or embedded data directory
    reason: str


def choose_upstream(setting: str, environ: Mapping[str, str], home: Path | None = None) -> UpstreamChoice:
    """The upstream mode for ``setting``; ``auto`` prefers in-cluster, then kubeconfig, then
    the embedded API, as ``kubectl`` and client-go would look for a cluster."""
    if setting.startswith(("http://", "https://")):
        return UpstreamChoice("url", setting, "upstream is a URL")
    mode, _, argument = setting.partition(":")
    if mode in ("kubeconfig", "embedded", "in-cluster"):
        return UpstreamChoice(mode, argument or None, f"upstream={setting}")
    token_file = environ.get("BRIDGE_SERVICE_ACCOUNT_TOKEN", SERVICE_ACCOUNT_TOKEN)
    if environ.get("KUBERNETES_SERVICE_HOST") and os.path.isfile(token_file):
        return UpstreamChoice("in-cluster", None, "auto: KUBERNETES_SERVICE_HOST and a token")
    if environ.get("KUBECONFIG"):
        return UpstreamChoice("kubeconfig", None, "auto: KUBECONFIG is set")
    default_kubeconfig = (home or Path.home()) / ".kube" / "config"
    if default_kubeconfig.is_file():
        return UpstreamChoice("kubeconfig", str(default_kubeconfig), f"auto: {default_kubeconfig}")
    return UpstreamChoice("embedded", None, "auto: no cluster found, using the embedded API")
