"""Job submissions over v1: each call checks the RayCluster (it must exist, be managed by the
v1 API and be ready, as in Go), then makes one call to the cluster's Ray dashboard Job API
(``v1compat.dashboard``) and reads its answer back with the pure converters.

Deliberate differences from the Go server (MIGRATION.md lists them):
- a cluster that is not ready is 400 FailedPrecondition (Go: 500 ``cluster is not ready``);
- a job the dashboard does not know is 404 NotFound, with Go's message (Go: 500), also on
  stop and delete (Go ignored every answer to a delete);
- a dashboard that cannot be reached is 503 Unavailable, one that does not answer within
  ``job_submission_timeout`` 504 DeadlineExceeded (Go: 500 after 2 s);
- a submission id already used is 409 AlreadyExists (Go: 500, same message);
- a runtime environment that is not a YAML mapping, or a resource amount that is not a number,
  is 400 (Go: 500, or a crash for any resource); an empty submission id is 400;
- the list of a dashboard that answers 404 is empty (Go: crash).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from v1compat import convert, managed
from v1compat.clusters_api import CLUSTERS, GET_FAILED
from v1compat.dashboard import Dashboard, DashboardAnswer, DashboardUnreachable, jobs_path
from v1compat.errors import (
    HTTP_TO_CODE,
    Code,
    V1Error,
    already_exists,
    invalid_input,
    invalid_input_with_details,
)
from v1compat.managed import V2Calls
from v1compat.validation import require_cluster_name

SUBMIT_FAILED = "Failed to submit a Ray job"
SUBMISSION_ID_EMPTY = "Submission id is empty. Please specify a valid value."
TERMINAL = frozenset({"STOPPED", "SUCCEEDED", "FAILED"})
_DUPLICATE = "Please use a different submission_id"


def ready_cluster(client: V2Calls, namespace: str, cluster: str) -> dict[str, Any]:
    """The RayCluster the submission calls go to: Go's Get cluster checks and errors (empty
    name 400, missing or unmanaged 404), then its readiness."""
    require_cluster_name(namespace, cluster)
    raycluster = managed.fetch(client, CLUSTERS, namespace, cluster, GET_FAILED)
    state = str((raycluster.get("status") or {}).get("state") or "")
    if state.lower() != "ready":
        shown = f'state "{state}"' if state else "no state yet"
        raise V1Error(
            Code.FAILED_PRECONDITION,
            f'cluster is not ready: RayCluster "{cluster}" in namespace "{namespace}" has {shown}; '
            'job submissions need state "ready"',
        )
    return raycluster


def submit(dashboard: Dashboard, submission: dict[str, Any]) -> dict[str, Any]:
    """POST /api/jobs/ once; the reply names the submission id the dashboard chose."""
    try:
        request = convert.submission_to_job_request(submission)
    except convert.ConversionError as error:
        raise invalid_input_with_details(SUBMIT_FAILED, str(error)) from None
    answer = _call(dashboard, "POST", jobs_path(), request)
    if not answer.ok:
        if _DUPLICATE in answer.text():
            sid = request.get("submission_id", "")
            raise already_exists(f"submission ID '{sid}' already used, {_DUPLICATE}")
        raise _failed("SubmitJob fail", answer)
    return convert.submit_reply_from_dashboard(_object(answer, "SubmitJob"))


def get(dashboard: Dashboard, submission_id: str) -> dict[str, Any]:
    require_submission_id(submission_id)
    return convert.job_info_from_dashboard(_job(dashboard, submission_id))


def list_all(dashboard: Dashboard) -> dict[str, Any]:
    answer = _call(dashboard, "GET", jobs_path())
    if answer.status == 404:
        return {"submissions": []}
    if not answer.ok:
        raise _failed("ListJobs fail", answer)
    jobs = _json(answer, "ListJobs")
    if not isinstance(jobs, list) or not all(isinstance(job, dict) for job in jobs):
        raise _not_understood("ListJobs", answer)
    return {"submissions": [convert.job_info_from_dashboard(job) for job in jobs]}


def logs(dashboard: Dashboard, submission_id: str) -> dict[str, Any]:
    require_submission_id(submission_id)
    answer = _call(dashboard, "GET", jobs_path(submission_id, "logs"))
    if answer.status == 404:
        raise V1Error(Code.NOT_FOUND, f'JobSubmission.RayJob "{submission_id}" not found')
    if not answer.ok:
        raise _failed("GetJobLog fail", answer)
    return convert.job_log_from_dashboard(_object(answer, "GetJobLog"))


def stop(dashboard: Dashboard, submission_id: str) -> None:
    """POST .../stop once; a job the dashboard did not stop because it had already ended
    counts as stopped (Go's rule), any other is an error."""
    require_submission_id(submission_id)
    answer = _call(dashboard, "POST", jobs_path(submission_id, "stop"))
    if answer.status == 404:
        raise _job_not_found(submission_id)
    if not answer.ok:
        raise _failed("StopJob fail", answer)
    if _object(answer, "StopJob").get("stopped") is True:
        return
    status = convert.job_info_from_dashboard(_job(dashboard, submission_id))["status"]
    if status not in TERMINAL:
        raise V1Error(Code.UNKNOWN, f"failed to stop job: job {submission_id} is {status or 'in no state'}")


def delete(dashboard: Dashboard, submission_id: str) -> None:
    require_submission_id(submission_id)
    answer = _call(dashboard, "DELETE", jobs_path(submission_id))
    if answer.status == 404:
        raise _job_not_found(submission_id)
    if not answer.ok:
        raise _failed("DeleteJob fail", answer)


# --- reading the dashboard's answers ----------------------------------------------------------


def require_submission_id(submission_id: str) -> None:
    if not submission_id:
        raise invalid_input(SUBMISSION_ID_EMPTY)


def _job(dashboard: Dashboard, submission_id: str) -> dict[str, Any]:
    answer = _call(dashboard, "GET", jobs_path(submission_id))
    if answer.status == 404:
        raise _job_not_found(submission_id)
    if not answer.ok:
        raise _failed("GetJobInfo fail", answer)
    return _object(answer, "GetJobInfo")


def _job_not_found(submission_id: str) -> V1Error:
    return V1Error(Code.NOT_FOUND, f"Job {submission_id} does not exist on the cluster")


def _call(dashboard: Dashboard, method: str, path: str, body: Any = None) -> DashboardAnswer:
    try:
        return dashboard.call(method, path, body)
    except DashboardUnreachable as error:
        raise V1Error(error.code, error.message) from None


def _failed(what: str, answer: DashboardAnswer) -> V1Error:
    """Go's ``<what>: <status> <body>``; the code follows the dashboard's status (its 400 is
    the request's fault, its 500 the server's)."""
    reason = answer.reason or _phrase(answer.status)
    code = HTTP_TO_CODE.get(answer.status, Code.UNKNOWN)
    return V1Error(code, f"{what}: {answer.status} {reason} {answer.text()}".rstrip())


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _json(answer: DashboardAnswer, what: str) -> Any:
    try:
        return answer.json()
    except ValueError:
        raise _not_understood(what, answer) from None


def _object(answer: DashboardAnswer, what: str) -> dict[str, Any]:
    body = _json(answer, what)
    if not isinstance(body, dict):
        raise _not_understood(what, answer)
    return body


def _not_understood(what: str, answer: DashboardAnswer) -> V1Error:
    return V1Error(
        Code.UNKNOWN,
        f"{what}: the Ray dashboard answered HTTP {answer.status} with a body that is not "
        f"its Job API's JSON: {answer.text(200)!r}",
    )
