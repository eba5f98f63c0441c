"""The RayCluster a v1 create writes passes the real RayCluster CRD schema of the embedded API
with ``fieldValidation=Strict``: nothing in it would be pruned or rejected by a real cluster.

The body uses every field the converters write: all six volume types, every environment
source, cluster-level envs, security context, autoscaler options with envs and volumes, head
service annotations, the serve-service ports, ingress, service account and pull secret.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from tests.support.factories import create_template
from v1compat.convert import cluster_to_raycluster
from v1compat.schemas import ClusterSchema, InputReport, read_message
from v2proxy.templates import configmap_to_template

HEAD_ENVIRONMENT = {
    "values": {"E": "v", "EMPTY": ""},
    "valuesFrom": {
        "C": {"source": "CONFIGMAP", "name": "cm", "key": "k"},
        "R": {"source": "RESOURCEFIELD", "name": "ray-head", "key": "limits.cpu"},
        "F": {"source": "FIELD", "key": "metadata.name"},
    },
}
HEAD_VOLUMES = [
    {
        "name": "pvc",
        "mountPath": "/pvc",
        "volumeType": "PERSISTENT_VOLUME_CLAIM",
        "source": "claim",
        "readOnly": True,
        "mountPropagationMode": "BIDIRECTIONAL",
    },
    {"name": "hp", "mountPath": "/hp", "volumeType": "HOST_PATH", "source": "/tmp", "hostPathType": "FILE"},
    {
        "name": "eph",
        "mountPath": "/eph",
        "volumeType": "EPHEMERAL",
        "storage": "5Gi",
        "storageClassName": "std",
        "accessMode": "RWX",
    },
    {"name": "cm", "mountPath": "/cm", "volumeType": "CONFIGMAP", "source": "c", "items": {"a": "b"}},
    {"name": "sec", "mountPath": "/sec", "volumeType": "SECRET", "source": "s", "items": {"a": "b"}},
    {"name": "ed", "mountPath": "/ed", "volumeType": "EMPTY_DIR", "storage": "1Gi"},
]
AUTOSCALER = {
    "idleTimeoutSeconds": 10,
    "upscalingMode": "Aggressive",
    "image": "img",
    "imagePullPolicy": "always",
    "envs": {
        "values": {"A": "b"},
        "valuesFrom": {"x": {"source": "CONFIGMAP", "name": "cm"}, "y": {"source": "SECRET", "name": "sec"}},
    },
    "volumes": [
        {"name": "v", "mountPath": "/m", "readOnly": True, "mountPropagationMode": "HOSTTOCONTAINER"}
    ],
    "cpu": "1",
}
FULL = {
    "user": "u",
    "version": "2.46.0",
    "environment": "PRODUCTION",
    "annotations": {"ray.io/enable-serve-service": "true"},
    "envs": {"values": {"G": "1"}, "valuesFrom": {"GF": {"source": "SECRET", "name": "s", "key": "k"}}},
    "clusterSpec": {
        "enableInTreeAutoscaling": True,
        "autoscalerOptions": AUTOSCALER,
        "headServiceAnnotations": {"a": "b"},
        "headGroupSpec": {
            "computeTemplate": "gpu-template",
            "serviceType": "NodePort",
            "enableIngress": True,
            "imagePullPolicy": "Always",
            "rayStartParams": {"a": "b"},
            "serviceAccount": "sa",
            "imagePullSecret": "ps",
            "labels": {"l": "v"},
            "annotations": {"an": "v"},
            "securityContext": {
                "capabilities": {"add": ["SYS_PTRACE"], "drop": ["ALL"]},
                "privileged": False,
            },
            "environment": HEAD_ENVIRONMENT,
            "volumes": HEAD_VOLUMES,
        },
        "workerGroupSpec": [
            {
                "groupName": "g",
                "computeTemplate": "gpu-template",
                "replicas": 2,
                "minReplicas": 1,
                "maxReplicas": 3,
                "image": "w",
                "securityContext": {},
                "volumes": [{"name": "ed", "mountPath": "/ed", "volumeType": 5}],
            },
        ],
    },
}


def test_every_field_the_converters_write_passes_the_crd_strictly(bridge, kube, ns):
    create_template(
        bridge,
        ns,
        "gpu-template",
        gpu=1,
        extendedResources={"vpc.amazonaws.com/efa": 2},
        tolerations=[{"key": "k", "operator": "Exists", "effect": "NoSchedule"}],
    )
    configmap = kube.get(f"/api/v1/namespaces/{ns}/configmaps/gpu-template").json()
    message = read_message(ClusterSchema(), {"name": "strict", "namespace": ns, **FULL}, InputReport())
    templates = {"gpu-template": configmap_to_template(configmap)}
    built = cluster_to_raycluster(message, ns, templates, now=datetime.now(UTC))
    strict = kube.post(
        f"/apis/ray.io/v1/namespaces/{ns}/rayclusters", params={"fieldValidation": "Strict"}, json=built
    )
    assert strict.status_code == 201, strict.text
    assert "Warning" not in strict.headers

    body = json.dumps({"name": "full", "namespace": ns, **FULL})  # json= would sort the env keys
    answer = bridge.post(f"/apis/v1/namespaces/{ns}/clusters", data=body, content_type="application/json")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert [w for w in answer.headers.getlist("Warning") if "deprecated" not in w] == []
    stored = kube.get(f"/apis/ray.io/v1/namespaces/{ns}/rayclusters/full").json()
    assert stored["spec"] == strict.json()["spec"]  # the HTTP path writes the same (CRD defaults applied)
