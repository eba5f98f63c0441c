"""v1 job submissions: ``/apis/v1/namespaces/{ns}/jobsubmissions/{cluster}[/...]``, each call
one call to the cluster's Ray dashboard Job API (``v1compat.dashboard``)."""

from __future__ import annotations

from flask import Response

from bridge.core.state import current_state
from v1compat import submissions_api
from v1compat.dashboard import Dashboard, dashboard_for
from v1compat.handlers import load_message, v2_client
from v1compat.schemas import (
    GetJobLogReplySchema,
    JobSubmissionInfoSchema,
    ListJobSubmissionInfoSchema,
    RayJobSubmissionSchema,
    SubmitRayJobReplySchema,
)
from v1compat.wire import v1_json

SUBMISSION = RayJobSubmissionSchema()
SUBMIT_REPLY = SubmitRayJobReplySchema()
SUBMISSION_INFO = JobSubmissionInfoSchema()
SUBMISSIONS = ListJobSubmissionInfoSchema()
SUBMISSION_LOG = GetJobLogReplySchema()


def _ready_dashboard(namespace: str, cluster: str, submission_id: str | None = None) -> Dashboard:
    """The dashboard of a RayCluster that exists and is ready (404/400 otherwise); an empty
    ``submission_id`` is refused first, before any upstream call (a request's own values are
    checked before lookups, as everywhere in v1)."""
    if submission_id is not None:
        submissions_api.require_submission_id(submission_id)
    client = v2_client()
    submissions_api.ready_cluster(client, namespace, cluster)
    state = current_state()
    config = state.config
    return dashboard_for(
        client,
        namespace,
        cluster,
        config.job_submission_access,
        state.upstream.mode,
        config.job_submission_timeout,
    )


def submit_job_submission(namespace: str, cluster: str) -> Response:
    submission = load_message(SUBMISSION)
    dashboard = _ready_dashboard(namespace, cluster)
    return v1_json(SUBMIT_REPLY.dump(submissions_api.submit(dashboard, submission)))


def get_job_submission(namespace: str, cluster: str, id: str) -> Response:
    dashboard = _ready_dashboard(namespace, cluster, id)
    return v1_json(SUBMISSION_INFO.dump(submissions_api.get(dashboard, id)))


def list_job_submissions(namespace: str, cluster: str) -> Response:
    dashboard = _ready_dashboard(namespace, cluster)
    return v1_json(SUBMISSIONS.dump(submissions_api.list_all(dashboard)))


def get_job_submission_log(namespace: str, cluster: str, id: str) -> Response:
    dashboard = _ready_dashboard(namespace, cluster, id)
    return v1_json(SUBMISSION_LOG.dump(submissions_api.logs(dashboard, id)))


def stop_job_submission(namespace: str, cluster: str, id: str) -> Response:
    dashboard = _ready_dashboard(namespace, cluster, id)
    submissions_api.stop(dashboard, id)
    return v1_json({})


def delete_job_submission(namespace: str, cluster: str, id: str) -> Response:
    dashboard = _ready_dashboard(namespace, cluster, id)
    submissions_api.delete(dashboard, id)
    return v1_json({})
