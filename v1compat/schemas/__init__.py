"""Marshmallow schemas for the v1 messages (protojson in, protojson out)."""

from v1compat.schemas.base import BodyError, InputReport, read_message
from v1compat.schemas.clusters import ClusterSchema, ListClustersResponseSchema
from v1compat.schemas.common import EmptySchema, StatusSchema
from v1compat.schemas.templates import (
    ComputeTemplateSchema,
    ListComputeTemplatesResponseSchema,
)

__all__ = [
    "BodyError",
    "ClusterSchema",
    "ComputeTemplateSchema",
    "EmptySchema",
    "InputReport",
    "ListClustersResponseSchema",
    "ListComputeTemplatesResponseSchema",
    "StatusSchema",
    "read_message",
]
