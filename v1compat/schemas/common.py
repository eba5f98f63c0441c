"""The messages every v1 service shares: ``google.protobuf.Empty`` (the answer of deletes) and
``google.rpc.Status`` (every error body, ``{"code": 5, "message": "..."}``; ``details`` is
always empty, so never written)."""

from __future__ import annotations

from v1compat.schemas.base import ProtoSchema
from v1compat.schemas.fields import Int32, String


class EmptySchema(ProtoSchema):
    """google.protobuf.Empty: ``{}``."""


class StatusSchema(ProtoSchema):
    """google.rpc.Status as grpc-gateway's error handler wrote it: the gRPC code and message."""

    code = Int32()
    message = String()
