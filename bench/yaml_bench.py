"""What decoding a request body costs the process that does it, in milliseconds per MB.

Run by hand (never part of the test suite):

    .venv/bin/python bench/yaml_bench.py

For a typical body (RayCluster-like objects, block style, as people write them), two
adversarial ones (a flow sequence of ~1M empty lists; a block sequence of small integers)
and the same typical object as JSON, it reports: PyYAML's pure-Python SafeLoader, the
bridge's loader (``bridge.kube.yaml``: libyaml's parser when PyYAML has it) and the bound
check (``bridge.kube.yaml.bounded``) that every decoded body passes.
"""

from __future__ import annotations

import copy
import json
import os
import sys
import time

import yaml

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bridge.kube import yaml as kube_yaml  # noqa: E402


def typical() -> dict:
    container = {
        "name": "ray-worker",
        "image": "rayproject/ray:2.46.0",
        "env": [{"name": f"VAR_{n}", "value": "some-value-of-twenty"} for n in range(5)],
        "resources": {"limits": {"cpu": "1", "memory": "2Gi"}, "requests": {"cpu": "1", "memory": "2Gi"}},
        "ports": [{"containerPort": 6379, "name": "gcs"}, {"containerPort": 8265, "name": "dashboard"}],
    }
    groups = [
        {
            "groupName": f"wg-{n}",
            "replicas": 1,
            "template": {"spec": {"containers": [copy.deepcopy(container)]}},
        }
        for n in range(1500)
    ]
    return {
        "apiVersion": "ray.io/v1",
        "kind": "RayCluster",
        "metadata": {"name": "big"},
        "spec": {"workerGroupSpecs": groups},
    }


def per_mb(seconds: float, data: bytes) -> float:
    return seconds * 1000 / (len(data) / 1e6)


def timed(work, data: bytes) -> float:
    started = time.perf_counter()
    work(data)
    return per_mb(time.perf_counter() - started, data)


def main() -> None:
    document = typical()
    bodies = {
        "typical YAML": yaml.safe_dump(document, sort_keys=False).encode(),
        "flow items [],[],...": b"spec: [" + b"[]," * 950_000 + b"[]]\n",
        "block list - 1": b"spec:\n" + b"- 1\n" * 700_000,
    }
    print(f"libyaml available: {yaml.__with_libyaml__}")
    print(f"{'body':24} {'MB':>6} {'pure ms/MB':>11} {'bridge ms/MB':>13} {'bound ms/MB':>12}")
    for name, data in bodies.items():
        pure = timed(lambda d: list(yaml.load_all(d, Loader=yaml.SafeLoader)), data)
        bridge = timed(kube_yaml.load_all, data)
        decoded = kube_yaml.load_all(data)[0]
        bound = timed(lambda _, d=decoded: kube_yaml.bounded(d, max_depth=None, finite=False), data)
        print(f"{name:24} {len(data) / 1e6:6.2f} {pure:11.0f} {bridge:13.0f} {bound:12.0f}")
    as_json = json.dumps(document).encode()
    print(f"{'typical JSON':24} {len(as_json) / 1e6:6.2f} {'':11} {timed(json.loads, as_json):13.0f}")


if __name__ == "__main__":
    main()
