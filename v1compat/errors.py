"""v1 errors: the ``{"code": <gRPC code>, "message": "..."}`` bodies of the Go server.

The Go server returned gRPC statuses through grpc-gateway, so a v1 error is a gRPC code with
an HTTP status derived from it (grpc-gateway's HTTPStatusFromCode).
"""

from __future__ import annotations

from enum import IntEnum


class Code(IntEnum):
    OK = 0
    CANCELED = 1
    UNKNOWN = 2
    INVALID_ARGUMENT = 3
    DEADLINE_EXCEEDED = 4
    NOT_FOUND = 5
    ALREADY_EXISTS = 6
    PERMISSION_DENIED = 7
    RESOURCE_EXHAUSTED = 8
    FAILED_PRECONDITION = 9
    ABORTED = 10
    OUT_OF_RANGE = 11
    UNIMPLEMENTED = 12
    INTERNAL = 13
    UNAVAILABLE = 14
    DATA_LOSS = 15
    UNAUTHENTICATED = 16


HTTP_STATUS = {
    Code.OK: 200,
    Code.CANCELED: 499,
    Code.UNKNOWN: 500,
    Code.INVALID_ARGUMENT: 400,
    Code.DEADLINE_EXCEEDED: 504,
    Code.NOT_FOUND: 404,
    Code.ALREADY_EXISTS: 409,
    Code.PERMISSION_DENIED: 403,
    Code.RESOURCE_EXHAUSTED: 429,
    Code.FAILED_PRECONDITION: 400,
    Code.ABORTED: 409,
    Code.OUT_OF_RANGE: 400,
    Code.UNIMPLEMENTED: 501,
    Code.INTERNAL: 500,
    Code.UNAVAILABLE: 503,
    Code.DATA_LOSS: 500,
    Code.UNAUTHENTICATED: 401,
}

# An HTTP status (Kubernetes' answer, or the bridge's own error on a v1 path) -> the gRPC code a
# v1 client sees. The Go server answered code 2 (Unknown, HTTP 500) for every Kubernetes error
# it did not classify; the bridge keeps 500 for server-side failures but gives client mistakes
# and permission problems their own code. A status not listed is the caller's to default.
HTTP_TO_CODE = {
    400: Code.INVALID_ARGUMENT,
    401: Code.UNAUTHENTICATED,
    403: Code.PERMISSION_DENIED,
    404: Code.NOT_FOUND,
    408: Code.DEADLINE_EXCEEDED,
    409: Code.ALREADY_EXISTS,
    410: Code.FAILED_PRECONDITION,
    413: Code.RESOURCE_EXHAUSTED,
    415: Code.INVALID_ARGUMENT,
    422: Code.INVALID_ARGUMENT,
    429: Code.RESOURCE_EXHAUSTED,
    502: Code.UNAVAILABLE,
    503: Code.UNAVAILABLE,
    504: Code.DEADLINE_EXCEEDED,
}


class V1Error(Exception):
    """An error a v1 client sees as ``{"code": code, "message": message}``."""

    def __init__(self, code: Code, message: str):
        super().__init__(message)
        self.code = Code(code)
        self.message = message

    @property
    def http_status(self) -> int:
        return HTTP_STATUS[self.code]

    def body(self) -> dict:
        return {"code": int(self.code), "message": self.message}


def invalid_input(message: str, *context: str) -> V1Error:
    """The Go server's NewInvalidInputError wrapped by ``context`` (outermost first).

    Go composes ``<external>: <wrap 1>: ...: Invalid input error: <external>``.
    """
    chain = [message, *context, f"Invalid input error: {message}"]
    return V1Error(Code.INVALID_ARGUMENT, ": ".join(chain))


def invalid_input_with_details(message: str, cause: str, *context: str) -> V1Error:
    """NewInvalidInputErrorWithDetails: ``<msg>: <wraps>: InvalidInputError: <msg>: <cause>``."""
    chain = [message, *context, f"InvalidInputError: {message}: {cause}"]
    return V1Error(Code.INVALID_ARGUMENT, ": ".join(chain))


def not_found(message: str, k8s_text: str, *context: str) -> V1Error:
    """NewNotFoundError: ``<msg>: <wraps>: NotFoundError: <msg>: <K8s error text>``."""
    chain = [message, *context, f"NotFoundError: {message}: {k8s_text}"]
    return V1Error(Code.NOT_FOUND, ": ".join(chain))


def already_exists(message: str, *context: str) -> V1Error:
    chain = [message, *context, f"Already exist error: {message}"]
    return V1Error(Code.ALREADY_EXISTS, ": ".join(chain))


def internal(internal_message: str, cause: str, *context: str) -> V1Error:
    """NewInternalServerError: the client sees ``Internal Server Error: <wraps>: ...``."""
    chain = ["Internal Server Error", *context, f"InternalServerError: {internal_message}: {cause}"]
    return V1Error(Code.INTERNAL, ": ".join(chain))


ROUTE_NOT_FOUND = V1Error(Code.NOT_FOUND, "Not Found")
METHOD_NOT_ALLOWED = V1Error(Code.UNIMPLEMENTED, "Method Not Allowed")
