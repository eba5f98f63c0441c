"""The real ``kubectl`` (v1.32) works against the embedded API with no cluster and no kubeconfig."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.support.factories import raycluster
from tests.support.kubectl import Kubectl


@pytest.fixture
def kubectl(embedded, tmp_path) -> Kubectl:
    return Kubectl(embedded.url, tmp_path)


def manifest(tmp_path: Path, obj: dict, name: str = "manifest.yaml") -> str:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(obj))
    return str(path)


def test_create_get_delete_raycluster(kubectl, api, namespace, tmp_path):
    path = manifest(tmp_path, raycluster("demo"))

    created = kubectl("create", "-f", path, "-n", namespace)
    assert created.stdout.strip() == "raycluster.ray.io/demo created"

    shown = json.loads(kubectl("get", "raycluster", "demo", "-n", namespace, "-o", "json").stdout)
    stored = api.get(f"/apis/ray.io/v1/namespaces/{namespace}/rayclusters/demo").json()
    assert shown == stored
    assert shown["spec"] == raycluster("demo")["spec"]

    listed = kubectl("get", "rayclusters", "-A").stdout.splitlines()
    assert listed[0].split()[:3] == ["NAMESPACE", "NAME", "DESIRED"]
    assert any(line.split()[:2] == [namespace, "demo"] for line in listed[1:])

    deleted = kubectl("delete", "raycluster", "demo", "-n", namespace)
    assert deleted.stdout.strip() == 'raycluster.ray.io "demo" deleted'

    gone = kubectl("get", "raycluster", "demo", "-n", namespace, check=False)
    assert gone.returncode == 1
    assert gone.stderr.strip() == 'Error from server (NotFound): rayclusters.ray.io "demo" not found'


def test_table_shows_the_crd_printer_columns(kubectl, api, namespace):
    assert (
        api.post(f"/apis/ray.io/v1/namespaces/{namespace}/rayclusters", json=raycluster("cols")).status_code
        == 201
    )
    api.patch(
        f"/apis/ray.io/v1/namespaces/{namespace}/rayclusters/cols/status",
        json={"status": {"state": "ready", "desiredWorkerReplicas": 2, "desiredCPU": "3"}},
        headers={"Content-Type": "application/merge-patch+json"},
    )

    header, row = kubectl("get", "rayclusters", "-n", namespace).stdout.splitlines()
    assert header.split() == [
        "NAME",
        "DESIRED",
        "WORKERS",
        "AVAILABLE",
        "WORKERS",
        "CPUS",
        "MEMORY",
        "GPUS",
        "STATUS",
        "AGE",
    ]
    cells = row.split()
    assert cells[0] == "cols" and "ready" in cells and "3" in cells and "2" in cells

    wide = kubectl("get", "rayclusters", "-n", namespace, "-o", "wide").stdout.splitlines()[0]
    assert "HEAD POD IP" in wide and "TPUS" in wide


def test_empty_namespace(kubectl, namespace):
    empty = kubectl("get", "rayclusters", "-n", namespace)
    assert empty.stdout == ""
    assert empty.stderr.strip() == f"No resources found in {namespace} namespace."


def test_unknown_field_is_refused_by_default_validation(kubectl, namespace, tmp_path):
    obj = raycluster("strict")
    obj["spec"]["foo"] = "bar"
    path = manifest(tmp_path, obj)

    refused = kubectl("create", "-f", path, "-n", namespace, check=False)
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        f'Error from server (BadRequest): error when creating "{path}": RayCluster in version "v1" '
        'cannot be handled as a RayCluster: strict decoding error: unknown field "spec.foo"'
    )


def test_unknown_field_is_pruned_with_a_warning(kubectl, api, namespace, tmp_path):
    obj = raycluster("warned")
    obj["spec"]["foo"] = "bar"
    created = kubectl("create", "-f", manifest(tmp_path, obj), "-n", namespace, "--validate=warn")
    assert 'Warning: unknown field "spec.foo"' in created.stderr
    stored = api.get(f"/apis/ray.io/v1/namespaces/{namespace}/rayclusters/warned").json()
    assert "foo" not in stored["spec"]


def test_invalid_object_shows_kubernetes_error(kubectl, namespace, tmp_path):
    obj = raycluster("broken")
    del obj["spec"]["headGroupSpec"]
    refused = kubectl("create", "-f", manifest(tmp_path, obj), "-n", namespace, check=False)
    assert refused.returncode == 1
    assert refused.stderr.strip() == 'The RayCluster "broken" is invalid: spec.headGroupSpec: Required value'


def test_discovery_as_kubectl_sees_it(kubectl):
    resources = kubectl("api-resources", "--api-group=ray.io", "--no-headers").stdout.splitlines()
    assert sorted(line.split()[0] for line in resources) == ["rayclusters", "rayjobs", "rayservices"]
    version = json.loads(kubectl("version", "-o", "json").stdout)
    assert version["serverVersion"]["gitVersion"] == "v1.32.0"
    categories = kubectl("api-resources", "--categories=all", "-o", "name").stdout.split()
    assert {"rayclusters.ray.io", "rayjobs.ray.io", "rayservices.ray.io", "services"} <= set(categories)


def test_events_through_both_apis(kubectl, api, namespace):
    event = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": "ev1"},
        "involvedObject": {"kind": "RayCluster", "name": "demo", "namespace": namespace},
        "reason": "Created",
        "message": "made it",
        "type": "Normal",
        "lastTimestamp": "2026-11-21T10:00:00Z",
    }
    assert api.post(f"/api/v1/namespaces/{namespace}/events", json=event).status_code == 201
    shown = json.loads(kubectl("get", "events.events.k8s.io", "ev1", "-n", namespace, "-o", "json").stdout)
    assert shown["note"] == "made it" and shown["regarding"]["name"] == "demo"
    table = kubectl("get", "events", "-n", namespace).stdout.splitlines()
    assert table[0].split() == ["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    assert table[1].split()[1:] == ["Normal", "Created", "raycluster/demo", "made", "it"]


def test_explain_reads_the_crd_schema(kubectl):
    explained = kubectl("explain", "rayclusters.spec.workerGroupSpecs.replicas").stdout
    assert "KIND:       RayCluster" in explained
    assert "FIELD: replicas <integer>" in explained


def test_server_dry_run_delete_keeps_the_object(kubectl, api, namespace, tmp_path):
    """kubectl sends ``dryRun`` only inside the DeleteOptions body, never as a query."""
    path = manifest(tmp_path, raycluster("keep"))
    kubectl("create", "-f", path, "-n", namespace)
    done = kubectl("delete", "-f", path, "-n", namespace, "--dry-run=server")
    assert "(server dry run)" in done.stdout
    assert api.get(f"/apis/ray.io/v1/namespaces/{namespace}/rayclusters/keep").status_code == 200
