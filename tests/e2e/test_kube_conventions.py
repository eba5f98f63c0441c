"""Kubernetes wire conventions (``bridge.kube``) as clients meet them, against a real
``kuberay-bridge serve`` (gunicorn) in front of an embedded API; ``requests`` is the client.

A name in a v1 path is data: the v2 call made for it names the same object, whatever characters
it holds (``bridge.kube.resources`` quotes each segment once). The v1 path ``.../clusters/%2561``
names a cluster called ``%61``; the v2 path used to be pasted together unquoted, so the bridge
asked for ``rayclusters/%61``, which Kubernetes decodes to ``a``: a v1 GET answered cluster ``a``
and a v1 DELETE deleted it.

A YAML body is read as Kubernetes reads it (``bridge.kube.yaml``): map keys are JSON strings,
each its own key. The v2 body decoder used to fold the label keys ``1`` and ``true`` into one
(equal in Python) and send one label, with the other's value.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
import yaml

from bridge.embedded import start
from tests.support.factories import raycluster

NAMESPACE = "v1-names"
MANAGED = {"app.kubernetes.io/managed-by": "kuberay-apiserver"}
V2_CLUSTERS = f"/apis/ray.io/v1/namespaces/{NAMESPACE}/rayclusters"
V1_CLUSTERS = f"/apis/v1/namespaces/{NAMESPACE}/clusters"


@pytest.fixture(scope="module")
def kube(crd_dir) -> Iterator[str]:
    with start(crd_dir=str(crd_dir), namespaces=[NAMESPACE]) as server:
        yield server.url


@pytest.fixture(scope="module")
def bridge(start_bridge, kube: str):
    bridge = start_bridge("--upstream", kube, "--workers", "1")
    created = requests.post(bridge.url + V2_CLUSTERS, json=raycluster("a", labels=MANAGED), timeout=30)
    assert created.status_code == 201, created.text
    return bridge


def test_a_v1_get_of_an_escaped_name_does_not_answer_another_cluster(bridge):
    answer = requests.get(bridge.url + V1_CLUSTERS + "/%2561", timeout=30)
    assert answer.status_code == 404, answer.text
    assert answer.json()["code"] == 5  # gRPC NotFound, in the v1 body
    assert requests.get(bridge.url + V1_CLUSTERS + "/a", timeout=30).json()["name"] == "a"


def test_a_v1_delete_of_an_escaped_name_leaves_the_other_cluster_alone(bridge):
    answer = requests.delete(bridge.url + V1_CLUSTERS + "/%2561", timeout=30)
    assert answer.status_code == 404, answer.text
    still_there = requests.get(bridge.url + V2_CLUSTERS + "/a", timeout=30)
    assert still_there.status_code == 200, still_there.text


def test_the_successor_link_names_the_same_object(bridge):
    answer = requests.get(bridge.url + V1_CLUSTERS + "/%2561", timeout=30)
    assert f'<{V2_CLUSTERS}/%2561>; rel="successor-version"' in answer.headers["Link"]


def test_yaml_label_keys_that_python_finds_equal_stay_two_labels(bridge):
    body = yaml.safe_dump(raycluster("yaml-keys", labels={})).replace(
        "labels: {}", "labels:\n    1: one\n    true: yes-label"
    )
    assert "1: one" in body
    created = requests.post(
        bridge.url + V2_CLUSTERS, data=body, timeout=30, headers={"Content-Type": "application/yaml"}
    )
    assert created.status_code == 201, created.text
    stored = requests.get(bridge.url + V2_CLUSTERS + "/yaml-keys", timeout=30).json()
    assert stored["metadata"]["labels"] == {"1": "one", "true": "yes-label"}
