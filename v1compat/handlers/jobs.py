"""v1 RayJobs: ``/apis/v1/namespaces/{ns}/jobs`` and the list of all."""

from __future__ import annotations

from flask import Response, request

from v1compat import jobs_api
from v1compat.clusters_api import page_query
from v1compat.handlers import fan_out_limits, load_message, v2_client
from v1compat.schemas import ListRayJobsResponseSchema, RayJobSchema
from v1compat.wire import v1_json

JOB = RayJobSchema()
JOBS = ListRayJobsResponseSchema()


def create_job(namespace: str) -> Response:
    job = load_message(JOB)
    return v1_json(JOB.dump(jobs_api.create(v2_client(), namespace, job, fan_out_limits())))


def get_job(namespace: str, name: str) -> Response:
    return v1_json(JOB.dump(jobs_api.get(v2_client(), namespace, name)))


def list_jobs(namespace: str) -> Response:
    page = page_query(request.args)
    return v1_json(JOBS.dump(jobs_api.list_in_namespace(v2_client(), namespace, page)))


def list_all_jobs() -> Response:
    page = page_query(request.args)
    return v1_json(JOBS.dump(jobs_api.list_all(v2_client(), page)))


def delete_job(namespace: str, name: str) -> Response:
    jobs_api.delete(v2_client(), namespace, name)
    return v1_json({})
