"""Fixtures for the v1 contract tests: the bridge app (Flask test client) in front of the
session's embedded Kubernetes API, direct access to that API (to see what is really stored
and to plant objects v1 did not create), and a fresh namespace per test."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

EXAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "kuberay" / "examples"
_namespaces = itertools.count(1)


class Kube(requests.Session):
    """The embedded API called directly, paths relative to its URL."""

    def __init__(self, url: str):
        super().__init__()
        self.url = url

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs.setdefault("timeout", 30)
        return super().request(method, self.url + url, *args, **kwargs)

    def create_namespace(self, name: str) -> str:
        answer = self.post(
            "/api/v1/namespaces",
            json={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}},
        )
        assert answer.status_code in (201, 409), answer.text
        return name


@pytest.fixture(scope="session")
def kube(embedded) -> Iterator[Kube]:
    with Kube(embedded.url) as session:
        yield session


@pytest.fixture(scope="session")
def app(embedded):
    from bridge.app import create_app
    from bridge.core.config import BridgeConfig

    return create_app(BridgeConfig(upstream=embedded.url))


@pytest.fixture
def bridge(app):
    return app.test_client()


@pytest.fixture
def ns(kube: Kube) -> str:
    """A namespace of this test's own, so tests never see each other's objects."""
    return kube.create_namespace(f"v1-{next(_namespaces)}")


def example(name: str) -> dict:
    """A request body from the KubeRay repository (apiserver/docs/api-example)."""
    return json.loads((EXAMPLES / name).read_text())


def template_body(namespace: str, name: str = "default-template", **fields: Any) -> dict:
    return {"name": name, "namespace": namespace, "cpu": 2, "memory": 4, **fields}


def create_template(bridge, namespace: str, name: str = "default-template", **fields: Any) -> dict:
    answer = bridge.post(
        f"/apis/v1/namespaces/{namespace}/compute_templates",
        json=template_body(namespace, name, **fields),
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()


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


def v1_error(answer, status: int, code: int, message: str | None = None) -> str:
    """The answer is a v1 error ``{"code", "message"}`` (and nothing else) with this status."""
    assert answer.status_code == status, answer.get_data(as_text=True)
    assert answer.headers["Content-Type"].startswith("application/json")
    body = answer.get_json()
    assert set(body) == {"code", "message"}, body
    assert body["code"] == code, body
    if message is not None:
        assert body["message"] == message
    return body["message"]
