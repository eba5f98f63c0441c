"""Runs the bridge app under gunicorn (filled in by the v2 issue)."""

from __future__ import annotations

from bridge.config import BridgeConfig


def run(config: BridgeConfig) -> int:
    raise NotImplementedError("kuberay-bridge serve arrives with the v2 proxy")
