"""What the app's requests share (config, upstream, pipeline, probes), and where it is kept.

The composition root (``bridge.app``) builds one ``BridgeState`` per app and stores it with
``init_app``; every module below it (v2 routes, V2Client, v1 wire, health) reads it through
``current_state()``, so none of them imports the app factory or spells the extension key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import Flask, current_app

if TYPE_CHECKING:  # types only: the pipeline and forwarder belong to the v2 surface above
    from bridge.core.auth import TokenFile
    from bridge.core.config import BridgeConfig
    from bridge.core.health import ReadinessProbe
    from bridge.core.hops import HopGuard
    from bridge.core.upstream import Upstream
    from v2proxy.forwarder import Forwarder
    from v2proxy.pipeline import Pipeline

EXTENSION = "kuberay_bridge"


@dataclass
class BridgeState:
    """What the app's requests share; kept in ``app.extensions["kuberay_bridge"]``."""

    config: BridgeConfig
    upstream: Upstream
    forwarder: Forwarder
    pipeline: Pipeline
    readiness: ReadinessProbe
    tokens: TokenFile | None
    hops: HopGuard

    def init_app(self, app: Flask) -> None:
        app.extensions[EXTENSION] = self


def current_state() -> BridgeState:
    """The current app's ``BridgeState``."""
    return current_app.extensions[EXTENSION]


def current_state_or_none() -> BridgeState | None:
    """Like ``current_state``, for code that also runs in a bare Flask app (tests of a blueprint)."""
    return current_app.extensions.get(EXTENSION)
