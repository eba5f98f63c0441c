"""What the bridge serves, read off the route table: the one truth discovery is rewritten to.

Discovery documents name resources and verbs; the route table names methods and paths. A
verb is served when the request Kubernetes clients make for it (``list`` is a GET of the
collection, ``patch`` a PATCH of the item...) would pass the table, so adding or removing a
route changes discovery with no second list to keep in step. Internal routes (v1compat's
ConfigMaps and Namespaces) are not reachable over HTTP and count as not served, except for
``bridge.rbac``, which asks what the bridge may call upstream.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from v2proxy.paths import PathRejected, canonical_segments
from v2proxy.pipeline import NoRoute, Route, resolve

# verb -> (method, what it is sent to); a verb not listed here (``proxy``, custom verbs) is never served.
VERB_REQUESTS: dict[str, tuple[str, str]] = {
    "get": ("GET", "item"),
    "list": ("GET", "collection"),
    "watch": ("GET", "collection"),  # a list with ?watch=true
    "create": ("POST", "collection"),
    "update": ("PUT", "item"),
    "patch": ("PATCH", "item"),
    "delete": ("DELETE", "item"),
    "deletecollection": ("DELETE", "collection"),
}
# Any value fits a path variable; this one is no literal segment of the Kubernetes API.
_PLACEHOLDER = "x"


def api_prefix(api_version: str) -> str:
    """``/api/v1`` for the core API, ``/apis/GROUP/VERSION`` for the others."""
    return f"/apis/{api_version}" if "/" in api_version else f"/api/{api_version}"


class Served:
    """Answers "would the bridge pass this request?" for discovery, from ``routes``."""

    def __init__(self, routes: Sequence[Route], include_internal: bool = False):
        self.routes = tuple(routes)
        self.include_internal = include_internal
        self.serves = lru_cache(maxsize=4096)(self._serves)

    def _serves(self, method: str, path: str) -> bool:
        try:
            resolve(self.routes, method, canonical_segments(path), include_internal=self.include_internal)
        except (NoRoute, PathRejected):
            return False
        return True

    def document(self, path: str) -> bool:
        """Whether the discovery or OpenAPI document at ``path`` can be read."""
        return self.serves("GET", path)

    def verbs(self, api_version: str, plural: str, namespaced: bool, verbs: Sequence[str]) -> list[str]:
        """The ``verbs`` of a resource that the table serves, in their order.

        ``list`` and ``watch`` of a namespaced resource mean both one namespace and all
        namespaces (``kubectl get -A``), so both collections must be served."""
        prefix = api_prefix(api_version)
        collection = f"{self._scope(prefix, namespaced)}/{plural}"
        paths = {"collection": [collection], "item": [f"{collection}/{_PLACEHOLDER}"]}
        every_namespace = [collection, f"{prefix}/{plural}"] if namespaced else [collection]
        kept = []
        for verb in verbs:
            if verb not in VERB_REQUESTS:
                continue
            method, target = VERB_REQUESTS[verb]
            targets = every_namespace if verb in ("list", "watch") else paths[target]
            if all(self.serves(method, path) for path in targets):
                kept.append(verb)
        return kept

    def subresource_verbs(
        self, api_version: str, plural: str, subresource: str, namespaced: bool, verbs: Sequence[str]
    ) -> list[str]:
        """The ``verbs`` of ``plural/subresource`` that the table serves (all act on one item)."""
        scope = self._scope(api_prefix(api_version), namespaced)
        path = f"{scope}/{plural}/{_PLACEHOLDER}/{subresource}"
        return [verb for verb in verbs if verb in VERB_REQUESTS and self.serves(VERB_REQUESTS[verb][0], path)]

    @staticmethod
    def _scope(prefix: str, namespaced: bool) -> str:
        return f"{prefix}/namespaces/{_PLACEHOLDER}" if namespaced else prefix
