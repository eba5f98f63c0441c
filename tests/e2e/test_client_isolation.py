"""One client must not hurt the others, through a real gunicorn with the shipped settings and
the timeouts lowered: a request body that never arrives is answered 408 in the dialect of
its path and its connection closed; a body that takes seconds to parse leaves the worker's
loop serving everyone else."""

from __future__ import annotations

import json
import socket
import threading

import pytest
import requests

from tests.support.fake_upstream import running_fake_upstream

RC = "/apis/ray.io/v1/namespaces/x/rayclusters"


@pytest.fixture(scope="module")
def fake():
    with running_fake_upstream() as upstream:
        yield upstream


@pytest.fixture(scope="module")
def bridge(start_bridge, fake):
    # The YAML limit raised to the body limit: the worst body the bridge accepts at all.
    return start_bridge(
        "--upstream", fake.url, "--workers", "1", "--body-timeout", "1", "--max-yaml-body-bytes", "3145728"
    )  # fmt: skip


def read_until_closed(sock: socket.socket) -> bytes:
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def send_headers_and_one_byte(port: int, path: str) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=20)
    sock.sendall(
        f"POST {path} HTTP/1.1\r\nHost: b\r\nContent-Type: application/json\r\n"
        "Content-Length: 100\r\n\r\n{".encode()
    )
    return sock


@pytest.mark.parametrize(
    ("path", "error"),
    [
        (RC, {"kind": "Status", "code": 408, "reason": "Timeout"}),
        ("/apis/v1/namespaces/x/clusters", {"code": 4}),
    ],
)
def test_a_body_that_never_arrives_is_408_in_the_dialect_and_the_connection_closes(bridge, fake, path, error):
    fake.reset()
    with send_headers_and_one_byte(bridge.port, path) as sock:
        head, _, body = read_until_closed(sock).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 "), head
    document = json.loads(body)
    assert error.items() <= document.items()
    assert "did not arrive within 1 seconds" in document["message"]
    assert fake.calls == []


def test_healthz_keeps_answering_while_a_big_adversarial_yaml_body_is_parsed(bridge, fake):
    """Almost 3 MiB of tiny flow items: seconds of parsing even for libyaml."""
    fake.reset()
    body = b"apiVersion: ray.io/v1\nkind: RayCluster\nspec: [" + b"[]," * 950_000 + b"[]]\n"
    answers: list[int] = []
    post = threading.Thread(
        target=lambda: answers.append(
            requests.post(
                bridge.url + RC, data=body, headers={"Content-Type": "application/yaml"}, timeout=120
            ).status_code
        )
    )
    post.start()
    health_checks = 0
    try:
        while post.is_alive():
            assert requests.get(bridge.url + "/healthz", timeout=5).status_code == 200
            health_checks += 1
    finally:
        post.join()
    assert answers == [200]
    assert len(fake.calls) == 1 and health_checks >= 1
