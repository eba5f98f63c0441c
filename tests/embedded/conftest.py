"""Helpers for driving the embedded API over HTTP: a base-URL session, a fresh namespace, and the
real ``kubectl`` pointed at a server."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

RAY = "/apis/ray.io/v1"
KUBECTL = shutil.which("kubectl")
_counter = itertools.count()


class Api(requests.Session):
    """A ``requests`` session whose paths are relative to the server."""

    def __init__(self, url: str):
        super().__init__()
        self.url = url

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs.setdefault("timeout", 30)
        return super().request(method, self.url + url, *args, **kwargs)


def raycluster(name: str, **spec: Any) -> dict:
    """A RayCluster the CRD schema accepts: one head, no workers."""
    head = {"rayStartParams": {},
            "template": {"spec": {"containers": [{"name": "ray-head", "image": "rayproject/ray:2.9.0"}]}}}
    return {"apiVersion": "ray.io/v1", "kind": "RayCluster", "metadata": {"name": name},
            "spec": {"rayVersion": "2.9.0", "headGroupSpec": head, **spec}}


def assert_status(response: requests.Response, code: int, reason: str,
                  details: dict | None = None, message: str | None = None) -> dict:
    """The answer is a Kubernetes Status with this code, reason and (subset of) details."""
    assert response.status_code == code, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    status = response.json()
    assert status["kind"] == "Status" and status["apiVersion"] == "v1", status
    assert status["status"] == "Failure"
    assert status["code"] == code and status["reason"] == reason, status
    if details is not None:
        for key, value in details.items():
            assert status["details"].get(key) == value, status
    if message is not None:
        assert status["message"] == message, status
    return status


@pytest.fixture
def api(embedded) -> Iterator[Api]:
    with Api(embedded.url) as session:
        yield session


@pytest.fixture
def namespace(api: Api) -> Iterator[str]:
    """A namespace of this test's own, deleted (with its objects) afterwards."""
    name = f"t{os.getpid()}-{next(_counter)}"
    assert api.post("/api/v1/namespaces", json={"metadata": {"name": name}}).status_code == 201
    yield name
    api.delete(f"/api/v1/namespaces/{name}")


class Kubectl:
    """``kubectl --server URL`` with an empty kubeconfig and a discovery cache of its own."""

    def __init__(self, server: str, home: Path):
        if KUBECTL is None:
            pytest.fail("kubectl is not on PATH; these tests need the real kubectl (see README)")
        self.server = server
        self.home = home
        (home / "kubeconfig").write_text("")

    def __call__(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        env = {"PATH": os.environ.get("PATH", ""), "HOME": str(self.home),
               "KUBECONFIG": str(self.home / "kubeconfig")}
        done = subprocess.run(
            [KUBECTL, "--server", self.server, "--kubeconfig", str(self.home / "kubeconfig"),
             "--cache-dir", str(self.home / "cache"), "--request-timeout", "20s", *args],
            capture_output=True, text=True, env=env, timeout=60,
        )
        if check:
            assert done.returncode == 0, done.stderr
        return done
