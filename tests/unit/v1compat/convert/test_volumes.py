"""Every v1 volume type to pod volume + mount and back (§5.6, §6.5)."""

from __future__ import annotations

from typing import Any

import pytest

from v1compat.convert.errors import ConversionError
from v1compat.convert.volumes import (
    pod_volume,
    pod_volumes,
    volume_mount,
    volumes_from_pod_spec,
)

# (v1 volume, pod volume, container mount, v1 volume read back)
CASES: list[tuple[str, dict[str, Any], dict[str, Any] | None, dict[str, Any], dict[str, Any]]] = [
    (
        "pvc",
        {
            "name": "data",
            "mount_path": "/data",
            "volume_type": "PERSISTENT_VOLUME_CLAIM",
            "source": "my-claim",
            "read_only": True,
            "mount_propagation_mode": "BIDIRECTIONAL",
        },
        {"name": "data", "persistentVolumeClaim": {"claimName": "my-claim", "readOnly": True}},
        {"name": "data", "readOnly": True, "mountPath": "/data", "mountPropagation": "Bidirectional"},
        {
            "name": "data",
            "mount_path": "/data",
            "volume_type": "PERSISTENT_VOLUME_CLAIM",
            "source": "my-claim",
            "read_only": True,
            "mount_propagation_mode": "BIDIRECTIONAL",
        },
    ),
    (
        "pvc is the default type",
        {"name": "data", "mount_path": "/data", "source": "my-claim"},
        {"name": "data", "persistentVolumeClaim": {"claimName": "my-claim"}},
        {"name": "data", "mountPath": "/data"},
        {
            "name": "data",
            "mount_path": "/data",
            "volume_type": "PERSISTENT_VOLUME_CLAIM",
            "source": "my-claim",
            "read_only": False,
            "mount_propagation_mode": "NONE",
        },
    ),
    (
        "host path file, propagation kept, read-only lost",
        {
            "name": "sock",
            "mount_path": "/var/run/x.sock",
            "volume_type": "HOST_PATH",
            "source": "/run/x.sock",
            "host_path_type": "FILE",
            "mount_propagation_mode": "HOSTTOCONTAINER",
            "read_only": True,
        },
        {"name": "sock", "hostPath": {"path": "/run/x.sock", "type": "File"}},
        {
            "name": "sock",
            "readOnly": True,
            "mountPath": "/var/run/x.sock",
            "mountPropagation": "HostToContainer",
        },
        {
            "name": "sock",
            "mount_path": "/var/run/x.sock",
            "volume_type": "HOST_PATH",
            "source": "/run/x.sock",
            "host_path_type": "FILE",
            "mount_propagation_mode": "HOSTTOCONTAINER",
        },
    ),
    (
        "host path directory is the default",
        {"name": "logs", "mount_path": "/logs", "volume_type": "HOST_PATH", "source": "/var/log"},
        {"name": "logs", "hostPath": {"path": "/var/log", "type": "Directory"}},
        {"name": "logs", "mountPath": "/logs"},
        {
            "name": "logs",
            "mount_path": "/logs",
            "volume_type": "HOST_PATH",
            "source": "/var/log",
            "host_path_type": "DIRECTORY",
            "mount_propagation_mode": "NONE",
        },
    ),
    (
        "ephemeral with class and access mode",
        {
            "name": "scratch",
            "mount_path": "/scratch",
            "volume_type": "EPHEMERAL",
            "storage": "5Gi",
            "storageClassName": "fast",
            "accessMode": "RWX",
            "mount_propagation_mode": "HOSTTOCONTAINER",
        },
        {
            "name": "scratch",
            "ephemeral": {
                "volumeClaimTemplate": {
                    "metadata": {"labels": {"app.kubernetes.io/managed-by": "kuberay-apiserver"}},
                    "spec": {
                        "accessModes": ["ReadWriteMany"],
                        "resources": {"requests": {"storage": "5Gi"}},
                        "storageClassName": "fast",
                    },
                }
            },
        },
        {"name": "scratch", "mountPath": "/scratch", "mountPropagation": "HostToContainer"},
        {
            "name": "scratch",
            "mount_path": "/scratch",
            "volume_type": "EPHEMERAL",
            "storage": "5Gi",
            "storageClassName": "fast",
            "accessMode": "RWX",
            "mount_propagation_mode": "HOSTTOCONTAINER",
        },
    ),
    (
        "ephemeral defaults to ReadWriteOnce and the default class",
        {"name": "scratch", "mount_path": "/scratch", "volume_type": "EPHEMERAL", "storage": "10Gi"},
        {
            "name": "scratch",
            "ephemeral": {
                "volumeClaimTemplate": {
                    "metadata": {"labels": {"app.kubernetes.io/managed-by": "kuberay-apiserver"}},
                    "spec": {
                        "accessModes": ["ReadWriteOnce"],
                        "resources": {"requests": {"storage": "10Gi"}},
                    },
                }
            },
        },
        {"name": "scratch", "mountPath": "/scratch"},
        {
            "name": "scratch",
            "mount_path": "/scratch",
            "volume_type": "EPHEMERAL",
            "storage": "10Gi",
            "accessMode": "RWO",
            "mount_propagation_mode": "NONE",
        },
    ),
    (
        "ephemeral read-only-many, storage printed canonically",
        {
            "name": "s",
            "mount_path": "/s",
            "volume_type": "EPHEMERAL",
            "storage": "2048Mi",
            "accessMode": "ROX",
        },
        {
            "name": "s",
            "ephemeral": {
                "volumeClaimTemplate": {
                    "metadata": {"labels": {"app.kubernetes.io/managed-by": "kuberay-apiserver"}},
                    "spec": {"accessModes": ["ReadOnlyMany"], "resources": {"requests": {"storage": "2Gi"}}},
                }
            },
        },
        {"name": "s", "mountPath": "/s"},
        {
            "name": "s",
            "mount_path": "/s",
            "volume_type": "EPHEMERAL",
            "storage": "2Gi",
            "accessMode": "ROX",
            "mount_propagation_mode": "NONE",
        },
    ),
    (
        "config map with items, propagation and read-only lost",
        {
            "name": "code",
            "mount_path": "/home/ray/samples",
            "volume_type": "CONFIGMAP",
            "source": "ray-example",
            "items": {"a.py": "a.py", "b.py": "sub/b.py"},
            "read_only": True,
            "mount_propagation_mode": "HOSTTOCONTAINER",
        },
        {
            "name": "code",
            "configMap": {
                "name": "ray-example",
                "items": [{"key": "a.py", "path": "a.py"}, {"key": "b.py", "path": "sub/b.py"}],
            },
        },
        {
            "name": "code",
            "readOnly": True,
            "mountPath": "/home/ray/samples",
            "mountPropagation": "HostToContainer",
        },
        {
            "name": "code",
            "mount_path": "/home/ray/samples",
            "volume_type": "CONFIGMAP",
            "source": "ray-example",
            "items": {"a.py": "a.py", "b.py": "sub/b.py"},
        },
    ),
    (
        "config map without items",
        {"name": "code", "mount_path": "/code", "volume_type": "CONFIGMAP", "source": "cm"},
        {"name": "code", "configMap": {"name": "cm"}},
        {"name": "code", "mountPath": "/code"},
        {"name": "code", "mount_path": "/code", "volume_type": "CONFIGMAP", "source": "cm"},
    ),
    (
        "secret with items (Go crashed reading these back)",
        {
            "name": "creds",
            "mount_path": "/creds",
            "volume_type": "SECRET",
            "source": "s3",
            "items": {"key": "aws/key"},
        },
        {"name": "creds", "secret": {"secretName": "s3", "items": [{"key": "key", "path": "aws/key"}]}},
        {"name": "creds", "mountPath": "/creds"},
        {
            "name": "creds",
            "mount_path": "/creds",
            "volume_type": "SECRET",
            "source": "s3",
            "items": {"key": "aws/key"},
        },
    ),
    (
        "secret without items",
        {"name": "creds", "mount_path": "/creds", "volume_type": "SECRET", "source": "s3"},
        {"name": "creds", "secret": {"secretName": "s3"}},
        {"name": "creds", "mountPath": "/creds"},
        {"name": "creds", "mount_path": "/creds", "volume_type": "SECRET", "source": "s3"},
    ),
    (
        "empty dir with a size limit",
        {"name": "cache", "mount_path": "/cache", "volume_type": "EMPTY_DIR", "storage": "1024Mi"},
        {"name": "cache", "emptyDir": {"sizeLimit": "1Gi"}},
        {"name": "cache", "mountPath": "/cache"},
        {"name": "cache", "mount_path": "/cache", "volume_type": "EMPTY_DIR", "storage": "1Gi"},
    ),
    (
        "empty dir without a limit",
        {"name": "cache", "mount_path": "/cache", "volume_type": "EMPTY_DIR"},
        {"name": "cache", "emptyDir": {}},
        {"name": "cache", "mountPath": "/cache"},
        {"name": "cache", "mount_path": "/cache", "volume_type": "EMPTY_DIR"},
    ),
]


@pytest.mark.parametrize(("volume", "expected"), [(c[1], c[2]) for c in CASES], ids=[c[0] for c in CASES])
def test_pod_volume(volume: dict[str, Any], expected: dict[str, Any]) -> None:
    assert pod_volume(volume) == expected


@pytest.mark.parametrize(("volume", "expected"), [(c[1], c[3]) for c in CASES], ids=[c[0] for c in CASES])
def test_volume_mount(volume: dict[str, Any], expected: dict[str, Any]) -> None:
    assert volume_mount(volume) == expected


@pytest.mark.parametrize(("volume", "expected"), [(c[1], c[4]) for c in CASES], ids=[c[0] for c in CASES])
def test_read_back(volume: dict[str, Any], expected: dict[str, Any]) -> None:
    pod_spec = {
        "volumes": pod_volumes([volume]),
        "containers": [{"name": "ray-head", "volumeMounts": [volume_mount(volume)]}],
    }
    assert volumes_from_pod_spec(pod_spec) == [expected]


def test_undefined_volume_type_mounts_but_makes_no_pod_volume() -> None:
    volume = {"name": "x", "mount_path": "/x", "volume_type": 9, "source": "s"}
    assert pod_volumes([volume]) == []
    assert volume_mount(volume) == {"name": "x", "mountPath": "/x"}


@pytest.mark.parametrize(
    ("volume", "cause"),
    [
        (
            {"name": "e", "mount_path": "/e", "volume_type": "EPHEMERAL"},
            "storage for ephemeral volume is empty",
        ),
        (
            {"name": "e", "mount_path": "/e", "volume_type": "EPHEMERAL", "storage": "5GB"},
            "storage for ephemeral volume is not specified correctly",
        ),
        (
            {"name": "d", "mount_path": "/d", "volume_type": "EMPTY_DIR", "storage": "lots"},
            "storage for empty dir volume is not specified correctly",
        ),
    ],
)
def test_storage_errors(volume: dict[str, Any], cause: str) -> None:
    with pytest.raises(ConversionError) as raised:
        pod_volumes([{"name": "ok", "mount_path": "/ok", "volume_type": "EMPTY_DIR"}, volume])
    assert str(raised.value) == cause


def test_read_back_finds_the_mount_in_any_container_and_keeps_pod_order() -> None:
    pod_spec = {
        "volumes": [
            {"name": "b", "emptyDir": {}},
            {"name": "a", "configMap": {"name": "cm"}},
            {"name": "projected", "projected": {"sources": []}},  # not expressible in v1: skipped
        ],
        "containers": [
            {"name": "sidecar", "volumeMounts": [{"name": "a", "mountPath": "/from-sidecar"}]},
            {
                "name": "ray-head",
                "volumeMounts": [{"name": "b", "mountPath": "/b"}, {"name": "a", "mountPath": "/a"}],
            },
        ],
    }
    assert volumes_from_pod_spec(pod_spec) == [
        {"name": "b", "mount_path": "/b", "volume_type": "EMPTY_DIR"},
        {"name": "a", "mount_path": "/from-sidecar", "volume_type": "CONFIGMAP", "source": "cm"},
    ]


def test_read_back_of_objects_go_crashed_on() -> None:
    pod_spec = {
        "volumes": [
            {"name": "unmounted", "hostPath": {"path": "/p"}},  # no mount, no type
            {"name": "bare", "ephemeral": {}},  # no claim template
        ],
        "containers": [{"name": "ray-head"}],
    }
    assert volumes_from_pod_spec(pod_spec) == [
        {
            "name": "unmounted",
            "mount_path": "",
            "source": "/p",
            "mount_propagation_mode": "NONE",
            "volume_type": "HOST_PATH",
            "host_path_type": "DIRECTORY",
        },
        {
            "name": "bare",
            "mount_path": "",
            "mount_propagation_mode": "NONE",
            "volume_type": "EPHEMERAL",
            "accessMode": "RWO",
            "storage": "0",
        },
    ]
