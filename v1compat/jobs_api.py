"""RayJobs over v1: each call becomes RayJob (and compute-template ConfigMap) calls through the
V2 pipeline, built and read back by ``v1compat.convert.job``.

The flows are the shared ones of ``v1compat.managed`` (fetch, list, delete of managed objects)
and the template lookup of ``v1compat.templates_api``; only the Go texts are the job server's.

Deliberate differences from the Go server (MIGRATION.md lists them):
- a duplicate job is 409 AlreadyExists (Go: 500);
- a job naming a missing compute template is 404 NotFound with the Go message (Go: 500);
- a RayJob without ``app.kubernetes.io/managed-by=kuberay-apiserver`` is 404 on get and delete
  (Go: 500), and Kubernetes validation failures on create are 400 (Go: 500);
- ``entrypointNumGpus`` reaches the RayJob (Go dropped it);
- the create and template-lookup messages name the job (Go printed its usually empty ``jobId``).
"""

from __future__ import annotations

from typing import Any

from bridge.kube.resources import RAYJOBS
from v1compat import convert, managed, templates_api
from v1compat.clusters_api import PageQuery
from v1compat.convert.constants import MANAGED_BY, MANAGED_BY_SELECTOR
from v1compat.errors import already_exists
from v1compat.managed import ManagedKind, V2Calls
from v1compat.templates_api import DEFAULT_FAN_OUT, FanOutLimits
from v1compat.validation import require_job_name, require_job_namespace, validate_create_job
from v1compat.wire import write_failure

CREATE_FAILED = "Create Job failed."
BUILD_FAILED = "Failed to create a Ray Job"
GET_FAILED = "Get cluster failed."  # sic: the Go job server's text
DELETE_LOOKUP_FAILED = "Get job failure"
LIST_FAILED = "List jobs failed."

JOBS = ManagedKind(
    noun="Job",
    path=RAYJOBS.get_url,
    selector=MANAGED_BY_SELECTOR,
    owns=convert.is_managed,
    not_owned=lambda name: f"RayJob with name {name} not managed by {MANAGED_BY}",
    get_failed="Get Job failed",
    delete_failed=lambda name: f"Failed to delete cluster {name}.",  # sic
)


# --- create -----------------------------------------------------------------------------------


def create(
    client: V2Calls, namespace: str, job: dict[str, Any], limits: FanOutLimits = DEFAULT_FAN_OUT
) -> dict[str, Any]:
    validate_create_job(namespace, job)
    job = {**job, "namespace": namespace}
    name = job["name"]
    names = convert.required_job_templates(job)
    templates = templates_api.resolve(client, namespace, job, names, limits, CREATE_FAILED)
    rayjob = build_rayjob(job, namespace, templates)
    created = client.create(RAYJOBS.get_url(namespace), rayjob)
    if created.status == 409:
        raise already_exists(f"Job {name} already exists in namespace {namespace}", CREATE_FAILED)
    if not created.ok:
        raise write_failure(
            created.status,
            created.body,
            f"Failed to create a job for ({namespace}/{name})",
            CREATE_FAILED,
        )
    return convert.rayjob_to_job(created.body)


def build_rayjob(job: dict[str, Any], namespace: str, templates: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The RayJob for a validated v1 RayJob; a conversion error becomes the Go server's 400
    ``Failed to create a Ray Job`` with its cause."""
    with managed.building(namespace, BUILD_FAILED, CREATE_FAILED):
        return convert.job_to_rayjob(job, namespace, templates)


# --- read -------------------------------------------------------------------------------------


def get(client: V2Calls, namespace: str, name: str) -> dict[str, Any]:
    require_job_name(namespace, name)
    rayjob = managed.fetch(client, JOBS, namespace, name, GET_FAILED)
    _warn_unshown([rayjob])
    return convert.rayjob_to_job(rayjob)


def _warn_unshown(rayjobs: list[dict[str, Any]]) -> None:
    managed.warn_unshown("RayJob", RAYJOBS.get_url, rayjobs, convert.unshown_job_spec_fields)


def list_in_namespace(client: V2Calls, namespace: str, page: PageQuery) -> dict[str, Any]:
    require_job_namespace(namespace)
    return _list(client, namespace, page)


def list_all(client: V2Calls, page: PageQuery) -> dict[str, Any]:
    return _list(client, None, page)


def _list(client: V2Calls, namespace: str | None, page: PageQuery) -> dict[str, Any]:
    listing = (
        f"List RayCluster failed in {namespace or ''} with Limit {page.limit} "
        f"and ContinueToken {page.continue_token}"  # sic: the Go job server's text
    )
    items, next_page = managed.list_items(
        client, JOBS, namespace, LIST_FAILED, listing, query=page.as_query()
    )
    _warn_unshown(items)
    return {"jobs": managed.convert_each(items, convert.rayjob_to_job), "continue_": next_page}


# --- delete -----------------------------------------------------------------------------------


def delete(client: V2Calls, namespace: str, name: str) -> None:
    require_job_name(namespace, name)
    managed.delete(client, JOBS, namespace, name, DELETE_LOOKUP_FAILED)
