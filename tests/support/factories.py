"""Request bodies the tests send: the smallest RayCluster the CRD accepts, v1 compute template
and cluster requests, and the KubeRay repository's v1 examples."""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

from tests.support.repo import EXAMPLES

RAY = "/apis/ray.io/v1"
RAYCLUSTERS = "/apis/ray.io/v1/namespaces/{ns}/rayclusters"
_names = itertools.count(1)


def unique(prefix: str) -> str:
    """A name no other test of this run (or a recent one against the same cluster) uses."""
    return f"{prefix}-{next(_names)}-{int(time.time() * 1000) % 100000}"


def raycluster(name: str, labels: dict[str, str] | None = None, **spec: Any) -> dict:
    """The smallest RayCluster the CRD schema accepts: one head, no workers; ``labels`` (when
    given) go into its metadata, ``spec`` adds fields."""
    head = {
        "rayStartParams": {},
        "template": {"spec": {"containers": [{"name": "ray-head", "image": "rayproject/ray:2.9.0"}]}},
    }
    metadata: dict[str, Any] = {"name": name}
    if labels is not None:
        metadata["labels"] = dict(labels)
    return {
        "apiVersion": "ray.io/v1",
        "kind": "RayCluster",
        "metadata": metadata,
        "spec": {"rayVersion": "2.9.0", "headGroupSpec": head, **spec},
    }


def rayjob(name: str, entrypoint: str = "python x.py", **spec: Any) -> dict:
    """A RayJob the CRD schema accepts: an entrypoint; ``spec`` adds fields."""
    return {
        "apiVersion": "ray.io/v1",
        "kind": "RayJob",
        "metadata": {"name": name},
        "spec": {"entrypoint": entrypoint, **spec},
    }


def example(name: str) -> dict:
    """A request body from the KubeRay repository (apiserver/docs/api-example)."""
    return json.loads((EXAMPLES / name).read_text())


def template_body(namespace: str, name: str = "default-template", **fields: Any) -> dict:
    """A v1 compute template request: 2 CPUs, 4 GiB, plus ``fields``."""
    return {"name": name, "namespace": namespace, "cpu": 2, "memory": 4, **fields}


def cluster_body(namespace: str, name: str = "test-cluster", template: str = "default-template") -> dict:
    """spec §5.10's request: NodePort head, one worker group with minReplicas 0."""
    return {
        "name": name,
        "namespace": namespace,
        "user": "3cpo",
        "version": "2.46.0",
        "environment": "DEV",
        "clusterSpec": {
            "headGroupSpec": {
                "computeTemplate": template,
                "image": "rayproject/ray:2.46.0",
                "serviceType": "NodePort",
                "rayStartParams": {"dashboard-host": "0.0.0.0"},
            },
            "workerGroupSpec": [
                {
                    "groupName": "small-wg",
                    "computeTemplate": template,
                    "replicas": 1,
                    "minReplicas": 0,
                    "maxReplicas": 5,
                    "rayStartParams": {"node-ip-address": "$MY_POD_IP"},
                }
            ],
        },
    }


RUNTIME_ENV = "pip:\n  - requests==2.26.0\n  - pendulum==2.1.2\nenv_vars:\n  counter_name: test_counter\n"


def job_body(namespace: str, name: str = "test-job", template: str = "default-template") -> dict:
    """A v1 RayJob request in the shape of KubeRay's job scripts: a cluster spec from one
    template, a runtime environment, a submitter, and an active deadline."""
    return {
        "name": name,
        "namespace": namespace,
        "user": "3cpo",
        "version": "2.46.0",
        "entrypoint": "python /home/ray/samples/sample_code.py",
        "runtimeEnv": RUNTIME_ENV,
        "metadata": {"purpose": "contract"},
        "shutdownAfterJobFinishes": True,
        "ttlSecondsAfterFinished": 10,
        "activeDeadlineSeconds": 120,
        "entrypointNumCpus": 0.5,
        "entrypointNumGpus": 1,
        "entrypointResources": '{"custom_resource": 1}',
        "jobSubmitter": {"image": "rayproject/ray:2.46.0", "cpu": "500m"},
        "clusterSpec": {
            "headGroupSpec": {
                "computeTemplate": template,
                "image": "rayproject/ray:2.46.0",
                "serviceType": "ClusterIP",
                "rayStartParams": {"dashboard-host": "0.0.0.0"},
            },
            "workerGroupSpec": [
                {
                    "groupName": "small-wg",
                    "computeTemplate": template,
                    "replicas": 1,
                    "minReplicas": 1,
                    "maxReplicas": 2,
                    "rayStartParams": {"node-ip-address": "$MY_POD_IP"},
                }
            ],
        },
    }


def create_template(bridge, namespace: str, name: str = "default-template", **fields: Any) -> dict:
    """A compute template created through v1 (``bridge`` is the app's Flask test client)."""
    answer = bridge.post(
        f"/apis/v1/namespaces/{namespace}/compute_templates",
        json=template_body(namespace, name, **fields),
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()


SERVE_CONFIG = """applications:
  - name: fruit_app
    import_path: fruit.deployment_graph
    route_prefix: /fruit
    runtime_env:
      working_dir: "https://github.com/ray-project/test_dag/archive/78b4a5da38796123d9f9ffff59bab2792a043e95.zip"
"""


def rayservice(name: str, labels: dict[str, str] | None = None, **spec: Any) -> dict:
    """The smallest RayService the CRD schema accepts: a serve config and the smallest
    cluster; ``labels`` (when given) go into its metadata, ``spec`` adds fields."""
    cluster = raycluster(name)["spec"]
    metadata: dict[str, Any] = {"name": name}
    if labels is not None:
        metadata["labels"] = dict(labels)
    return {
        "apiVersion": "ray.io/v1",
        "kind": "RayService",
        "metadata": metadata,
        "spec": {"serveConfigV2": SERVE_CONFIG, "rayClusterConfig": cluster, **spec},
    }


def service_body(namespace: str, name: str = "test-service", template: str = "default-template") -> dict:
    """A v1 RayService request like apiserver/test/service/serviceV2: a serve config, the
    deprecated thresholds, a head and one worker group."""
    cluster = cluster_body(namespace, name, template)
    return {
        "name": name,
        "namespace": namespace,
        "user": "user",
        "version": "2.46.0",
        "serveConfigV2": SERVE_CONFIG,
        "serviceUnhealthySecondThreshold": 900,
        "deploymentUnhealthySecondThreshold": 300,
        "clusterSpec": cluster["clusterSpec"],
    }
