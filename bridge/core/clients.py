"""Who is calling: the names a caller goes by, for the v1 stage exceptions and usage metrics.

A caller is known by the product token of its ``User-Agent`` (``python-requests/2.32.3`` ->
``python-requests``, ``kubectl/v1.32.0 (linux/amd64) kubernetes/abc`` -> ``kubectl``) and,
when the auth layer established one, by its identity (``g.caller_identity``). Versions,
comments and tokens are never part of a name: they would split one client into many series
and could leak secrets into metrics.
"""

from __future__ import annotations

import re

from flask import g, request

from bridge.core.state import current_state_or_none

UNKNOWN_CLIENT = "unknown"
_PRODUCT = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}")


def product_token(user_agent: str | None) -> str:
    """The first product name of a User-Agent (RFC 9110 §10.1.5), or ``unknown``."""
    first = (user_agent or "").strip().split(" ", 1)[0].split("/", 1)[0]
    return first if _PRODUCT.fullmatch(first) else UNKNOWN_CLIENT


def caller_identity() -> str | None:
    """The authenticated identity of this request, when the auth layer set one."""
    identity = getattr(g, "caller_identity", None)
    return str(identity) if identity else None


def caller_names() -> list[str]:
    """Every name this request's caller goes by: identity first, then the product token.

    A product token that is the name of an identity (a token holder's name in ``token`` mode)
    does not count: anyone can send any ``User-Agent``, so only the holder of that identity's
    token goes by its name, and an exception granted to an identity stays its own.
    """
    product = product_token(request.headers.get("User-Agent"))
    names = [] if product in _identity_names() else [product]
    identity = caller_identity()
    return [identity, *names] if identity else names


def _identity_names() -> frozenset[str]:
    state = current_state_or_none()
    if state is None or state.tokens is None or state.config.auth_mode != "token":
        return frozenset()
    return state.tokens.names()
