"""Protobuf request bodies (what kubectl 1.32 sends for ``kubectl create namespace`` and
friends) are read as the JSON objects they encode."""

from __future__ import annotations

import subprocess

from tests.support.asserts import assert_status

PROTOBUF = {
    "Content-Type": "application/vnd.kubernetes.protobuf",
    "Accept": "application/vnd.kubernetes.protobuf,application/json",
}


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def field(number: int, value: int | bytes | str) -> bytes:
    if isinstance(value, int):
        return _varint(number << 3) + _varint(value)
    data = value.encode() if isinstance(value, str) else value
    return _varint(number << 3 | 2) + _varint(len(data)) + data


def envelope(api_version: str, kind: str, raw: bytes) -> bytes:
    type_meta = field(1, api_version) + field(2, kind)
    return b"k8s\x00" + field(1, type_meta) + field(2, raw) + field(3, "") + field(4, "")


def entry(key: str, value: str) -> bytes:
    return field(1, key) + field(2, value)


def test_configmap_in_protobuf(api, namespace):
    # Go writes empty strings and zero numbers for unset fields; they must not show up.
    metadata = (
        field(1, "proto-cm")
        + field(2, "")
        + field(3, "")
        + field(7, 0)
        + field(8, b"")
        + field(11, entry("app", "demo"))
    )
    raw = (
        field(1, metadata)
        + field(2, entry("k1", "v1"))
        + field(2, entry("k2", "v2"))
        + field(3, field(1, "bin") + field(2, b"\x00\x01"))
    )
    created = api.post(
        f"/api/v1/namespaces/{namespace}/configmaps", data=envelope("v1", "ConfigMap", raw), headers=PROTOBUF
    )
    assert created.status_code == 201, created.text
    assert created.headers["Content-Type"] == "application/json"
    body = created.json()
    assert body["data"] == {"k1": "v1", "k2": "v2"}
    assert body["binaryData"] == {"bin": "AAE="}
    assert body["metadata"]["labels"] == {"app": "demo"}
    assert "generateName" not in body["metadata"]


def test_service_ports_and_int_or_string(api, namespace):
    by_number = (
        field(1, "web")
        + field(2, "TCP")
        + field(3, 80)
        + field(4, field(1, 0) + field(2, 8080) + field(3, ""))
    )
    by_name = (
        field(1, "tls")
        + field(2, "TCP")
        + field(3, 443)
        + field(4, field(1, 1) + field(2, 0) + field(3, "https"))
    )
    spec = (
        field(1, by_number)
        + field(1, by_name)
        + field(2, entry("app", "x"))
        + field(4, "ClusterIP")
        + field(12, 0)
    )
    raw = field(1, field(1, "proto-svc")) + field(2, spec)
    created = api.post(
        f"/api/v1/namespaces/{namespace}/services", data=envelope("v1", "Service", raw), headers=PROTOBUF
    )
    assert created.status_code == 201, created.text
    ports = created.json()["spec"]["ports"]
    assert ports == [
        {"name": "web", "protocol": "TCP", "port": 80, "targetPort": 8080},
        {"name": "tls", "protocol": "TCP", "port": 443, "targetPort": "https"},
    ]
    assert created.json()["spec"]["selector"] == {"app": "x"}


def test_protobuf_for_custom_resources_is_unsupported(api, namespace):
    raw = field(1, field(1, "x"))
    assert_status(
        api.post(
            f"/apis/ray.io/v1/namespaces/{namespace}/rayclusters",
            data=envelope("ray.io/v1", "RayCluster", raw),
            headers=PROTOBUF,
        ),
        415,
        "UnsupportedMediaType",
    )


def test_malformed_protobuf_is_bad_request(api, namespace):
    assert_status(
        api.post(f"/api/v1/namespaces/{namespace}/configmaps", data=b"not protobuf", headers=PROTOBUF),
        400,
        "BadRequest",
    )
    truncated = envelope("v1", "ConfigMap", field(1, field(1, "x")))[:-6]
    assert_status(
        api.post(f"/api/v1/namespaces/{namespace}/configmaps", data=truncated, headers=PROTOBUF),
        400,
        "BadRequest",
    )


def test_kubectl_create_commands_that_send_protobuf(embedded, api):
    kubectl = ["kubectl", "--server", embedded.url]

    def run(*args: str) -> str:
        done = subprocess.run([*kubectl, *args], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout

    run("create", "namespace", "kubectl-proto")
    try:
        run("create", "configmap", "settings", "-n", "kubectl-proto", "--from-literal=a=1")
        run("create", "service", "clusterip", "dash", "-n", "kubectl-proto", "--tcp=8265:8265")
        assert api.get("/api/v1/namespaces/kubectl-proto/configmaps/settings").json()["data"] == {"a": "1"}
        assert (
            api.get("/api/v1/namespaces/kubectl-proto/services/dash").json()["spec"]["ports"][0]["port"]
            == 8265
        )
    finally:
        run("delete", "namespace", "kubectl-proto")
