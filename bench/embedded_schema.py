"""What CRD admission (prune + default + validate) costs per object.

Run by hand (never part of the test suite):

    .venv/bin/python bench/embedded_schema.py [--rounds 2000] [--workers 4]

Loads the three KubeRay CRDs from ``../shared/kuberay/crds`` (reports how long), then admits
a typical RayCluster (one head, ``--workers`` worker groups, each with a container with
ports, resources and env) in a loop and reports microseconds per admit, plus the same for an
object carrying unknown fields (the pruning and warning path) and for a rejected one.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from bridge.embedded.errors import ApiError
from bridge.embedded.resources import lookup
from bridge.embedded.schema import SchemaRegistry

CRD_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "kuberay" / "crds"
RAYCLUSTERS = lookup("ray.io", "v1", "rayclusters")


def container(name: str) -> dict:
    return {
        "name": name,
        "image": "rayproject/ray:2.9.0",
        "ports": [{"containerPort": 6379, "name": "gcs"}, {"containerPort": 8265, "name": "dashboard"}],
        "resources": {"limits": {"cpu": "4", "memory": "16Gi"}, "requests": {"cpu": "4", "memory": "16Gi"}},
        "env": [
            {"name": "RAY_LOG", "value": "info"},
            {"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
        ],
        "volumeMounts": [{"name": "logs", "mountPath": "/tmp/ray"}],
    }


def raycluster(workers: int) -> dict:
    pod = {"volumes": [{"name": "logs", "emptyDir": {}}]}
    return {
        "apiVersion": "ray.io/v1",
        "kind": "RayCluster",
        "metadata": {"name": "bench", "namespace": "default", "labels": {"team": "ml"}},
        "spec": {
            "rayVersion": "2.9.0",
            "headGroupSpec": {
                "rayStartParams": {"dashboard-host": "0.0.0.0"},
                "template": {"spec": {**pod, "containers": [container("ray-head")]}},
            },
            "workerGroupSpecs": [
                {
                    "groupName": f"group-{i}",
                    "replicas": 2,
                    "minReplicas": 1,
                    "maxReplicas": 10,
                    "rayStartParams": {},
                    "template": {"spec": {**pod, "containers": [container("ray-worker")]}},
                }
                for i in range(workers)
            ],
        },
    }


def measure(label: str, rounds: int, run) -> None:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        samples.append((time.perf_counter() - start) * 1e6)
    samples.sort()
    print(
        f"{label:<32} median {statistics.median(samples):8.1f} µs   "
        f"p95 {samples[int(len(samples) * 0.95)]:8.1f} µs"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()

    start = time.perf_counter()
    registry = SchemaRegistry(str(CRD_DIR))
    print(
        f"load 3 CRDs ({sum(p.stat().st_size for p in CRD_DIR.iterdir()) / 1e6:.1f} MB)"
        f"   {time.perf_counter() - start:.2f} s"
    )

    valid = raycluster(args.workers)
    measure(
        f"admit valid ({args.workers} worker groups)", args.rounds, lambda: registry.admit(RAYCLUSTERS, valid)
    )

    unknown = raycluster(args.workers)
    unknown["spec"]["foo"] = 1
    unknown["spec"]["workerGroupSpecs"][0]["template"]["spec"]["containers"][0]["colour"] = "x"
    measure("admit with 2 unknown fields", args.rounds, lambda: registry.admit(RAYCLUSTERS, unknown))

    broken = raycluster(args.workers)
    broken["spec"]["workerGroupSpecs"][0]["replicas"] = "two"

    def refuse() -> None:
        try:
            registry.admit(RAYCLUSTERS, broken)
        except ApiError:
            pass

    measure("admit rejected (422)", args.rounds, refuse)


if __name__ == "__main__":
    main()
