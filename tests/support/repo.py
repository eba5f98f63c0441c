"""Where the repository and the shared KubeRay reference data (CRDs, v1 examples) live."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_DIR = REPO_ROOT.parent / "shared"
EXAMPLES = SHARED_DIR / "kuberay" / "examples"
CRD_DIR = SHARED_DIR / "kuberay" / "crds"
SWAGGER_DIR = SHARED_DIR / "kuberay" / "swagger"
