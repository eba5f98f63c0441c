"""Volume (proto/cluster.proto), shared by head groups, worker groups and autoscaler options."""

from __future__ import annotations

from v1compat.convert.proto import (
    ACCESS_MODES,
    HOST_PATH_TYPES,
    MOUNT_PROPAGATION_MODES,
    VOLUME_TYPES,
)
from v1compat.schemas.base import ProtoSchema
from v1compat.schemas.fields import Bool, Enum, Map, String


class VolumeSchema(ProtoSchema):
    mount_path = String()
    # Always emitted, even PERSISTENT_VOLUME_CLAIM (0): the Python client reads
    # dst["volumeType"] and failed with KeyError on the Go server's output.
    volume_type = Enum(VOLUME_TYPES, emit_zero=True)
    name = String()
    source = String()
    read_only = Bool()
    host_path_type = Enum(HOST_PATH_TYPES)
    mount_propagation_mode = Enum(MOUNT_PROPAGATION_MODES)
    storageClassName = String()
    accessMode = Enum(ACCESS_MODES)
    storage = String()
    items = Map(String())
