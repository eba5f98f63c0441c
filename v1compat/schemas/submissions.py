"""RayJobSubmission and its replies (proto/job_submission.proto)."""

from __future__ import annotations

from v1compat.schemas.base import ProtoSchema
from v1compat.schemas.fields import Float, Map, Message, Repeated, String, UInt64


class RayJobSubmissionSchema(ProtoSchema):
    entrypoint = String()
    submission_id = String()
    metadata = Map(String())
    runtime_env = String()  # a YAML document
    entrypoint_num_cpus = Float()
    entrypoint_num_gpus = Float()
    entrypoint_resources = Map(String())


class SubmitRayJobReplySchema(ProtoSchema):
    submission_id = String()


class JobSubmissionInfoSchema(ProtoSchema):
    entrypoint = String()
    job_id = String()
    submission_id = String()
    status = String()
    message = String()
    error_type = String()
    start_time = UInt64()
    end_time = UInt64()
    metadata = Map(String())
    runtime_env = Map(String())


class ListJobSubmissionInfoSchema(ProtoSchema):
    """The list key is always present: Go emitted ``{}`` for no submissions, and KubeRay's
    Python client reads a missing key as an empty list anyway."""

    submissions = Repeated(Message(JobSubmissionInfoSchema), always=True)


class GetJobLogReplySchema(ProtoSchema):
    log = String()
