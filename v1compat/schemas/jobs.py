"""RayJob (proto/job.proto) and its list responses.

Field names are the proto names; the fields added to the proto later were declared in camelCase
upstream (``jobSubmitter``, ``entrypointNumCpus``...), so their proto and JSON names agree.
Declaration order is the proto's, which is the order protojson writes.
"""

from __future__ import annotations

from v1compat.schemas.base import ProtoSchema
from v1compat.schemas.clusters import ClusterSpecSchema
from v1compat.schemas.fields import Bool, Float, Int32, Map, Message, Repeated, String, Timestamp


class RayJobSubmitterSchema(ProtoSchema):
    image = String()
    cpu = String()
    memory = String()


class RayJobSchema(ProtoSchema):
    name = String()
    namespace = String()
    user = String()
    version = String()
    entrypoint = String()
    metadata = Map(String())
    runtime_env = String()
    job_id = String()
    shutdown_after_job_finishes = Bool()
    cluster_selector = Map(String())
    cluster_spec = Message(ClusterSpecSchema)
    ttl_seconds_after_finished = Int32()
    jobSubmitter = Message(RayJobSubmitterSchema)
    entrypointNumCpus = Float()
    entrypointNumGpus = Float()
    entrypointResources = String()
    activeDeadlineSeconds = Int32()
    created_at = Timestamp()
    delete_at = Timestamp()
    job_status = String()
    job_deployment_status = String()
    message = String()
    start_time = Timestamp()
    end_time = Timestamp()
    ray_cluster_name = String()


class ListRayJobsResponseSchema(ProtoSchema):
    """Also ListAllRayJobsResponse. ``jobs`` is always present (the Go server emitted ``{}``
    for an empty page); ``continue`` only when there is a next page, as before."""

    jobs = Repeated(Message(RayJobSchema), always=True)
    continue_ = String(data_key="continue")
