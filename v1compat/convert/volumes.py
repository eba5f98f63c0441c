"""v1 Volume <-> pod volume + container volumeMount, for every volume type.

Build side mirrors ``buildVols`` and ``buildVolumeMounts`` (apiserver/pkg/util/cluster.go);
read side mirrors ``PopulateVolumes`` (apiserver/pkg/model/volumes.go). Every v1 volume makes a
mount; only the six known types make a pod volume. Read-back is lossy exactly where Go's is:
``read_only`` survives only for PVCs, mount propagation only for host path, PVC and ephemeral.

Deliberate differences from Go (each was a nil-pointer panic there): a pod volume with no
matching mount reads back with an empty mount path; a host path without ``type`` reads as
DIRECTORY; an ephemeral volume without a claim template reads with storage "0"; a secret
volume's ``items`` are read from the secret (Go read them from the absent configMap source).
"""

from __future__ import annotations

from typing import Any

from v1compat.convert.constants import MANAGED_BY, MANAGED_BY_LABEL
from v1compat.convert.errors import ConversionError
from v1compat.convert.proto import (
    ACCESS_MODES,
    HOST_PATH_TYPES,
    MOUNT_PROPAGATION_MODES,
    VOLUME_TYPES,
    enum_name,
)
from v1compat.convert.quantity import QuantityError, canonical_quantity, read_quantity

_K8S_PROPAGATION = {"HOSTTOCONTAINER": "HostToContainer", "BIDIRECTIONAL": "Bidirectional"}
_V1_PROPAGATION = {k8s: v1 for v1, k8s in _K8S_PROPAGATION.items()}
_K8S_ACCESS_MODE = {"RWO": "ReadWriteOnce", "ROX": "ReadOnlyMany", "RWX": "ReadWriteMany"}


def volume_mount(volume: dict[str, Any]) -> dict[str, Any]:
    """One corev1.VolumeMount (``readOnly`` omitted when false, as Go's omitempty does)."""
    mount: dict[str, Any] = {"name": volume.get("name") or ""}
    if volume.get("read_only"):
        mount["readOnly"] = True
    mount["mountPath"] = volume.get("mount_path") or ""
    mode = enum_name(volume.get("mount_propagation_mode"), MOUNT_PROPAGATION_MODES)
    if mode in _K8S_PROPAGATION:
        mount["mountPropagation"] = _K8S_PROPAGATION[mode]
    return mount


def volume_mounts(volumes: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """buildVolumeMounts: one mount per v1 volume, whatever its type."""
    return [volume_mount(volume) for volume in volumes or []]


def _key_to_paths(items: dict[str, str] | None) -> list[dict[str, str]]:
    return [{"key": key, "path": path} for key, path in (items or {}).items()]


def _checked_quantity(text: str, cause: str) -> str:
    try:
        return canonical_quantity(text)
    except QuantityError:
        raise ConversionError(cause) from None


def pod_volume(volume: dict[str, Any]) -> dict[str, Any] | None:
    """The pod volume for one v1 volume, None for an undefined volume type (Go adds none).

    Raises ConversionError with Go's cause text for a missing or malformed ``storage``.
    """
    name = volume.get("name") or ""
    source = volume.get("source") or ""
    kind = enum_name(volume.get("volume_type"), VOLUME_TYPES)
    if kind == "CONFIGMAP":
        config_map: dict[str, Any] = {"name": source} if source else {}
        if volume.get("items"):
            config_map["items"] = _key_to_paths(volume["items"])
        return {"name": name, "configMap": config_map}
    if kind == "SECRET":
        secret: dict[str, Any] = {"secretName": source} if source else {}
        if volume.get("items"):
            secret["items"] = _key_to_paths(volume["items"])
        return {"name": name, "secret": secret}
    if kind == "EMPTY_DIR":
        empty_dir: dict[str, Any] = {}
        if volume.get("storage"):
            empty_dir["sizeLimit"] = _checked_quantity(
                volume["storage"], "storage for empty dir volume is not specified correctly"
            )
        return {"name": name, "emptyDir": empty_dir}
    if kind == "HOST_PATH":
        file = enum_name(volume.get("host_path_type"), HOST_PATH_TYPES) == "FILE"
        return {"name": name, "hostPath": {"path": source, "type": "File" if file else "Directory"}}
    if kind == "PERSISTENT_VOLUME_CLAIM":
        claim: dict[str, Any] = {"claimName": source}
        if volume.get("read_only"):
            claim["readOnly"] = True
        return {"name": name, "persistentVolumeClaim": claim}
    if kind == "EPHEMERAL":
        if not volume.get("storage"):
            raise ConversionError("storage for ephemeral volume is empty")
        storage = _checked_quantity(
            volume["storage"], "storage for ephemeral volume is not specified correctly"
        )
        access_mode = enum_name(volume.get("accessMode"), ACCESS_MODES)
        spec: dict[str, Any] = {
            "accessModes": [_K8S_ACCESS_MODE.get(access_mode, "ReadWriteOnce")],
            "resources": {"requests": {"storage": storage}},
        }
        if volume.get("storageClassName"):
            spec["storageClassName"] = volume["storageClassName"]
        claim_template = {"metadata": {"labels": {MANAGED_BY_LABEL: MANAGED_BY}}, "spec": spec}
        return {"name": name, "ephemeral": {"volumeClaimTemplate": claim_template}}
    return None


def pod_volumes(volumes: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """buildVols: pod volumes in request order; the first bad volume raises."""
    built = (pod_volume(volume) for volume in volumes or [])
    return [volume for volume in built if volume is not None]


# --- read-back -------------------------------------------------------------------------------


def mount_propagation_mode(mount: dict[str, Any] | None) -> str:
    """GetVolumeMountPropagation."""
    return _V1_PROPAGATION.get((mount or {}).get("mountPropagation") or "", "NONE")


def _find_mount(pod_spec: dict[str, Any], name: str) -> dict[str, Any] | None:
    """GetVolumeMount: the first mount of that name in any container."""
    for container in pod_spec.get("containers") or []:
        for mount in container.get("volumeMounts") or []:
            if mount.get("name") == name:
                return mount
    return None


def _access_mode(claim_spec: dict[str, Any]) -> str:
    """GetAccessMode: the first access mode, RWO when none or unknown."""
    modes = claim_spec.get("accessModes") or []
    first = modes[0] if modes else ""
    return {"ReadOnlyMany": "ROX", "ReadWriteMany": "RWX"}.get(first, "RWO")


def volume_from_pod_volume(pod_volume: dict[str, Any], pod_spec: dict[str, Any]) -> dict[str, Any] | None:
    """One v1 Volume for a pod volume; None for volume sources v1 cannot express."""
    name = pod_volume.get("name") or ""
    mount = _find_mount(pod_spec, name)
    common = {"name": name, "mount_path": (mount or {}).get("mountPath") or ""}
    if (config_map := pod_volume.get("configMap")) is not None:
        volume = {**common, "volume_type": "CONFIGMAP", "source": config_map.get("name") or ""}
        if config_map.get("items"):
            volume["items"] = {item.get("key") or "": item.get("path") or "" for item in config_map["items"]}
        return volume
    if (secret := pod_volume.get("secret")) is not None:
        volume = {**common, "volume_type": "SECRET", "source": secret.get("secretName") or ""}
        if secret.get("items"):
            volume["items"] = {item.get("key") or "": item.get("path") or "" for item in secret["items"]}
        return volume
    if (empty_dir := pod_volume.get("emptyDir")) is not None:
        volume = {**common, "volume_type": "EMPTY_DIR"}
        if empty_dir.get("sizeLimit") is not None:
            volume["storage"] = read_quantity(empty_dir["sizeLimit"])
        return volume
    if (host_path := pod_volume.get("hostPath")) is not None:
        return {
            **common,
            "source": host_path.get("path") or "",
            "mount_propagation_mode": mount_propagation_mode(mount),
            "volume_type": "HOST_PATH",
            "host_path_type": "FILE" if host_path.get("type") == "File" else "DIRECTORY",
        }
    if (claim := pod_volume.get("persistentVolumeClaim")) is not None:
        return {
            **common,
            "mount_propagation_mode": mount_propagation_mode(mount),
            "volume_type": "PERSISTENT_VOLUME_CLAIM",
            "source": claim.get("claimName") or "",
            "read_only": bool(claim.get("readOnly")),
        }
    if (ephemeral := pod_volume.get("ephemeral")) is not None:
        claim_spec = (ephemeral.get("volumeClaimTemplate") or {}).get("spec") or {}
        requests = (claim_spec.get("resources") or {}).get("requests") or {}
        volume = {
            **common,
            "mount_propagation_mode": mount_propagation_mode(mount),
            "volume_type": "EPHEMERAL",
            "accessMode": _access_mode(claim_spec),
            "storage": read_quantity(requests.get("storage")),
        }
        if claim_spec.get("storageClassName") is not None:
            volume["storageClassName"] = claim_spec["storageClassName"]
        return volume
    return None


def volumes_from_pod_spec(pod_spec: dict[str, Any]) -> list[dict[str, Any]]:
    """PopulateVolumes: v1 volumes for the pod volumes v1 knows, in pod order."""
    read = (volume_from_pod_volume(volume, pod_spec) for volume in pod_spec.get("volumes") or [])
    return [volume for volume in read if volume is not None]
