"""Where the app keeps what its requests share (config, pipeline, upstream).

``bridge.app`` builds the state; the modules below it (v2 routes, V2Client, v1 wire, health)
read it through here, so none of them has to import the app factory or spell the key.
"""

from __future__ import annotations

from typing import Any

from flask import current_app

EXTENSION = "kuberay_bridge"


def current_state() -> Any:
    """The current app's ``BridgeState`` (typed ``Any``: its class lives in ``bridge.app``)."""
    return current_app.extensions[EXTENSION]


def current_state_or_none() -> Any | None:
    """Like ``current_state``, for code that also runs in a bare Flask app (tests of a blueprint)."""
    return current_app.extensions.get(EXTENSION)
