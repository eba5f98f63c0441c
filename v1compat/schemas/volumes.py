"""Volume (proto/cluster.proto), shared by head groups, worker groups and autoscaler options."""

from __future__ import annotations

from v1compat.schemas.base import ProtoSchema
from v1compat.schemas.fields import Bool, Enum, Map, String

VOLUME_TYPES = {
    "PERSISTENT_VOLUME_CLAIM": 0,
    "HOST_PATH": 1,
    "EPHEMERAL": 2,
    "CONFIGMAP": 3,
    "SECRET": 4,
    "EMPTY_DIR": 5,
}
HOST_PATH_TYPES = {"DIRECTORY": 0, "FILE": 1}
MOUNT_PROPAGATION_MODES = {"NONE": 0, "HOSTTOCONTAINER": 1, "BIDIRECTIONAL": 2}
ACCESS_MODES = {"RWO": 0, "ROX": 1, "RWX": 2}


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
