"""Long-lived connections through a real ``kuberay-bridge serve --upstream embedded`` with the
shipped settings (gunicorn, 2 gevent workers): a watch and lists sharing one keep-alive
connection (the loop of every Python informer), thousands of concurrent watches, and watches
open while the bridge is stopped with SIGTERM or a terminal's Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time

import pytest
import requests
from kubernetes import client as k8s
from kubernetes import watch as k8s_watch

from tests.support.bridge_process import RawWatches, lines_not_json, raise_open_files_limit
from tests.support.factories import RAYCLUSTERS, raycluster, unique
from tests.support.waiting import wait_until

GROUP, VERSION, PLURAL = "ray.io", "v1", "rayclusters"
WATCHES = 2000
GRACEFUL_TIMEOUT = 30  # what a stop would take if an open watch held it up


@pytest.fixture(scope="module")
def bridge(start_bridge, crd_dir):
    return start_bridge("--upstream", "embedded", "--embedded-crd-dir", str(crd_dir), "--workers", "2")


def _watch_then_lists(url: str, rounds: int = 4, lists: int = 50) -> list[tuple[int, str]]:
    """What an informer does: a watch ending (timeout_seconds=1), then ordinary lists, all on
    one ApiClient and so on one pooled keep-alive connection; the failures seen."""
    configuration = k8s.Configuration()
    configuration.host = url
    failures = []
    with k8s.ApiClient(configuration) as api_client:
        api = k8s.CustomObjectsApi(api_client)
        for _ in range(rounds):
            events = list(
                k8s_watch.Watch().stream(
                    api.list_namespaced_custom_object, GROUP, VERSION, "default", PLURAL, timeout_seconds=1
                )
            )
            assert all(event["type"] in ("ADDED", "BOOKMARK") for event in events)
            for _ in range(lists):
                try:
                    api.list_namespaced_custom_object(GROUP, VERSION, "default", PLURAL)
                except k8s.ApiException as error:
                    failures.append((error.status, error.body))
    return failures


def test_kubernetes_client_watch_then_lists_on_the_same_connection(bridge):
    """The hang-up watcher of the finished watch must not touch the socket the server reads
    the next request from (under gevent that failed about one list in four with a 500)."""
    assert _watch_then_lists(bridge.url) == []
    assert "ConcurrentObjectUseError" not in bridge.log()


@pytest.fixture(scope="module")
def gthread_bridge(start_bridge):
    return start_bridge("--upstream", "embedded", "--workers", "1", "--worker-class", "gthread")


def test_kubernetes_client_watch_then_lists_under_gthread(gthread_bridge):
    """The same with gunicorn's gthread worker, whose hang-up poller is one epoll thread."""
    assert _watch_then_lists(gthread_bridge.url, rounds=2) == []


def test_gthread_worker_lets_go_of_a_watch_whose_client_left(gthread_bridge):
    """The request's log line is written when its response closes: once the client is gone,
    while the upstream watch is still idle."""
    watches = RawWatches(gthread_bridge.port, RAYCLUSTERS.format(ns="default"), 1, request_id="left-gthread")
    try:
        assert watches.read_until(lambda: watches.count(b"HTTP/1.1 200 OK") == 1, 30)
        assert '"left-gthread"' not in gthread_bridge.log()
    finally:
        watches.close()
    assert wait_until(lambda: '"left-gthread"' in gthread_bridge.log(), 20)


def test_two_thousand_watches_all_get_the_event_and_stay_open(bridge):
    """2,000 watches through 2 workers (past select()'s 1024 descriptors and gunicorn's default
    1000 connections a worker), each backed by an upstream watch on the embedded API."""
    assert raise_open_files_limit() > 2 * WATCHES + 100, "the test process needs the file descriptors"
    namespace_path = RAYCLUSTERS.format(ns="default")
    watches = RawWatches(bridge.port, namespace_path, WATCHES)
    try:
        assert watches.read_until(lambda: watches.count(b"HTTP/1.1 200 OK") == WATCHES, 60), (
            f"{watches.count(b'HTTP/1.1 200 OK')} of {WATCHES} watches answered"
        )
        name = unique("watched")
        created = requests.post(bridge.url + namespace_path, json=raycluster(name), timeout=60)
        assert created.status_code == 201, created.text
        added = f'"name":"{name}"'.encode()
        watches.read_until(lambda: watches.count(added) + len(watches.ended) >= WATCHES, 60)
        assert len(watches.ended) == 0, f"{len(watches.ended)} watches ended early"
        assert watches.count(added) == WATCHES
        assert watches.count(b'"type":"ADDED"') == WATCHES
    finally:
        watches.close()
    requests.delete(f"{bridge.url}{namespace_path}/{name}", timeout=30)


def _kubernetes_watch_in_thread(url: str) -> tuple[threading.Thread, dict]:
    """A python-client watch (server timeout far away) in a thread; its outcome in the dict."""
    outcome: dict = {}
    configuration = k8s.Configuration()
    configuration.host = url
    api = k8s.CustomObjectsApi(k8s.ApiClient(configuration))

    def run() -> None:
        try:
            for event in k8s_watch.Watch().stream(
                api.list_namespaced_custom_object, GROUP, VERSION, "default", PLURAL, timeout_seconds=600
            ):
                outcome.setdefault("events", []).append(event["type"])
            outcome["ended"] = "normally"
        except Exception as error:  # the assertion below shows it
            outcome["ended"] = repr(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def _watching(bridge, count: int) -> tuple[RawWatches, threading.Thread, dict]:
    watches = RawWatches(bridge.port, RAYCLUSTERS.format(ns="default"), count)
    assert watches.read_until(lambda: watches.count(b"HTTP/1.1 200 OK") == count, 30)
    thread, outcome = _kubernetes_watch_in_thread(bridge.url)
    # the python client's watch is open once the bridge counts it among its open streams
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        metrics = requests.get(bridge.url + "/metrics", timeout=10).text
        if _open_streams(metrics) >= count + 1:
            break
        time.sleep(0.1)
    assert _open_streams(metrics) >= count + 1, metrics
    return watches, thread, outcome


def _open_streams(metrics: str) -> float:
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in metrics.splitlines()
        if line.startswith("kuberay_bridge_open_streams")
    )


def test_sigterm_ends_open_watches_cleanly_and_quickly(start_bridge):
    bridge = start_bridge("--upstream", "embedded", "--graceful-timeout", str(GRACEFUL_TIMEOUT))
    watches, thread, outcome = _watching(bridge, 3)
    try:
        began = time.monotonic()
        bridge.process.send_signal(signal.SIGTERM)
        bridge.process.wait(GRACEFUL_TIMEOUT + 15)
        took = time.monotonic() - began
        watches.read_until(lambda: len(watches.ended) == 3, 10)
        thread.join(10)
    finally:
        watches.close()
    assert took < 10, f"the bridge took {took:.1f}s to stop"
    assert bridge.process.returncode == 0
    assert watches.complete() == 3, list(watches.received.values())
    assert outcome.get("ended") == "normally", outcome
    assert lines_not_json(bridge.log()) == []


def test_ctrl_c_in_a_terminal_stops_without_a_traceback(start_bridge):
    """A terminal's Ctrl-C sends SIGINT to the whole process group: the master, the workers
    and the embedded API all get it, then the master sends the workers SIGQUIT too."""
    bridge = start_bridge("--upstream", "embedded", own_process_group=True)
    watches, thread, _ = _watching(bridge, 2)
    try:
        os.killpg(bridge.process.pid, signal.SIGINT)
        try:
            bridge.process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(bridge.process.pid, signal.SIGKILL)
            raise
        watches.read_until(lambda: len(watches.ended) == 2, 10)
        thread.join(10)
    finally:
        watches.close()
    log = bridge.log()
    assert "Traceback" not in log, log
    assert lines_not_json(log) == []
    assert bridge.process.returncode == 0
