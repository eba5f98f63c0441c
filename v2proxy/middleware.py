"""User middlewares: the Python form of the Go SDK's ``Middleware func(http.Handler) http.Handler``.

A middleware is any callable ``(request: ProxyRequest, call_next: Handler) -> ProxyResponse``.
It may change the request (path, query, headers, body) before calling ``call_next``, answer
by itself without calling it, and change the response on the way back. It sees both
dialects: requests v1compat built carry ``request.dialect == "v1"``. Middlewares come from
``create_app(middlewares=...)`` and from the ``middlewares`` setting as ``module:function``
(``module:factory()`` calls a zero-argument factory that returns the middleware); those of the
setting run first, in the order listed.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable

from v2proxy.messages import Middleware


class MiddlewareError(ValueError):
    """A ``module:function`` reference cannot be loaded; the message says which and why."""


def load_middleware(reference: str) -> Middleware:
    module_name, sep, attribute = reference.partition(":")
    call = attribute.endswith("()")
    attribute = attribute[:-2] if call else attribute
    if not sep or not module_name or not attribute:
        raise MiddlewareError(f"middleware {reference!r}: use module:function")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise MiddlewareError(f"middleware {reference!r}: cannot import {module_name}: {error}") from error
    target = module
    for part in attribute.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise MiddlewareError(f"middleware {reference!r}: {module_name} has no {attribute}") from None
    if call:
        target = target()
    if not callable(target):
        raise MiddlewareError(f"middleware {reference!r} is not callable")
    return target


def load_middlewares(references: Iterable[str]) -> list[Middleware]:
    return [load_middleware(reference) for reference in references]
