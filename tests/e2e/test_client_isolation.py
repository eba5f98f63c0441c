"""One client must not hurt the others, through a real gunicorn with the shipped settings and
the timeouts lowered: a request body that never arrives is answered 408 in the dialect of
its path and its connection closed; a body that takes seconds to parse leaves the worker's
loop serving everyone else; and under hundreds of zombie watches, slow bodies and idle
connections at once a well-behaved client is still served, and the worker gives every
descriptor back afterwards."""

from __future__ import annotations

import json
import os
import socket
import threading
import time

import pytest
import requests
from werkzeug.wrappers import Response

from tests.support.bridge_process import raise_open_files_limit
from tests.support.fake_upstream import json_answer
from tests.support.waiting import wait_until

RC = "/apis/ray.io/v1/namespaces/x/rayclusters"


@pytest.fixture(scope="module")
def bridge(start_bridge, fake_upstream):
    # The YAML limit raised to the body limit: the worst body the bridge accepts at all.
    return start_bridge(
        "--upstream", fake_upstream.url, "--workers", "1",
        "--body-timeout", "1", "--max-yaml-body-bytes", "3145728",
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
def test_a_body_that_never_arrives_is_408_in_the_dialect_and_the_connection_closes(
    bridge, upstream, path, error
):
    with send_headers_and_one_byte(bridge.port, path) as sock:
        head, _, body = read_until_closed(sock).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 "), head
    document = json.loads(body)
    assert error.items() <= document.items()
    assert "did not arrive within 1 seconds" in document["message"]
    assert upstream.calls == []


def test_healthz_keeps_answering_while_a_big_adversarial_yaml_body_is_parsed(bridge, upstream):
    """Almost 3 MiB of tiny flow items: seconds of parsing even for libyaml."""
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
    assert len(upstream.calls) == 1 and health_checks >= 1


def idle_watches_until(hold: threading.Event):
    """Watches stay open and silent until ``hold`` is set; every other call is answered."""

    def script(call, number):
        if "watch=true" not in call.raw_uri:
            return json_answer(200, {"kind": "RayClusterList", "items": []})

        def events():
            yield b""
            hold.wait(90)

        return Response(events(), content_type="application/json")

    return script


def open_descriptors(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def zombie_watch(port: int) -> None:
    """A watch whose client sends one byte more once it is established, then disconnects."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(f"GET {RC}?watch=true HTTP/1.1\r\nHost: b\r\n\r\n".encode())
        assert sock.recv(1024).startswith(b"HTTP/1.1 200")
        sock.sendall(b"x")


def test_zombie_watches_slow_bodies_and_idle_connections_leave_others_served(bridge, fake_upstream):
    raise_open_files_limit()
    hold = threading.Event()
    fake_upstream.reset(idle_watches_until(hold))
    (worker,) = bridge.children()
    requests.get(bridge.url + "/healthz", timeout=5)
    baseline = open_descriptors(worker)
    attackers: list[socket.socket] = []
    try:
        with (
            requests.Session() as client,
            client.get(bridge.url + RC, params={"watch": "true"}, stream=True, timeout=30) as own_watch,
        ):
            assert own_watch.status_code == 200
            for _ in range(200):
                zombie_watch(bridge.port)
                attackers.append(send_headers_and_one_byte(bridge.port, RC))
                attackers.append(socket.create_connection(("127.0.0.1", bridge.port), timeout=20))
                attackers.append(send_headers_and_one_byte(bridge.port, "/apis/v1/namespaces/x/clusters"))
            # Well-behaved calls meanwhile and after, until the slow bodies and idle
            # connections have been cut: each answered within a generous bound.
            until = time.monotonic() + 8
            served = 0
            while time.monotonic() < until:
                assert client.get(bridge.url + RC, timeout=5).status_code == 200
                assert client.get(bridge.url + "/healthz", timeout=5).status_code == 200
                served += 1
            assert served > 0
            assert not own_watch.raw.closed  # its own watch stayed open throughout
        # Zombie watches released both sockets; slow bodies got their 408 and were closed;
        # idle connections were closed by the keep-alive timeout.
        assert wait_until(lambda: open_descriptors(worker) <= baseline + 10, deadline_seconds=30), (
            open_descriptors(worker),
            baseline,
        )
    finally:
        hold.set()
        for sock in attackers:
            sock.close()
