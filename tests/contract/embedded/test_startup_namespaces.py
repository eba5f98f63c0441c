"""Namespaces the embedded API creates at start: a fresh cluster's, plus those asked for
(the bridge asks for ``ray-system``, where KubeRay lives, so KubeRay's quickstarts work)."""

from __future__ import annotations

import subprocess

import requests

from bridge import embedded
from tests.support.bridge_process import CLI
from tests.support.waiting import free_port


def names(url: str) -> list[str]:
    listed = requests.get(url + "/api/v1/namespaces", timeout=5).json()
    return sorted(item["metadata"]["name"] for item in listed["items"])


def test_a_fresh_cluster_has_only_the_kubernetes_namespaces():
    with embedded.start() as server:
        assert names(server.url) == ["default", "kube-node-lease", "kube-public", "kube-system"]


def test_extra_namespaces_exist_from_the_start_once_each(tmp_path):
    with embedded.start(data_dir=str(tmp_path), namespaces=["ray-system", "team-a", "ray-system"]) as server:
        assert names(server.url) == [
            "default", "kube-node-lease", "kube-public", "kube-system", "ray-system", "team-a",
        ]  # fmt: skip
        uid = requests.get(server.url + "/api/v1/namespaces/ray-system", timeout=5).json()["metadata"]["uid"]
    with embedded.start(data_dir=str(tmp_path), namespaces=["ray-system"]) as again:
        kept = requests.get(again.url + "/api/v1/namespaces/ray-system", timeout=5).json()
        assert kept["metadata"]["uid"] == uid  # an existing namespace is kept, not recreated


def test_an_invalid_namespace_name_stops_the_cli_with_a_message():
    done = subprocess.run(
        [CLI, "embedded-apiserver", "--port", str(free_port()), "--namespace", "Bad_Name"],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert done.returncode == 1
    assert 'cannot create the namespaces Bad_Name: Namespace "Bad_Name" is invalid' in done.stderr
