"""What every request handler of the embedded API works on."""

from __future__ import annotations

from dataclasses import dataclass

from bridge.embedded.schema import SchemaRegistry
from bridge.embedded.store import Store


@dataclass(frozen=True)
class ApiState:
    """The store, the CRD schemas and how often a watch that asked for bookmarks gets one.

    Handlers are plain functions of ``(state, request, target)`` rather than methods, so that
    each activity (create, read, update, delete, watch) lives in its own module.
    """

    store: Store
    schemas: SchemaRegistry
    bookmark_interval: float = 10.0
