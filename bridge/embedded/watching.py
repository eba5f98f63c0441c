"""GET with ``?watch=true``: the request side of a watch; ``watch.py`` streams the events."""

from __future__ import annotations

import dataclasses

from werkzeug.wrappers import Request, Response

from bridge.embedded import params, watch
from bridge.embedded.presentation import TABLE_CONTENT_TYPE, present, wants_table
from bridge.embedded.routing import Target
from bridge.embedded.state import ApiState
from bridge.embedded.table import as_table


def watch_objects(state: ApiState, request: Request, target: Target) -> Response:
    """A watch of a collection, or of one object (its name is a selector), as JSON lines or,
    for ``kubectl get --watch``, as Table rows."""
    resource = target.resource
    spec = params.watch_spec(request, target, present(resource), state.bookmark_interval)
    content_type = "application/json"
    if wants_table(request):
        columns = state.schemas.printer_columns(resource)
        spec = dataclasses.replace(spec, render=lambda obj: as_table(resource, [obj], columns))
        content_type = TABLE_CONTENT_TYPE
    sock = request.environ.get("werkzeug.socket")
    return Response(watch.stream(state.store, spec, sock), content_type=content_type, direct_passthrough=True)
