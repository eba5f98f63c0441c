"""RayService (proto/serve.proto), its status, and the list responses.

The cluster inside a service is the cluster's ``ClusterSpec``; a service event has the fields
of a cluster event. ``serve_config_V2`` keeps its odd proto name: protoc derives
``serveConfigV2`` from it, and clients send either.
"""

from __future__ import annotations

from v1compat.schemas.base import ProtoSchema
from v1compat.schemas.clusters import ClusterEventSchema, ClusterSpecSchema
from v1compat.schemas.fields import Int32, Map, Message, Repeated, String, Timestamp


class RayServiceEventSchema(ClusterEventSchema):
    """RayServiceEvent: the same fields as ClusterEvent."""


class ServeDeploymentStatusSchema(ProtoSchema):
    deployment_name = String()
    status = String()
    message = String()


class ServeApplicationStatusSchema(ProtoSchema):
    name = String()
    status = String()
    message = String()
    serve_deployment_status = Repeated(Message(ServeDeploymentStatusSchema))


class RayServiceStatusSchema(ProtoSchema):
    """Output only. ``application_status``, ``application_message`` and the top-level
    ``serve_deployment_status`` are deprecated and never filled, as in the Go server."""

    application_status = String()
    application_message = String()
    serve_deployment_status = Repeated(Message(ServeDeploymentStatusSchema))
    ray_service_events = Repeated(Message(RayServiceEventSchema))
    ray_cluster_name = String()
    ray_cluster_state = String()
    service_endpoint = Map(String())
    serve_application_status = Repeated(Message(ServeApplicationStatusSchema))


class RayServiceSchema(ProtoSchema):
    name = String()
    namespace = String()
    user = String()
    version = String()
    serve_config_V2 = String()
    service_unhealthy_second_threshold = Int32()
    deployment_unhealthy_second_threshold = Int32()
    cluster_spec = Message(ClusterSpecSchema)
    ray_service_status = Message(RayServiceStatusSchema)
    created_at = Timestamp()
    delete_at = Timestamp()


class ListRayServicesResponseSchema(ProtoSchema):
    """Also ListAllRayServicesResponse. ``services`` is always present (the Go server emitted
    ``{}`` for an empty page); ``nextPageToken`` only when there is a next page; ``totalSize``
    is declared but, as before, never set."""

    services = Repeated(Message(RayServiceSchema), always=True)
    total_size = Int32()
    next_page_token = String()
