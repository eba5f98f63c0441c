"""Marshmallow schemas for the v1 messages (protojson in, protojson out)."""

from v1compat.schemas.base import BodyError, InputReport, read_message
from v1compat.schemas.clusters import ClusterSchema, ListClustersResponseSchema
from v1compat.schemas.common import EmptySchema, StatusSchema
from v1compat.schemas.jobs import ListRayJobsResponseSchema, RayJobSchema
from v1compat.schemas.services import ListRayServicesResponseSchema, RayServiceSchema
from v1compat.schemas.submissions import (
    GetJobLogReplySchema,
    JobSubmissionInfoSchema,
    ListJobSubmissionInfoSchema,
    RayJobSubmissionSchema,
    SubmitRayJobReplySchema,
)
from v1compat.schemas.templates import (
    ComputeTemplateSchema,
    ListComputeTemplatesResponseSchema,
)

__all__ = [
    "BodyError",
    "ClusterSchema",
    "ComputeTemplateSchema",
    "GetJobLogReplySchema",
    "EmptySchema",
    "InputReport",
    "JobSubmissionInfoSchema",
    "ListClustersResponseSchema",
    "ListRayJobsResponseSchema",
    "ListRayServicesResponseSchema",
    "RayServiceSchema",
    "ListComputeTemplatesResponseSchema",
    "RayJobSchema",
    "ListJobSubmissionInfoSchema",
    "RayJobSubmissionSchema",
    "SubmitRayJobReplySchema",
    "StatusSchema",
    "read_message",
]
