"""Auth modes: whose credentials reach Kubernetes, and who may call the bridge at all."""

from __future__ import annotations

import os

import pytest

from bridge.app import create_app
from bridge.core.config import BridgeConfig
from bridge.core.upstream import Upstream
from tests.support.fake_upstream import json_answer

RC = "/apis/ray.io/v1/namespaces/x/rayclusters"
BRIDGE_TOKEN = "Bearer the-bridges-own-token"


def app_for(upstream_url: str, **settings):
    upstream = Upstream("url", upstream_url, credentials=lambda: BRIDGE_TOKEN)
    return create_app(BridgeConfig(upstream=upstream_url, **settings), upstream=upstream)


def test_mode_none_uses_the_bridge_credentials_never_the_callers(upstream):
    client = app_for(upstream.url).test_client()
    assert client.get(RC, headers={"Authorization": "Bearer caller"}).status_code == 200
    assert client.get(RC).status_code == 200
    assert [call.headers.get("Authorization") for call in upstream.calls] == [BRIDGE_TOKEN] * 2


def test_passthrough_sends_the_callers_token_and_never_the_bridges(upstream):
    client = app_for(upstream.url, auth_mode="passthrough").test_client()
    response = client.get(RC, headers={"Authorization": "Bearer alice"})
    assert response.status_code == 200
    assert upstream.calls[0].headers["Authorization"] == "Bearer alice"


def test_passthrough_side_requests_carry_the_callers_token(upstream):
    upstream.reset(lambda call, n: json_answer(200, {"kind": "ServiceList", "items": []}))
    client = app_for(upstream.url, auth_mode="passthrough").test_client()
    response = client.get(
        "/api/v1/namespaces/x/services/head-svc/proxy/", headers={"Authorization": "Bearer alice"}
    )
    assert response.status_code == 404  # not a KubeRay service
    assert [call.headers.get("Authorization") for call in upstream.calls] == ["Bearer alice"]


@pytest.mark.parametrize("authorization", [None, "Basic YWxpY2U6cHc=", "Bearer ", "Bearer"])
def test_passthrough_without_a_bearer_token_is_401(upstream, authorization):
    client = app_for(upstream.url, auth_mode="passthrough").test_client()
    headers = {"Authorization": authorization} if authorization is not None else {}
    response = client.get(RC, headers=headers)
    assert response.status_code == 401
    assert response.get_json()["reason"] == "Unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert upstream.calls == []


@pytest.fixture
def token_file(tmp_path):
    path = tmp_path / "tokens"
    path.write_text("# operators\nalpha-token\n\n  beta-token   # CI\n")
    return path


def test_token_mode_accepts_listed_tokens_and_calls_upstream_as_itself(upstream, token_file):
    client = app_for(upstream.url, auth_mode="token", token_file=str(token_file)).test_client()
    for token in ("alpha-token", "beta-token"):
        assert client.get(RC, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert [call.headers["Authorization"] for call in upstream.calls] == [BRIDGE_TOKEN] * 2


@pytest.mark.parametrize("authorization", [None, "Bearer gamma-token", "Bearer # operators", "alpha-token"])
def test_token_mode_refuses_other_callers(upstream, token_file, authorization):
    client = app_for(upstream.url, auth_mode="token", token_file=str(token_file)).test_client()
    headers = {"Authorization": authorization} if authorization else {}
    response = client.get(RC, headers=headers)
    assert response.status_code == 401
    assert response.get_json()["kind"] == "Status"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert upstream.calls == []


def test_token_file_changes_apply_without_restart(upstream, token_file):
    client = app_for(upstream.url, auth_mode="token", token_file=str(token_file)).test_client()
    assert client.get(RC, headers={"Authorization": "Bearer alpha-token"}).status_code == 200
    token_file.write_text("rotated-token-with-another-length\n")
    os.utime(token_file, (1, 1))  # a different mtime even within one clock tick
    assert client.get(RC, headers={"Authorization": "Bearer alpha-token"}).status_code == 401
    ok = client.get(RC, headers={"Authorization": "Bearer rotated-token-with-another-length"})
    assert ok.status_code == 200


def test_probes_need_no_token(upstream, token_file):
    client = app_for(upstream.url, auth_mode="token", token_file=str(token_file)).test_client()
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200


def test_a_hash_inside_a_token_is_part_of_it(upstream, tmp_path):
    path = tmp_path / "tokens"
    path.write_text("tok#withhash\n")
    client = app_for(upstream.url, auth_mode="token", token_file=str(path)).test_client()
    assert client.get(RC, headers={"Authorization": "Bearer tok#withhash"}).status_code == 200
    assert client.get(RC, headers={"Authorization": "Bearer tok"}).status_code == 401


def test_a_token_file_removed_at_run_time_refuses_everyone_with_503_and_says_why(
    upstream, token_file, caplog
):
    client = app_for(upstream.url, auth_mode="token", token_file=str(token_file)).test_client()
    assert client.get(RC, headers={"Authorization": "Bearer alpha-token"}).status_code == 200
    token_file.unlink()
    response = client.get(RC, headers={"Authorization": "Bearer alpha-token"})
    assert response.status_code == 503
    assert response.get_json()["kind"] == "Status"
    assert any("cannot read the token file" in record.getMessage() for record in caplog.records)
    assert len(upstream.calls) == 1


def test_readyz_names_the_upstream_only_to_callers_with_a_token(upstream, token_file):
    client = app_for(upstream.url, auth_mode="token", token_file=str(token_file)).test_client()
    stranger = client.get("/readyz")
    assert stranger.status_code == 200
    assert stranger.get_json() == {"status": "ready"}
    insider = client.get("/readyz", headers={"Authorization": "Bearer alpha-token"})
    assert insider.get_json()["upstream"]["url"] == upstream.url


def test_metrics_need_a_token_in_token_mode_unless_configured_open(upstream, token_file):
    closed = app_for(upstream.url, auth_mode="token", token_file=str(token_file)).test_client()
    assert closed.get("/metrics").status_code == 401
    assert closed.get("/metrics", headers={"Authorization": "Bearer alpha-token"}).status_code == 200
    opened = app_for(upstream.url, auth_mode="token", token_file=str(token_file), metrics_open=True)
    assert opened.test_client().get("/metrics").status_code == 200
