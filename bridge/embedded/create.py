"""POST to a collection: a new object."""

from __future__ import annotations

from werkzeug.wrappers import Request, Response

from bridge.embedded import admission, objects, params
from bridge.embedded.errors import ApiError, already_exists
from bridge.embedded.presentation import object_answer, present
from bridge.embedded.routing import Target
from bridge.embedded.state import ApiState

GENERATE_NAME_RETRIES = 7


def create(state: ApiState, request: Request, target: Target) -> Response:
    resource, stored_as = target.resource, admission.storage_resource(target.resource)
    dry_run = params.dry_run(request)
    body = admission.incoming(resource, admission.request_object(request))
    generated = not (body.get("metadata") or {}).get("name")
    # A generated name that is taken is drawn again, as Kubernetes does (RetryGenerateName).
    for retries_left in reversed(range(GENERATE_NAME_RETRIES + 1)):
        prepared = objects.prepare_create(stored_as, body, target.namespace or "")
        prepared, warnings = admission.admit(state.schemas, request, resource, prepared)
        name = prepared["metadata"]["name"]

        def change(current: dict | None, name: str = name, prepared: dict = prepared) -> dict:
            if current is not None:
                raise already_exists(resource.plural, resource.group, name)
            admission.require_namespace(state.store, target.namespace or "")
            return admission.allocate(state.store, prepared)

        try:
            _, created = state.store.write(
                stored_as.storage_key, target.namespace or "", name, change, dry_run=dry_run
            )
            break
        except ApiError as error:
            if error.reason != "AlreadyExists" or not generated or not retries_left:
                raise
    assert created is not None
    return object_answer(state.schemas, request, resource, present(resource)(created), 201, warnings)
