"""The user middleware API against the embedded Kubernetes API: the README's worked example
(default labels on every created RayCluster), loading from the config, order, short-circuits,
response changes, and the v1 dialect going through the same chain."""

from __future__ import annotations

import json

import pytest
import requests
import yaml

from bridge.core.config import BridgeConfig
from tests.support.factories import RAYCLUSTERS, raycluster, unique
from tests.support.live_server import make_app
from v2proxy.client import V2Client
from v2proxy.messages import Handler, ProxyRequest, ProxyResponse
from v2proxy.middleware import MiddlewareError

DEFAULT_LABELS = {"team": "ml-platform", "cost-center": "4711"}


# --- the README example -------------------------------------------------------------------
def default_labels(request: ProxyRequest, call_next: Handler) -> ProxyResponse:
    """Every RayCluster created through the bridge (v1 or v2) gets the platform's labels,
    unless the caller set them."""
    if request.method == "POST" and request.params.get("plural") == "rayclusters":
        body = json.loads(request.read_body() or b"{}")  # YAML arrives here as JSON already
        labels = body.setdefault("metadata", {}).setdefault("labels", {})
        for key, value in DEFAULT_LABELS.items():
            labels.setdefault(key, value)
        request.replace_body(json.dumps(body).encode(), "application/json")
    return call_next(request)


# -------------------------------------------------------------------------------------------


def stored_labels(embedded_url: str, name: str) -> dict:
    response = requests.get(f"{embedded_url}{RAYCLUSTERS.format(ns='default')}/{name}", timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["metadata"].get("labels", {})


@pytest.mark.parametrize("content_type", ["application/json", "application/yaml"])
def test_default_labels_example(embedded, content_type):
    client = make_app(embedded.url, middlewares=[default_labels]).test_client()
    name = unique("labelled")
    manifest = raycluster(name, labels={"team": "research"})
    data = json.dumps(manifest) if content_type == "application/json" else yaml.safe_dump(manifest)
    response = client.post(RAYCLUSTERS.format(ns="default"), data=data, content_type=content_type)
    assert response.status_code == 201, response.data
    assert stored_labels(embedded.url, name) == {"team": "research", "cost-center": "4711"}


def test_middlewares_from_the_config_run_before_those_given_to_create_app(embedded):
    seen: list[str] = []

    def second(request, call_next):
        seen.append(f"arg saw {request.headers.get('X-Order')}")
        return call_next(request)

    config = BridgeConfig(
        upstream=embedded.url, middlewares=[f"{__name__}:default_labels", f"{__name__}:mark_order"]
    )
    from bridge.app import create_app

    client = create_app(config, middlewares=[second]).test_client()
    name = unique("ordered")
    response = client.post(RAYCLUSTERS.format(ns="default"), json=raycluster(name))
    assert response.status_code == 201
    assert seen == ["arg saw config"]
    assert stored_labels(embedded.url, name) == DEFAULT_LABELS


def mark_order(request: ProxyRequest, call_next: Handler) -> ProxyResponse:
    request.headers["X-Order"] = "config"
    return call_next(request)


def test_built_in_middlewares_run_first(embedded):
    seen: list[dict] = []

    def look(request, call_next):
        seen.append({"type": request.headers.get("Content-Type"), "body": request.read_body()})
        return call_next(request)

    client = make_app(embedded.url, middlewares=[look]).test_client()
    data = yaml.safe_dump(raycluster(unique("yaml")))
    response = client.post(RAYCLUSTERS.format(ns="default"), data=data, content_type="text/yaml")
    assert response.status_code == 201
    assert seen[0]["type"] == "application/json"  # the compute-template built-in converted it
    json.loads(seen[0]["body"])


def test_a_middleware_may_answer_by_itself_or_change_the_response(embedded):
    def freeze_deletes(request, call_next):
        if request.method == "DELETE":
            return ProxyResponse.from_json(
                403, {"kind": "Status", "code": 403, "reason": "Forbidden", "message": "frozen"}
            )
        response = call_next(request)
        response.headers["X-Platform"] = "checked"
        return response

    client = make_app(embedded.url, middlewares=[freeze_deletes]).test_client()
    name = unique("frozen")
    assert client.post(RAYCLUSTERS.format(ns="default"), json=raycluster(name)).status_code == 201
    refused = client.delete(f"{RAYCLUSTERS.format(ns='default')}/{name}")
    assert refused.status_code == 403 and refused.get_json()["message"] == "frozen"
    fetched = client.get(f"{RAYCLUSTERS.format(ns='default')}/{name}")
    assert fetched.status_code == 200 and fetched.headers["X-Platform"] == "checked"


def test_v1_calls_go_through_the_same_middlewares(embedded):
    dialects: list[str] = []

    def note(request, call_next):
        dialects.append(request.dialect)
        return call_next(request)

    app = make_app(embedded.url, middlewares=[default_labels, note])
    name = unique("from-v1")
    with app.test_request_context("/apis/v1/namespaces/default/clusters", method="POST"):
        from flask import g

        g.request_id = "v1-call"
        result = V2Client.from_request(dialect="v1").create(
            RAYCLUSTERS.format(ns="default"), raycluster(name)
        )
    assert result.status == 201, result.body
    assert dialects == ["v1"]
    assert stored_labels(embedded.url, name) == DEFAULT_LABELS


@pytest.mark.parametrize(
    "reference", ["nomodule_xyz:thing", f"{__name__}:missing", "no-colon", f"{__name__}:DEFAULT_LABELS"]
)
def test_bad_middleware_references_stop_the_app_with_a_clear_error(embedded, reference):
    from bridge.app import create_app

    with pytest.raises(MiddlewareError, match="middleware"):
        create_app(BridgeConfig(upstream=embedded.url, middlewares=[reference]))
