"""Pages of a list: ``limit``, opaque ``continue`` tokens and ``remainingItemCount``.

The token is apiserver-shaped (base64 of ``{"v":"meta.k8s.io/v1","rv":N,"start":KEY}``) and
names the last object served. The next page reads the current state after that object, so
unlike etcd it is not a snapshot at ``rv``; a token older than the watch ring (or from
before a restart) is 410 Expired, as a compacted token is in Kubernetes.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from bridge.embedded.errors import bad_request, expired

CONTINUE_TOO_OLD = (
    "The provided continue parameter is too old to display a consistent list result. You can "
    "start a new list without the continue parameter, or use the continue token in this response "
    "to retrieve the remainder of the results. Continuing with the provided token results in an "
    "inconsistent list - objects that were created, modified, or deleted between the time the "
    "first chunk was returned and now may show up in the list."
)

Key = tuple[str, str]  # (namespace, name): the order lists are served in


def key_of(obj: dict) -> Key:
    meta = obj["metadata"]
    return meta.get("namespace", ""), meta["name"]


def encode_continue(rv: int, after: Key) -> str:
    token = {"v": "meta.k8s.io/v1", "rv": rv, "start": f"{after[0]}/{after[1]}\x00"}
    return base64.urlsafe_b64encode(json.dumps(token, separators=(",", ":")).encode()).decode()


def decode_continue(token: str, compacted: int) -> tuple[int, Key]:
    """(resourceVersion of the first page, key of the last object served)."""
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.b64decode(padded.encode(), altchars=b"-_", validate=True))
        start = data["start"]
        if (
            data.get("v") != "meta.k8s.io/v1"
            or not isinstance(data.get("rv"), int)
            or not isinstance(start, str)
            or "/" not in start
        ):
            raise ValueError("unsupported continue token version or content")
    except (ValueError, binascii.Error, AttributeError, KeyError, TypeError) as exc:
        raise bad_request(f"invalid continue token: {exc}") from None
    if data["rv"] < compacted:
        raise expired(CONTINUE_TOO_OLD)
    namespace, _, name = start.rstrip("\x00").partition("/")
    return data["rv"], (namespace, name)


def page(items: list[dict], rv: int, limit: int, *, counted: bool) -> tuple[list[dict], dict[str, Any]]:
    """The first ``limit`` items (0: all) and the list metadata that goes with them.

    ``counted`` is False when selectors filtered the list: Kubernetes then omits
    ``remainingItemCount``, because it would have to read everything to know it.
    """
    metadata: dict[str, Any] = {"resourceVersion": str(rv)}
    if limit and len(items) > limit:
        metadata["continue"] = encode_continue(rv, key_of(items[limit - 1]))
        if counted:
            metadata["remainingItemCount"] = len(items) - limit
        items = items[:limit]
    return items, metadata
