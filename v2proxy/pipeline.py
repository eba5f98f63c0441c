"""Route matching and the per-route handler chains.

A route is a method set, a path pattern over decoded segments, the built-in middlewares that
belong to it (compute templates, the events selector, the service guard) and whether plain
HTTP clients may reach it at all (``internal`` routes serve only v1compat's V2Client). The
pipeline binds each route to its chain once: built-ins first, then the user's middlewares,
then the forwarder — the order of the Go SDK, where ``NewMux`` wraps the user middleware
inside the built-in ones.

Patterns: ``{name}`` matches one segment, ``{name:a|b}`` one of the listed segments,
``{name*}`` one or more trailing segments (a trailing slash included); literals match
exactly, case-sensitively.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from bridge.kube.resources import Resource
from v2proxy.messages import (
    Handler,
    Middleware,
    ProxyRequest,
    ProxyResponse,
    chain,
    status_response,
)
from v2proxy.paths import PathRejected, canonical_segments, join_segments

BuiltIn = Callable[[Handler], Middleware]  # given the side-request handler, the middleware

READ = frozenset({"GET", "HEAD"})
ANY = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"})


def method_set(*methods: str) -> frozenset[str]:
    return frozenset(methods)


def calls(*upstream_calls: tuple[str, Resource]) -> Callable[[BuiltIn], BuiltIn]:
    """Declares the ``(verb, resource)`` calls a built-in sends upstream besides the request it
    forwards (side requests, a PATCH sent on as an update), so ``bridge.rbac`` grants them;
    e.g. ``@calls(("list", SERVICES))``."""

    def declare(build: BuiltIn) -> BuiltIn:
        build.upstream_calls = upstream_calls  # type: ignore[attr-defined]
        return build

    return declare


def plain(middleware: Middleware) -> BuiltIn:
    """A built-in that needs no side requests."""

    def build(_lookup: Handler) -> Middleware:
        return middleware

    return build


@dataclass(frozen=True)
class Route:
    name: str
    methods: frozenset[str]
    pattern: str
    built_ins: tuple[BuiltIn, ...] = ()
    internal: bool = False
    _parts: tuple[tuple[str, str, tuple[str, ...]], ...] = field(
        init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "_parts", tuple(_parse_pattern(self.pattern)))

    def match(self, segments: Sequence[str]) -> dict[str, str] | None:
        """The path parameters if ``segments`` fit the pattern, else None."""
        params: dict[str, str] = {}
        for index, (kind, name, choices) in enumerate(self._parts):
            if kind == "rest":
                rest = segments[index:]
                if not rest:
                    return None
                params[name] = "/".join(rest)
                return params
            if index >= len(segments):
                return None
            segment = segments[index]
            if kind == "literal":
                if segment != name:
                    return None
            elif segment == "" or (choices and segment not in choices):
                return None
            else:
                params[name] = segment
        return params if len(segments) == len(self._parts) else None

    @property
    def literal_prefix(self) -> str:
        """The pattern up to its first variable, e.g. ``/apis/ray.io/v1``."""
        literals: list[str] = []
        for kind, name, _ in self._parts:
            if kind != "literal":
                break
            literals.append(name)
        return "/" + "/".join(literals)

    @property
    def has_variables(self) -> bool:
        return any(kind != "literal" for kind, _, _ in self._parts)


def _parse_pattern(pattern: str) -> Iterable[tuple[str, str, tuple[str, ...]]]:
    for part in pattern.strip("/").split("/"):
        if part.startswith("{") and part.endswith("}"):
            inner = part[1:-1]
            if inner.endswith("*"):
                yield ("rest", inner[:-1], ())
            elif ":" in inner:
                name, choices = inner.split(":", 1)
                yield ("param", name, tuple(choices.split("|")))
            else:
                yield ("param", inner, ())
        else:
            yield ("literal", part, ())


@dataclass(frozen=True)
class RouteMatch:
    route: Route
    params: dict[str, str]


class NoRoute(LookupError):
    """No route serves this path (404), or none with this method (405, see ``allowed``)."""

    def __init__(self, allowed: frozenset[str] = frozenset()):
        super().__init__("method not allowed" if allowed else "not found")
        self.allowed = allowed


def resolve(
    routes: Sequence[Route], method: str, segments: Sequence[str], *, include_internal: bool
) -> RouteMatch:
    """The first route that serves ``method`` on ``segments``; NoRoute otherwise."""
    allowed: set[str] = set()
    for route in routes:
        if route.internal and not include_internal:
            continue
        params = route.match(segments)
        if params is None:
            continue
        if method in route.methods:
            return RouteMatch(route, params)
        allowed |= route.methods
    raise NoRoute(frozenset(allowed))


class Pipeline:
    """The route table bound to its handler chains; both dialects send requests through it."""

    def __init__(self, routes: Sequence[Route], forwarder: Handler, middlewares: Sequence[Middleware] = ()):
        self.routes = tuple(routes)
        self.forwarder = forwarder
        self.middlewares = tuple(middlewares)
        self._handlers: dict[Route, Handler] = {}
        for route in self.routes:
            built_ins = [build(forwarder) for build in route.built_ins]
            self._handlers[route] = chain([*built_ins, *self.middlewares], forwarder)

    def resolve(self, method: str, segments: Sequence[str], *, include_internal: bool) -> RouteMatch:
        return resolve(self.routes, method, segments, include_internal=include_internal)

    def handle(self, request: ProxyRequest, route: Route) -> ProxyResponse:
        """Run ``request`` through ``route``'s chain to the upstream."""
        request.route = request.route or route.name
        return self._handlers[route](request)

    def __call__(self, request: ProxyRequest) -> ProxyResponse:
        """Resolve ``request.path`` (internal routes included) and handle it; 404/405 Status
        for anything the table does not allow."""
        try:
            segments = canonical_segments(request.path)
            match = self.resolve(request.method, segments, include_internal=True)
        except PathRejected:
            return status_response(404, "NotFound", f"the server could not find {request.path}")
        except NoRoute as missing:
            if missing.allowed:
                return status_response(
                    405, "MethodNotAllowed", f"{request.method} is not allowed on {request.path}"
                )
            return status_response(404, "NotFound", f"the server could not find {request.path}")
        request.path = join_segments(segments)
        request.params = dict(match.params)
        request.route = match.route.name
        return self.handle(request, match.route)
