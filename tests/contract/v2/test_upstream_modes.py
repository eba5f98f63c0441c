"""Upstream modes: how ``auto`` decides, and that credentials from a kubeconfig (static token,
exec plugin) or a service account (rotating token) really arrive upstream — or, in
passthrough mode, never do."""

from __future__ import annotations

import datetime
import stat
import sys

import pytest

from bridge.app import create_app
from bridge.core.config import BridgeConfig
from bridge.core.upstream import choose_upstream, connect_upstream
from bridge.supervisor import start_in_process
from tests.support.kubeconfig import write_kubeconfig

RC = "/apis/ray.io/v1/namespaces/x/rayclusters"


@pytest.mark.parametrize(
    "setting,mode,argument",
    [
        ("http://127.0.0.1:8001", "url", "http://127.0.0.1:8001"),
        ("https://k8s.example:6443", "url", "https://k8s.example:6443"),
        ("kubeconfig", "kubeconfig", None),
        ("kubeconfig:/etc/kube/admin.conf", "kubeconfig", "/etc/kube/admin.conf"),
        ("embedded", "embedded", None),
        ("embedded:/var/lib/bridge", "embedded", "/var/lib/bridge"),
        ("in-cluster", "in-cluster", None),
    ],
)
def test_explicit_upstream_settings(setting, mode, argument, tmp_path):
    choice = choose_upstream(setting, {}, home=tmp_path)
    assert (choice.mode, choice.argument) == (mode, argument)


def test_auto_prefers_in_cluster_then_kubeconfig_then_embedded(tmp_path):
    token = tmp_path / "token"
    token.write_text("t")
    in_cluster = {"KUBERNETES_SERVICE_HOST": "10.0.0.1", "BRIDGE_SERVICE_ACCOUNT_TOKEN": str(token)}
    assert choose_upstream("auto", {**in_cluster, "KUBECONFIG": "/x"}, home=tmp_path).mode == "in-cluster"
    no_token = {**in_cluster, "BRIDGE_SERVICE_ACCOUNT_TOKEN": str(tmp_path / "none")}
    assert choose_upstream("auto", no_token, home=tmp_path).mode == "embedded"
    assert choose_upstream("auto", {"KUBECONFIG": "/x"}, home=tmp_path).mode == "kubeconfig"
    (tmp_path / ".kube").mkdir()
    (tmp_path / ".kube" / "config").write_text("{}")
    home_choice = choose_upstream("auto", {}, home=tmp_path)
    assert (home_choice.mode, home_choice.argument) == ("kubeconfig", str(tmp_path / ".kube" / "config"))
    assert "auto" in home_choice.reason


def test_kubeconfig_bearer_token_reaches_the_upstream(upstream, tmp_path):
    kubeconfig = write_kubeconfig(tmp_path / "kc", upstream.url, {"token": "kc-token-123"})
    app = create_app(BridgeConfig(upstream=f"kubeconfig:{kubeconfig}"))
    assert app.test_client().get(RC).status_code == 200
    assert upstream.calls[0].headers["Authorization"] == "Bearer kc-token-123"
    assert app.test_client().get("/readyz").get_json()["upstream"] == {
        "mode": "kubeconfig",
        "url": upstream.url,
    }


def test_kubeconfig_in_passthrough_mode_never_sends_the_bridges_token(upstream, tmp_path):
    kubeconfig = write_kubeconfig(tmp_path / "kc", upstream.url, {"token": "kc-token-123"})
    client = create_app(
        BridgeConfig(upstream=f"kubeconfig:{kubeconfig}", auth_mode="passthrough")
    ).test_client()
    assert client.get(RC, headers={"Authorization": "Bearer carol"}).status_code == 200
    assert client.get(RC).status_code == 401
    assert [call.headers.get("Authorization") for call in upstream.calls] == ["Bearer carol"]


def test_exec_plugin_tokens_are_refreshed_when_they_expire(upstream, tmp_path):
    counter = tmp_path / "count"
    counter.write_text("0")
    plugin = tmp_path / "credential-plugin"
    plugin.write_text(
        f"""#!{sys.executable}
import json, pathlib
counter = pathlib.Path({str(counter)!r})
n = int(counter.read_text()) + 1
counter.write_text(str(n))
print(json.dumps({{
    "apiVersion": "client.authentication.k8s.io/v1beta1",
    "kind": "ExecCredential",
    "status": {{"token": f"exec-token-{{n}}", "expirationTimestamp": "2000-01-01T00:00:00Z"}},
}}))
"""
    )
    plugin.chmod(plugin.stat().st_mode | stat.S_IXUSR)
    user = {
        "exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1",
            "command": str(plugin),
            "interactiveMode": "Never",
        }
    }
    kubeconfig = write_kubeconfig(tmp_path / "kc", upstream.url, user)
    client = create_app(BridgeConfig(upstream=f"kubeconfig:{kubeconfig}")).test_client()
    client.get(RC)
    client.get(RC)
    tokens = [call.headers["Authorization"] for call in upstream.calls]
    assert all(token.startswith("Bearer exec-token-") for token in tokens)
    assert tokens[0] != tokens[1]  # an expired credential is never reused


def test_in_cluster_service_account_token_rotation(tmp_path, monkeypatch):
    from kubernetes.config import incluster_config

    token = tmp_path / "token"
    token.write_text("sa-token-1")
    ca = tmp_path / "ca.crt"
    ca.write_text("-----BEGIN CERTIFICATE-----\nnot checked here\n-----END CERTIFICATE-----\n")
    monkeypatch.setattr(incluster_config, "SERVICE_TOKEN_FILENAME", str(token))
    monkeypatch.setattr(incluster_config, "SERVICE_CERT_FILENAME", str(ca))
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "443")

    upstream = connect_upstream(BridgeConfig(upstream="in-cluster"))
    assert upstream.describe() == {"mode": "in-cluster", "url": "https://10.96.0.1:443"}
    assert upstream.verify == str(ca)
    assert upstream.authorization() == "Bearer sa-token-1"

    token.write_text("sa-token-2")  # the kubelet rotated the projected token
    assert upstream.authorization() == "Bearer sa-token-1"  # still fresh: not re-read yet

    class Later:
        """``datetime`` as seen by the loader, two minutes in the future."""

        timedelta = datetime.timedelta

        class datetime(datetime.datetime):
            @classmethod
            def now(cls, tz=None):
                return datetime.datetime.now(tz) + datetime.timedelta(minutes=2)

    monkeypatch.setattr(incluster_config, "datetime", Later)
    assert upstream.authorization() == "Bearer sa-token-2"


@pytest.mark.parametrize("setting", ["kubeconfig:/nonexistent/kubeconfig", "in-cluster"])
def test_an_unusable_upstream_stops_the_app_with_a_clear_error(setting, monkeypatch):
    from bridge.core.config import ConfigError

    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    with pytest.raises(ConfigError, match="upstream"):
        create_app(BridgeConfig(upstream=setting))


def test_an_in_process_embedded_upstream_has_ray_system_like_the_shared_one():
    """Without a gunicorn master (create_app() in a script, `flask run`) the bridge starts the
    embedded API itself; the KubeRay quickstarts need ``ray-system`` there too."""
    upstream = connect_upstream(
        BridgeConfig(upstream="embedded"), environ={}, start_embedded=start_in_process
    )
    try:
        response = upstream.urlopen("GET", "/api/v1/namespaces/ray-system", timeout=5)
        assert response.status == 200
    finally:
        upstream.keepalive.stop()
