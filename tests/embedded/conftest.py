"""Helpers for driving the embedded API over HTTP: a base-URL session and a fresh namespace."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from typing import Any

import pytest
import requests

RAY = "/apis/ray.io/v1"
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
