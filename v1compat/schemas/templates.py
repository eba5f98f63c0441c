"""ComputeTemplate (proto/config.proto) and its list responses."""

from __future__ import annotations

from v1compat.schemas.base import ProtoSchema
from v1compat.schemas.fields import Map, Message, Repeated, String, UInt32


class PodTolerationSchema(ProtoSchema):
    key = String()
    operator = String()
    value = String()
    effect = String()


class ComputeTemplateSchema(ProtoSchema):
    name = String()
    namespace = String()
    cpu = UInt32()
    memory = UInt32()
    gpu = UInt32()
    gpu_accelerator = String()
    tolerations = Repeated(Message(PodTolerationSchema))
    extended_resources = Map(UInt32())
    memory_unit = String()


class ListComputeTemplatesResponseSchema(ProtoSchema):
    """Also ListAllComputeTemplatesResponse (same shape). The list key is always present:
    the Go server emitted ``{}`` for no templates, which breaks clients indexing the key."""

    compute_templates = Repeated(Message(ComputeTemplateSchema), always=True)
