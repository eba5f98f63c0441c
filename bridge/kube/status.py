"""The ``Status`` object the Kubernetes API answers an error with (``metav1.Status``).

Every server of the project builds its error bodies here: the bridge for its own errors on v2
paths, health and gunicorn's early errors, and the embedded API for everything it refuses.
Clients (kubectl, client-go, the Python client) decode this body into their error; its
``reason`` is what they branch on (``IsNotFound``, ``IsAlreadyExists``, ``IsConflict``...).
"""

from __future__ import annotations

from typing import Any

# StatusReason for each HTTP code, as apimachinery spells it (metav1.StatusReason*); a code
# with several reasons (409: Conflict or AlreadyExists, 410: Gone or Expired) maps to the
# general one and the caller names the other.
REASONS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    408: "Timeout",
    409: "Conflict",
    410: "Gone",
    413: "RequestEntityTooLarge",
    415: "UnsupportedMediaType",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
    502: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
    508: "LoopDetected",
}


def reason_for(code: int) -> str:
    """The reason of ``code``; ``Unknown`` for another client error, ``InternalError`` for
    another server error."""
    return REASONS.get(code, "Unknown" if code < 500 else "InternalError")


def failure(
    code: int, message: str, reason: str | None = None, details: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    """A ``Status`` of ``Failure``, its fields in the order Go writes them (``details`` before
    ``code``); ``extra`` fields (not part of metav1.Status) follow."""
    body: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason_for(code) if reason is None else reason,
    }
    if details is not None:
        body["details"] = details
    body["code"] = code
    body.update(extra)
    return body
