"""The v1 view functions, one module per kind; ``v1compat.routes`` puts them in its table.

A handler stays thin: load and validate the body, call the kind's orchestration module
(``v1compat.<kind>_api``), dump the answer. What every handler shares is here.
"""

from __future__ import annotations

from typing import Any

from flask import g

from bridge.core.state import current_state
from v1compat.templates_api import FanOutLimits
from v1compat.wire import load_body
from v2proxy.client import V2Client


def v2_client() -> V2Client:
    """The internal v2 client for this request (same pipeline, caller's credentials)."""
    return V2Client.from_request(dialect="v1")


def load_message(schema: Any) -> dict[str, Any]:
    """The request body as a message of ``schema``; unknown fields become ``Warning`` headers."""
    message, unknown = load_body(schema)
    g.v1_input_warnings = unknown
    return message


def fan_out_limits() -> FanOutLimits:
    """What one request may cause upstream, from the settings."""
    config = current_state().config
    return FanOutLimits(worker_groups=config.max_worker_groups, templates=config.max_compute_templates)
