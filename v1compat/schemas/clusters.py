"""Cluster (proto/cluster.proto) and everything inside it, plus the list responses.

Field names are the proto names; a few proto fields were declared in camelCase upstream
(``enableInTreeAutoscaling``, ``imagePullPolicy``...), so their proto and JSON names agree.
"""

from __future__ import annotations

from v1compat.convert.proto import CLUSTER_ENVIRONMENTS, ENV_VALUE_SOURCES
from v1compat.schemas.base import ProtoSchema
from v1compat.schemas.fields import (
    Bool,
    Enum,
    Int32,
    Map,
    Message,
    Repeated,
    String,
    Timestamp,
)
from v1compat.schemas.volumes import VolumeSchema


class EnvValueFromSchema(ProtoSchema):
    source = Enum(ENV_VALUE_SOURCES)
    name = String()
    key = String()


class EnvironmentVariablesSchema(ProtoSchema):
    values = Map(String())
    valuesFrom = Map(Message(EnvValueFromSchema))


class CapabilitiesSchema(ProtoSchema):
    add = Repeated(String())
    drop = Repeated(String())


class SecurityContextSchema(ProtoSchema):
    capabilities = Message(CapabilitiesSchema)
    privileged = Bool(optional=True)


class AutoscalerOptionsSchema(ProtoSchema):
    idleTimeoutSeconds = Int32()
    upscalingMode = String()
    image = String()
    imagePullPolicy = String()
    cpu = String()
    memory = String()
    envs = Message(EnvironmentVariablesSchema)
    volumes = Repeated(Message(VolumeSchema))


class HeadGroupSpecSchema(ProtoSchema):
    compute_template = String()
    image = String()
    service_type = String()
    enableIngress = Bool()
    ray_start_params = Map(String())
    volumes = Repeated(Message(VolumeSchema))
    service_account = String()
    image_pull_secret = String()
    environment = Message(EnvironmentVariablesSchema)
    annotations = Map(String())
    labels = Map(String())
    imagePullPolicy = String()
    security_context = Message(SecurityContextSchema)


class WorkerGroupSpecSchema(ProtoSchema):
    group_name = String()
    compute_template = String()
    image = String()
    replicas = Int32()
    min_replicas = Int32()
    max_replicas = Int32()
    ray_start_params = Map(String())
    volumes = Repeated(Message(VolumeSchema))
    service_account = String()
    image_pull_secret = String()
    environment = Message(EnvironmentVariablesSchema)
    annotations = Map(String())
    labels = Map(String())
    imagePullPolicy = String()
    security_context = Message(SecurityContextSchema)


class ClusterSpecSchema(ProtoSchema):
    head_group_spec = Message(HeadGroupSpecSchema)
    worker_group_spec = Repeated(Message(WorkerGroupSpecSchema))
    enableInTreeAutoscaling = Bool()
    autoscalerOptions = Message(AutoscalerOptionsSchema)
    headServiceAnnotations = Map(String())


class ClusterEventSchema(ProtoSchema):
    id = String()
    name = String()
    created_at = Timestamp()
    first_timestamp = Timestamp()
    last_timestamp = Timestamp()
    reason = String()
    message = String()
    type = String()
    count = Int32()


class ClusterSchema(ProtoSchema):
    name = String()
    namespace = String()
    user = String()
    version = String()
    environment = Enum(CLUSTER_ENVIRONMENTS)
    cluster_spec = Message(ClusterSpecSchema)
    annotations = Map(String())
    envs = Message(EnvironmentVariablesSchema)
    created_at = Timestamp()
    deleted_at = Timestamp()
    cluster_state = String()
    events = Repeated(Message(ClusterEventSchema))
    service_endpoint = Map(String())


class ListClustersResponseSchema(ProtoSchema):
    """Also ListAllClustersResponse. ``clusters`` is always present (the Go server emitted
    ``{}`` for an empty page, and the Python client's ``dct["clusters"]`` failed on it);
    ``continue`` only when there is a next page, as before."""

    clusters = Repeated(Message(ClusterSchema), always=True)
    continue_ = String()
