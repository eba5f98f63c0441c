"""Three embedded API servers in one process, each with its own CRDs (the KubeRay ones, a
small RayCluster CRD of this test's own, none): each publishes, validates with and prints
the columns of its own CRDs only, as seen by ``kubectl`` and ``requests``.

The CRD schemas and printer columns used to live in module globals, so the server started
last decided what every other server published.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from bridge.embedded import start
from tests.support.factories import RAY, raycluster
from tests.support.kubectl import Kubectl
from tests.support.sessions import Api

NAMESPACE = "default"

SMALL_RAYCLUSTER_CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "rayclusters.ray.io"},
    "spec": {
        "group": "ray.io",
        "names": {
            "plural": "rayclusters",
            "singular": "raycluster",
            "kind": "RayCluster",
            "listKind": "RayClusterList",
        },
        "scope": "Namespaced",
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "additionalPrinterColumns": [
                    {"name": "flavor", "type": "string", "jsonPath": ".spec.flavor"}
                ],
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "apiVersion": {"type": "string"},
                            "kind": {"type": "string"},
                            "metadata": {"type": "object"},
                            "spec": {"type": "object", "properties": {"flavor": {"type": "string"}}},
                            "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                        },
                    }
                },
            }
        ],
    },
}


@pytest.fixture(scope="module")
def servers(crd_dir: Path, tmp_path_factory) -> Iterator[dict[str, str]]:
    """name -> URL; the KubeRay one starts first, so a shared registry would end up the others'."""
    small_dir = tmp_path_factory.mktemp("small-crds")
    (small_dir / "rayclusters.yaml").write_text(yaml.safe_dump(SMALL_RAYCLUSTER_CRD))
    with start(crd_dir=str(crd_dir)) as kuberay, start(crd_dir=str(small_dir)) as small, start() as bare:
        yield {"kuberay": kuberay.url, "small": small.url, "bare": bare.url}


def kubectl_for(servers: dict[str, str], name: str, tmp_path: Path) -> Kubectl:
    home = tmp_path / name
    home.mkdir()
    return Kubectl(servers[name], home)


def test_kubectl_explain_reads_each_servers_own_schema(servers, tmp_path):
    kuberay, small, bare = (kubectl_for(servers, name, tmp_path) for name in ("kuberay", "small", "bare"))

    replicas = kuberay("explain", "rayclusters.spec.workerGroupSpecs.replicas")
    assert "FIELD: replicas <integer>" in replicas.stdout
    assert kuberay("explain", "rayclusters.spec.flavor", check=False).stderr.strip() == (
        'error: field "flavor" does not exist'
    )

    assert "FIELD: flavor <string>" in small("explain", "rayclusters.spec.flavor").stdout
    assert small("explain", "rayclusters.spec.workerGroupSpecs", check=False).stderr.strip() == (
        'error: field "workerGroupSpecs" does not exist'
    )

    assert bare("explain", "rayclusters", check=False).stderr.strip() == (
        "error: GVK map[group:ray.io kind:RayCluster version:v1] not found in OpenAPI schema"
    )


def test_openapi_documents_differ_with_the_crds(servers):
    documents, index_urls = {}, {}
    for name, url in servers.items():
        with Api(url) as api:
            index = api.get("/openapi/v3").json()
            index_urls[name] = index["paths"]["apis/ray.io/v1"]["serverRelativeURL"]
            documents[name] = api.get(index_urls[name]).json()["components"]["schemas"]
    kuberay_spec = documents["kuberay"]["io.ray.v1.RayCluster"]["properties"]["spec"]
    assert "workerGroupSpecs" in kuberay_spec["properties"]
    assert "io.ray.v1.RayJob" in documents["kuberay"]
    assert set(documents["small"]) == {"io.ray.v1.RayCluster"}
    assert set(documents["small"]["io.ray.v1.RayCluster"]["properties"]["spec"]["properties"]) == {"flavor"}
    assert documents["bare"] == {}
    assert len(set(index_urls.values())) == 3  # kubectl's cache never mixes them up


def test_kubectl_get_prints_each_servers_own_columns(servers, tmp_path):
    headers = {}
    for name, url in servers.items():
        with Api(url) as api:
            body = raycluster(f"cols-{name}")
            body["spec"]["flavor"] = "vanilla"
            assert api.post(f"{RAY}/namespaces/{NAMESPACE}/rayclusters", json=body).status_code == 201
        listed = kubectl_for(servers, name, tmp_path)("get", "rayclusters", "-n", NAMESPACE).stdout
        headers[name] = listed.splitlines()[0].split()
    assert headers["kuberay"][:3] == ["NAME", "DESIRED", "WORKERS"]
    assert headers["small"] == ["NAME", "FLAVOR"]
    assert headers["bare"] == ["NAME", "AGE"]


def test_each_server_validates_with_its_own_schema(servers):
    answers = {}
    for name, url in servers.items():
        body = raycluster(f"valid-{name}", flavor="vanilla")
        with Api(url) as api:
            answers[name] = api.post(f"{RAY}/namespaces/{NAMESPACE}/rayclusters", json=body)
        assert answers[name].status_code == 201, answers[name].text
    warnings = {name: answer.raw.headers.getlist("Warning") for name, answer in answers.items()}
    specs = {name: answer.json()["spec"] for name, answer in answers.items()}
    assert warnings["kuberay"] == ['299 - "unknown field \\"spec.flavor\\""']
    assert "flavor" not in specs["kuberay"] and "headGroupSpec" in specs["kuberay"]
    assert warnings["small"] == [
        '299 - "unknown field \\"spec.headGroupSpec\\""',
        '299 - "unknown field \\"spec.rayVersion\\""',
    ]
    assert specs["small"] == {"flavor": "vanilla"}
    assert warnings["bare"] == []
    assert specs["bare"] == body["spec"]
