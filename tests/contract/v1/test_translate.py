"""``kuberay-bridge translate`` on every v1 example of KubeRay: the manifests it prints
create cleanly through v2 (templates: the Kubernetes API) and read back through v1 exactly
as what a v1 create of the same body reads back."""

from __future__ import annotations

import json

import pytest
import yaml

from bridge.cli import main
from tests.support.factories import create_template, example, job_body, service_body
from tests.support.kubeconfig import write_kubeconfig
from tests.support.repo import EXAMPLES

CLUSTER_EXAMPLES = sorted(path.name for path in EXAMPLES.glob("*_clusters.json"))
TEMPLATE = EXAMPLES / "compute_template.json"


def translate(capsys, *args: str) -> tuple[int, str, str]:
    status = main(["translate", *args])
    out, err = capsys.readouterr()
    return status, out, err


def v1_view(cluster: dict) -> dict:
    """A v1 cluster without what differs between two creates of the same body: where and
    when (the creation-timestamp annotation is the clock's)."""
    view = {key: value for key, value in cluster.items() if key not in ("namespace", "createdAt", "events")}
    annotations = dict(view.get("annotations") or {})
    assert annotations.pop("ray.io/creation-timestamp")
    return {**view, "annotations": annotations}


def test_every_cluster_example_is_an_input_the_tests_know():
    assert CLUSTER_EXAMPLES == [
        "autoscaling_clusters.json",
        "ha_clusters.json",
        "jobsubmission_clusters.json",
    ]


def test_the_template_example_becomes_the_configmap_a_v1_create_writes(capsys, bridge, kube, ns):
    status, out, _ = translate(capsys, str(TEMPLATE), "--namespace", ns)
    assert status == 0
    assert out.startswith(f"# v2: POST /api/v1/namespaces/{ns}/configmaps")
    (configmap,) = list(yaml.safe_load_all(out))
    created = kube.post(f"/api/v1/namespaces/{ns}/configmaps", json=configmap)
    assert created.status_code == 201, created.text
    read_back = bridge.get(f"/apis/v1/namespaces/{ns}/compute_templates/default-template")
    assert read_back.status_code == 200
    other = kube.create_namespace(ns + "-v1")
    via_v1 = bridge.post(
        f"/apis/v1/namespaces/{other}/compute_templates", json={**example(TEMPLATE.name), "namespace": other}
    )
    assert {**read_back.get_json(), "namespace": other} == via_v1.get_json()


@pytest.mark.parametrize("name", CLUSTER_EXAMPLES)
def test_a_cluster_example_creates_through_v2_and_reads_back_like_a_v1_create(capsys, bridge, kube, ns, name):
    via_v1_ns = kube.create_namespace(ns + "-v1")
    for namespace in (ns, via_v1_ns):
        assert (
            bridge.post(
                f"/apis/v1/namespaces/{namespace}/compute_templates",
                json={**example(TEMPLATE.name), "namespace": namespace},
            ).status_code
            == 200
        )
    status, out, err = translate(
        capsys, str(EXAMPLES / name), "--namespace", ns, "--cluster", kube.url, "--output", "json"
    )
    assert status == 0, err
    assert f"v2: POST /apis/ray.io/v1/namespaces/{ns}/rayclusters" in err
    manifest = json.loads(out)
    created = bridge.post(f"/apis/ray.io/v1/namespaces/{ns}/rayclusters", json=manifest)
    assert created.status_code == 201, created.get_data(as_text=True)
    body = example(name)
    via_v1 = bridge.post(f"/apis/v1/namespaces/{via_v1_ns}/clusters", json={**body, "namespace": via_v1_ns})
    assert via_v1.status_code == 200, via_v1.get_data(as_text=True)
    read_back = bridge.get(f"/apis/v1/namespaces/{ns}/clusters/{body['name']}")
    assert read_back.status_code == 200
    assert v1_view(read_back.get_json()) == v1_view(via_v1.get_json())


def created_view(v1_object: dict) -> dict:
    """A v1 job or service without what differs between two creates of the same body."""
    differs = ("namespace", "createdAt", "rayServiceStatus")
    return {key: value for key, value in v1_object.items() if key not in differs}


def job_on_a_selector(namespace: str) -> dict:
    """A v1 job that runs on an existing cluster: no cluster spec, hence no template."""
    body = job_body(namespace, "selector-job")
    del body["clusterSpec"]
    return {**body, "clusterSelector": {"ray.io/cluster": "existing"}}


V1_CREATES = {
    "job": ("jobs", "rayjobs", lambda ns: job_body(ns)),
    "job-on-a-selector": ("jobs", "rayjobs", job_on_a_selector),
    "service": ("services", "rayservices", lambda ns: service_body(ns)),
}


@pytest.mark.parametrize("case", sorted(V1_CREATES))
def test_a_job_or_service_creates_through_v2_and_reads_back_like_a_v1_create(
    capsys, bridge, kube, ns, tmp_path, case
):
    v1_plural, v2_plural, make_body = V1_CREATES[case]
    via_v1_ns = kube.create_namespace(ns + "-v1")
    for namespace in (ns, via_v1_ns):
        create_template(bridge, namespace)
    body_file = tmp_path / "body.json"
    body_file.write_text(json.dumps(make_body("elsewhere")))
    status, out, err = translate(capsys, str(body_file), "--namespace", ns, "--cluster", kube.url)
    assert status == 0, err
    assert out.startswith(f"# v2: POST /apis/ray.io/v1/namespaces/{ns}/{v2_plural}  [bridge (v2)]")
    (manifest,) = list(yaml.safe_load_all(out))
    created = bridge.post(f"/apis/ray.io/v1/namespaces/{ns}/{v2_plural}", json=manifest)
    assert created.status_code == 201, created.get_data(as_text=True)
    via_v1 = bridge.post(f"/apis/v1/namespaces/{via_v1_ns}/{v1_plural}", json=make_body(via_v1_ns))
    assert via_v1.status_code == 200, via_v1.get_data(as_text=True)
    read_back = bridge.get(f"/apis/v1/namespaces/{ns}/{v1_plural}/{manifest['metadata']['name']}")
    assert read_back.status_code == 200
    assert created_view(read_back.get_json()) == created_view(via_v1.get_json())


def test_the_kind_is_told_by_the_body_and_a_missing_template_is_named(capsys, tmp_path):
    for name, body, kind in (
        ("job.json", job_body("ns"), "RayJob"),
        ("service.json", service_body("ns"), "RayService"),
        ("cluster.json", example("ha_clusters.json"), "RayCluster"),
    ):
        (tmp_path / name).write_text(json.dumps(body))
        status, out, err = translate(capsys, str(tmp_path / name), "--template", str(TEMPLATE))
        assert status == 0, err
        assert [manifest["kind"] for manifest in yaml.safe_load_all(out)] == [kind]
        status, _, err = translate(capsys, str(tmp_path / name))
        assert status == 3
        assert "compute template 'default-template' not found" in err


def test_invalid_jobs_and_services_are_input_errors(capsys, tmp_path):
    no_user = tmp_path / "job.json"
    no_user.write_text(json.dumps({**job_body("ns"), "user": ""}))
    status, _, err = translate(capsys, str(no_user), "--template", str(TEMPLATE))
    assert status == 1
    assert "User who create the job is empty" in err
    no_serve_config = tmp_path / "service.json"
    no_serve_config.write_text(json.dumps({**service_body("ns"), "serveConfigV2": ""}))
    status, _, err = translate(capsys, str(no_serve_config), "--kind", "service", "--template", str(TEMPLATE))
    assert status == 1
    assert "serve configuration is not defined" in err


def test_a_template_file_resolves_a_cluster_offline_and_yaml_is_the_default(capsys, tmp_path):
    status, out, _ = translate(capsys, str(EXAMPLES / "ha_clusters.json"), "--template", str(TEMPLATE))
    assert status == 0
    (raycluster,) = list(yaml.safe_load_all(out))
    assert raycluster["kind"] == "RayCluster"
    head = raycluster["spec"]["headGroupSpec"]["template"]["spec"]["containers"][0]
    assert head["resources"]["limits"]["cpu"] == "2"


def test_exit_codes_and_errors_a_script_can_rely_on(capsys, tmp_path):
    status, _, err = translate(capsys, str(EXAMPLES / "ha_clusters.json"))
    assert status == 3
    assert err.startswith("kuberay-bridge translate: compute template 'default-template' not found")
    not_v1 = tmp_path / "x.json"
    not_v1.write_text('{"hello": 1}')
    assert translate(capsys, str(not_v1))[0] == 1
    not_json = tmp_path / "y.json"
    not_json.write_text("{")
    assert translate(capsys, str(not_json))[0] == 1
    invalid = tmp_path / "z.json"
    invalid.write_text(json.dumps({**example(TEMPLATE.name), "cpu": 0}))
    status, _, err = translate(capsys, str(invalid))
    assert status == 1
    assert "Cpu amount is zero" in err
    assert translate(capsys, str(TEMPLATE), "--kind", "nope")[0] == 2
    assert translate(capsys, str(tmp_path / "missing.json"))[0] == 3


def test_templates_come_from_a_cluster_named_by_a_kubeconfig(capsys, bridge, ns, embedded, tmp_path):
    assert (
        bridge.post(
            f"/apis/v1/namespaces/{ns}/compute_templates", json={**example(TEMPLATE.name), "namespace": ns}
        ).status_code
        == 200
    )
    kubeconfig = write_kubeconfig(tmp_path / "config", embedded.url, {"token": "t"})
    status, out, err = translate(
        capsys, str(EXAMPLES / "ha_clusters.json"), "--namespace", ns, "--cluster", f"kubeconfig:{kubeconfig}"
    )
    assert status == 0, err
    (raycluster,) = list(yaml.safe_load_all(out))
    assert raycluster["metadata"]["namespace"] == ns
    assert translate(capsys, str(EXAMPLES / "ha_clusters.json"), "--cluster", "nonsense")[0] == 2
