"""The image's command line, run exactly as the Dockerfile states it (no image can be built
here): its ENTRYPOINT and CMD, its ENV with the overrides a ``docker run -e`` would give (a free
port, the embedded upstream), then its HEALTHCHECK; and the shape the chart relies on:
multi-stage, non-root, only the runtime dependencies."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from dockerfile_parse import DockerfileParser

from tests.support.bridge_process import CLI
from tests.support.factories import raycluster, unique
from tests.support.kubectl import Kubectl
from tests.support.repo import REPO_ROOT
from tests.support.waiting import free_port

DOCKERFILE = REPO_ROOT / "Dockerfile"


@pytest.fixture(scope="module")
def dockerfile() -> DockerfileParser:
    return DockerfileParser(str(DOCKERFILE))


def final_stage(parser: DockerfileParser) -> list[dict]:
    """The instructions after the last FROM: what the image runs with."""
    instructions = parser.structure
    last_from = max(index for index, item in enumerate(instructions) if item["instruction"] == "FROM")
    return instructions[last_from + 1 :]


def instruction(stage: list[dict], name: str) -> str | None:
    values = [item["value"] for item in stage if item["instruction"] == name]
    return values[-1] if values else None


def exec_form(value: str | None) -> list[str]:
    """A JSON-array instruction value (``["kuberay-bridge", "serve"]``); shell form is refused."""
    if value is None:
        return []
    argv = json.loads(value)
    assert isinstance(argv, list) and all(isinstance(arg, str) for arg in argv), value
    return argv


def local(argv: list[str]) -> list[str]:
    """``argv`` with the image's programs resolved to this installation's."""
    programs = {"kuberay-bridge": CLI, "python": sys.executable}
    return [programs.get(argv[0], argv[0]), *argv[1:]]


def healthcheck_argv(stage: list[dict]) -> list[str]:
    value = instruction(stage, "HEALTHCHECK")
    assert value and "CMD" in value, "the image needs a HEALTHCHECK"
    return exec_form(value.split("CMD", 1)[1].strip())


def test_the_image_runs_kuberay_bridge_serve_as_stated(dockerfile, start_bridge, cluster, tmp_path):
    stage = final_stage(dockerfile)
    entrypoint = exec_form(instruction(stage, "ENTRYPOINT"))
    assert entrypoint[:2] == ["kuberay-bridge", "serve"]
    argv = local(entrypoint + exec_form(instruction(stage, "CMD")))
    port = free_port()
    docker_run_env = {"BRIDGE_PORT": str(port), "BRIDGE_UPSTREAM": cluster.url}
    env = {**dockerfile.envs, **docker_run_env}
    assert dockerfile.envs["BRIDGE_HOST"] == "0.0.0.0"  # reachable from outside the container
    bridge = start_bridge(command=argv, port=port, env=env, cwd=tmp_path)

    kubectl = Kubectl(bridge.url, tmp_path)
    name = unique("image")
    kubectl("apply", "-f", "-", stdin=json.dumps(raycluster(name)))
    assert kubectl("get", "rayclusters", name, "-o", "name").stdout.strip() == f"raycluster.ray.io/{name}"

    check = healthcheck_argv(stage)
    healthy = subprocess.run(local(check), env={**os.environ, **env}, timeout=60, check=False)
    assert healthy.returncode == 0
    bridge.stop()
    unhealthy = subprocess.run(
        local(check), env={**os.environ, **env}, capture_output=True, timeout=60, check=False
    )
    assert unhealthy.returncode != 0  # the check fails once nothing answers


def test_the_image_is_multi_stage_non_root_with_runtime_dependencies_only(dockerfile):
    stages = [item for item in dockerfile.structure if item["instruction"] == "FROM"]
    assert len(stages) >= 2
    stage = final_stage(dockerfile)
    user = instruction(stage, "USER")
    assert user and user.split(":")[0] not in ("0", "root")
    installs = [
        item["value"] for item in stage if item["instruction"] == "RUN" and "pip install" in item["value"]
    ]
    assert installs and all("[" not in run for run in installs)  # no extras: no test or lint tools
    assert not [item for item in stage if item["instruction"] in ("COPY", "ADD") and "tests" in item["value"]]
    ignored = (REPO_ROOT / ".dockerignore").read_text().split()
    assert {"tests", ".venv", ".git"} <= set(ignored)
