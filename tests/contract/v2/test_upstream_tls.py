"""A TLS upstream that requires client certificates, reached through a kubeconfig: the CA is
checked, the bridge's client certificate is presented — and in passthrough mode it is not."""

from __future__ import annotations

import ssl
import subprocess
import threading
from pathlib import Path

import pytest
import yaml
from werkzeug.serving import make_server

from bridge.app import create_app
from bridge.core.config import BridgeConfig
from tests.support.fake_upstream import FakeUpstream

RC = "/apis/ray.io/v1/namespaces/x/rayclusters"


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=30)


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> Path:
    """A CA, a server certificate for 127.0.0.1 and a client certificate, all from that CA."""
    d = tmp_path_factory.mktemp("pki")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
            "-days", "2", "-subj", "/CN=test-ca", cwd=d)  # fmt: skip
    (d / "server.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    for name, subject, extra in (
        ("server", "/CN=127.0.0.1", ["-extfile", "server.ext"]),
        ("client", "/CN=kuberay-bridge/O=bridges", []),
    ):
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr",
                "-subj", subject, cwd=d)  # fmt: skip
        openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", f"{name}.crt", "-days", "2", *extra, cwd=d)  # fmt: skip
    return d


@pytest.fixture(scope="module")
def tls_upstream(pki):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki / "server.crt", pki / "server.key")
    context.load_verify_locations(pki / "ca.crt")
    context.verify_mode = ssl.CERT_REQUIRED  # no client certificate, no connection
    upstream = FakeUpstream()
    server = make_server("127.0.0.1", 0, upstream.wsgi, threaded=True, ssl_context=context)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    upstream.url = f"https://127.0.0.1:{server.server_port}"
    yield upstream
    server.shutdown()
    server.server_close()


def kubeconfig(path: Path, server: str, pki: Path, with_ca: bool = True) -> Path:
    cluster = {"server": server}
    if with_ca:
        cluster["certificate-authority"] = str(pki / "ca.crt")
    user = {"client-certificate": str(pki / "client.crt"), "client-key": str(pki / "client.key")}
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "c",
        "clusters": [{"name": "c", "cluster": cluster}],
        "users": [{"name": "u", "user": user}],
        "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}}],
    }))  # fmt: skip
    return path


def test_client_certificate_and_ca_from_the_kubeconfig(tls_upstream, pki, tmp_path):
    tls_upstream.reset()
    config = kubeconfig(tmp_path / "kc", tls_upstream.url, pki)
    client = create_app(BridgeConfig(upstream=f"kubeconfig:{config}")).test_client()
    response = client.get(RC)
    assert response.status_code == 200, response.data
    assert tls_upstream.paths() == [RC]


def test_an_unknown_server_certificate_is_refused(tls_upstream, pki, tmp_path):
    tls_upstream.reset()
    config = kubeconfig(tmp_path / "kc", tls_upstream.url, pki, with_ca=False)
    client = create_app(BridgeConfig(upstream=f"kubeconfig:{config}", retry_max=0)).test_client()
    response = client.get(RC)
    assert response.status_code == 502
    assert "TLS" in response.get_json()["message"]
    assert tls_upstream.calls == []


def test_passthrough_never_presents_the_bridges_certificate(tls_upstream, pki, tmp_path):
    tls_upstream.reset()
    config = kubeconfig(tmp_path / "kc", tls_upstream.url, pki)
    client = create_app(
        BridgeConfig(upstream=f"kubeconfig:{config}", auth_mode="passthrough", retry_max=0)
    ).test_client()
    response = client.get(RC, headers={"Authorization": "Bearer dave"})
    assert response.status_code == 502  # this upstream accepts no one without a certificate
    assert tls_upstream.calls == []
