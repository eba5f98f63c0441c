"""v1 RayJob -> RayJob CR -> v1 RayJob (§7): every field of the contract both ways, the cluster
spec's job differences, the submitter pod, the status read-back, and the RayJob CRD schema."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from bridge.embedded.errors import ApiError
from bridge.embedded.resources import lookup
from bridge.embedded.schema import SchemaRegistry
from tests.support.repo import CRD_DIR
from v1compat.convert import (
    ConversionError,
    MissingTemplateError,
    job_to_rayjob,
    rayjob_to_job,
    required_job_templates,
    unshown_job_spec_fields,
)
from v1compat.errors import Code, V1Error
from v1compat.jobs_api import build_rayjob
from v1compat.schemas import InputReport, RayJobSchema, read_message

RAYJOBS = lookup("ray.io", "v1", "rayjobs")
TEMPLATE = {"name": "tpl", "namespace": "ns", "cpu": 2, "memory": 4, "memory_unit": "Gi"}
TEMPLATES = {"tpl": TEMPLATE, "small": {**TEMPLATE, "name": "small", "cpu": 1}}
CREATED = "2025-01-01T00:00:01Z"


@pytest.fixture(scope="module")
def registry() -> SchemaRegistry:
    return SchemaRegistry(str(CRD_DIR))


def cluster_spec(**head: Any) -> dict[str, Any]:
    return {"head_group_spec": {"compute_template": "tpl", "ray_start_params": {"a": "b"}, **head}}


def job(**fields: Any) -> dict[str, Any]:
    """A valid v1 RayJob message (proto names) with a cluster spec, plus ``fields``."""
    return {
        "name": "j",
        "namespace": "ns",
        "user": "u",
        "entrypoint": "python x.py",
        "cluster_spec": cluster_spec(),
        **fields,
    }


def stored(cr: dict[str, Any], status: dict[str, Any] | None = None, **metadata: Any) -> dict[str, Any]:
    """The CR as the API server returns it after create (and maybe after the operator ran)."""
    cr = copy.deepcopy(cr)
    cr["metadata"].update(creationTimestamp=CREATED, uid="0b9f", **metadata)
    if status is not None:
        cr["status"] = status
    return cr


def round_trip(message: dict[str, Any]) -> dict[str, Any]:
    return rayjob_to_job(stored(job_to_rayjob(message, "ns", TEMPLATES)))


# --- the CR: metadata -----------------------------------------------------------------------------


def test_metadata_has_the_four_job_labels_and_the_request_metadata_as_annotations() -> None:
    cr = job_to_rayjob(job(metadata={"team": "ml", "run": "7"}), "ns", TEMPLATES)
    assert (cr["apiVersion"], cr["kind"]) == ("ray.io/v1", "RayJob")
    assert cr["metadata"] == {
        "name": "j",
        "namespace": "ns",
        "labels": {
            "ray.io/cluster-name": "j",
            "ray.io/user": "u",
            "app.kubernetes.io/name": "kuberay",
            "app.kubernetes.io/managed-by": "kuberay-apiserver",
        },
        "annotations": {"team": "ml", "run": "7"},
    }


def test_without_request_metadata_there_are_no_annotations_and_no_creation_stamp() -> None:
    assert "annotations" not in job_to_rayjob(job(), "ns", TEMPLATES)["metadata"]


def test_the_path_namespace_is_the_one_written() -> None:
    assert job_to_rayjob(job(namespace="other"), "ns", TEMPLATES)["metadata"]["namespace"] == "ns"


# --- the CR: every spec field, and what reads back ------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "spec", "read_back"),
    [
        ({"entrypoint": "python a.py"}, {"entrypoint": "python a.py"}, {"entrypoint": "python a.py"}),
        ({"entrypoint": ""}, {}, {"entrypoint": ""}),
        ({"metadata": {"k": "v"}}, {"metadata": {"k": "v"}}, {"metadata": {"k": "v"}}),
        (
            {"runtime_env": "pip:\n  - requests==2.26.0\n"},
            {"runtimeEnvYAML": "pip:\n  - requests==2.26.0\n"},
            {"runtime_env": "pip:\n  - requests==2.26.0\n"},
        ),
        (
            {"shutdown_after_job_finishes": True},
            {"shutdownAfterJobFinishes": True},
            {"shutdown_after_job_finishes": True},
        ),
        ({"shutdown_after_job_finishes": False}, {}, {"shutdown_after_job_finishes": False}),
        (
            {"ttl_seconds_after_finished": 30},
            {"ttlSecondsAfterFinished": 30},
            {"ttl_seconds_after_finished": 30},
        ),
        ({"ttl_seconds_after_finished": 0}, {}, {"ttl_seconds_after_finished": 0}),
        # the spec's jobId is written, but the read-back shows the status' one (none yet)
        ({"job_id": "raysubmit_1"}, {"jobId": "raysubmit_1"}, {"job_id": ""}),
        ({"entrypointNumCpus": 0.5}, {"entrypointNumCpus": 0.5}, {"entrypointNumCpus": 0.5}),
        ({"entrypointNumCpus": 0.0}, {}, {}),
        # Go assigned entrypointNumGpus to a copy and lost it; the bridge keeps it
        ({"entrypointNumGpus": 1.0}, {"entrypointNumGpus": 1.0}, {"entrypointNumGpus": 1.0}),
        ({"entrypointNumGpus": 0.0}, {}, {}),
        (
            {"entrypointResources": '{"custom": 1}'},
            {"entrypointResources": '{"custom": 1}'},
            {"entrypointResources": '{"custom": 1}'},
        ),
        # written, never read back (as in Go)
        ({"activeDeadlineSeconds": 600}, {"activeDeadlineSeconds": 600}, {}),
        ({"activeDeadlineSeconds": 0}, {}, {}),
    ],
)
def test_each_field_is_written_and_read_back_as_the_contract_says(
    sent: dict[str, Any], spec: dict[str, Any], read_back: dict[str, Any]
) -> None:
    message = job(**sent)
    cr = job_to_rayjob(message, "ns", TEMPLATES)
    written = {key: value for key, value in cr["spec"].items() if key != "rayClusterSpec"}
    base = {"entrypoint": "python x.py"} if "entrypoint" not in sent else {}
    assert written == {**base, **spec}
    back = round_trip(message)
    for key, value in read_back.items():
        assert back[key] == value
    for key in ("entrypointNumCpus", "entrypointNumGpus", "entrypointResources", "activeDeadlineSeconds"):
        if key not in read_back:
            assert key not in back


def test_cluster_selector_without_a_cluster_spec_writes_no_cluster_and_reads_back_no_version() -> None:
    message = job(cluster_selector={"ray.io/cluster": "shared"}, version="2.46.0")
    del message["cluster_spec"]
    cr = job_to_rayjob(message, "ns", {})
    assert cr["spec"]["clusterSelector"] == {"ray.io/cluster": "shared"}
    assert "rayClusterSpec" not in cr["spec"]
    back = rayjob_to_job(stored(cr))
    assert back["cluster_selector"] == {"ray.io/cluster": "shared"}
    assert back["version"] == "" and "cluster_spec" not in back


def test_selector_and_cluster_spec_together_are_both_written() -> None:
    cr = job_to_rayjob(job(cluster_selector={"a": "b"}), "ns", TEMPLATES)
    assert cr["spec"]["clusterSelector"] == {"a": "b"} and "rayClusterSpec" in cr["spec"]


def test_required_templates_come_only_from_a_cluster_spec() -> None:
    worker = {"group_name": "w", "compute_template": "small", "max_replicas": 2}
    message = job(cluster_spec={**cluster_spec(), "worker_group_spec": [worker]})
    assert required_job_templates(message) == ["tpl", "small"]
    selector_only = {"name": "j", "cluster_selector": {"a": "b"}}
    assert required_job_templates(selector_only) == []


# --- the cluster spec: the cluster converter with the job differences ----------------------------


def test_version_is_the_ray_version_and_the_default_image_tag() -> None:
    cr = job_to_rayjob(job(version="2.46.0"), "ns", TEMPLATES)
    cluster = cr["spec"]["rayClusterSpec"]
    assert cluster["rayVersion"] == "2.46.0"
    head = cluster["headGroupSpec"]["template"]["spec"]["containers"][0]
    assert head["image"] == "rayproject/ray:2.46.0"
    assert round_trip(job(version="2.46.0"))["version"] == "2.46.0"


def test_head_has_no_serve_ports_and_no_cluster_level_envs() -> None:
    cr = job_to_rayjob(job(version="2.46.0"), "ns", TEMPLATES)
    head = cr["spec"]["rayClusterSpec"]["headGroupSpec"]["template"]["spec"]["containers"][0]
    assert [port["name"] for port in head["ports"]] == ["redis", "head", "dashboard", "metrics"]
    assert [env["name"] for env in head["env"]] == ["MY_POD_IP"]


def test_cluster_spec_reads_back_as_the_cluster_read_back_does() -> None:
    worker = {
        "group_name": "w",
        "compute_template": "small",
        "replicas": 1,
        "max_replicas": 3,
        "ray_start_params": {"x": "y"},
    }
    head = {"image": "my/ray:1", "service_type": "ClusterIP", "environment": {"values": {"A": "1"}}}
    message = job(cluster_spec={**cluster_spec(**head), "worker_group_spec": [worker]})
    assert RayJobSchema().dump(round_trip(message))["clusterSpec"] == {
        "headGroupSpec": {
            "computeTemplate": "tpl",
            "image": "my/ray:1",
            "serviceType": "ClusterIP",
            "rayStartParams": {"a": "b"},
            "environment": {"values": {"A": "1"}},
        },
        "workerGroupSpec": [
            {
                "groupName": "w",
                "computeTemplate": "small",
                "replicas": 1,
                "minReplicas": 1,
                "maxReplicas": 3,
                "rayStartParams": {"x": "y"},
                "environment": {},
            }
        ],
    }


def test_each_group_gets_its_own_compute_template_resources() -> None:
    worker = {"group_name": "w", "compute_template": "small", "max_replicas": 2}
    cr = job_to_rayjob(job(cluster_spec={**cluster_spec(), "worker_group_spec": [worker]}), "ns", TEMPLATES)
    cluster = cr["spec"]["rayClusterSpec"]
    head = cluster["headGroupSpec"]["template"]["spec"]["containers"][0]
    worker_container = cluster["workerGroupSpecs"][0]["template"]["spec"]["containers"][0]
    assert head["resources"]["limits"] == {"cpu": "2", "memory": "4Gi"}
    assert worker_container["resources"]["limits"] == {"cpu": "1", "memory": "4Gi"}


def test_a_template_missing_from_the_map_is_reported_by_name() -> None:
    with pytest.raises(MissingTemplateError) as raised:
        job_to_rayjob(job(), "ns", {})
    assert raised.value.name == "tpl"
    with pytest.raises(V1Error) as wrapped:
        build_rayjob(job(), "ns", {})
    assert wrapped.value.code == Code.NOT_FOUND
    assert wrapped.value.message == "Compute template tpl not found in namespace ns"


# --- the submitter pod ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("submitter", "resources", "read_back"),
    [
        (
            {"image": "rayproject/ray:2.46.0"},
            {"cpu": "1", "memory": "1Gi"},
            {"image": "rayproject/ray:2.46.0"},
        ),
        (
            {"image": "i", "cpu": "500m", "memory": "2Gi"},
            {"cpu": "500m", "memory": "2Gi"},
            {"image": "i", "cpu": "500m", "memory": "2Gi"},
        ),
        # written the way Go's Quantity prints them, and read back so
        (
            {"image": "i", "cpu": "0.5", "memory": "1024Mi"},
            {"cpu": "500m", "memory": "1Gi"},
            {"image": "i", "cpu": "500m"},
        ),
        ({"image": "i", "cpu": "1"}, {"cpu": "1", "memory": "1Gi"}, {"image": "i"}),
        ({}, {"cpu": "1", "memory": "1Gi"}, {"image": ""}),
    ],
)
def test_job_submitter_becomes_a_one_container_pod_with_requests_equal_to_limits(
    submitter: dict[str, Any], resources: dict[str, str], read_back: dict[str, Any]
) -> None:
    cr = job_to_rayjob(job(jobSubmitter=submitter), "ns", TEMPLATES)
    container: dict[str, Any] = {"name": "ray-job-submitter"}
    if submitter.get("image"):
        container["image"] = submitter["image"]
    container["resources"] = {"limits": resources, "requests": resources}
    assert cr["spec"]["submitterPodTemplate"] == {
        "spec": {"containers": [container], "restartPolicy": "Never"}
    }
    assert rayjob_to_job(stored(cr))["jobSubmitter"] == read_back


def test_no_job_submitter_no_submitter_pod() -> None:
    cr = job_to_rayjob(job(), "ns", TEMPLATES)
    assert "submitterPodTemplate" not in cr["spec"]
    assert "jobSubmitter" not in rayjob_to_job(stored(cr))


@pytest.mark.parametrize(
    ("submitter", "cause"),
    [
        (
            {"image": "i", "cpu": "lots"},
            "cpu for ray job submitter lots is not specified correctly: quantities must match the "
            "regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
        ),
        (
            {"image": "i", "memory": "1Mm"},
            "memory for ray job submitter 1Mm is not specified correctly: unable to parse quantity's suffix",
        ),
    ],
)
def test_bad_submitter_quantities_are_the_go_400(submitter: dict[str, Any], cause: str) -> None:
    with pytest.raises(ConversionError) as raised:
        job_to_rayjob(job(jobSubmitter=submitter), "ns", TEMPLATES)
    assert str(raised.value) == cause
    with pytest.raises(V1Error) as wrapped:
        build_rayjob(job(jobSubmitter=submitter), "ns", TEMPLATES)
    assert wrapped.value.code == Code.INVALID_ARGUMENT
    assert wrapped.value.message == (
        "Failed to create a Ray Job: Create Job failed.: "
        f"InvalidInputError: Failed to create a Ray Job: {cause}"
    )


def test_cluster_conversion_errors_are_job_errors() -> None:
    volume = {"name": "e", "mount_path": "/e", "volume_type": "EPHEMERAL"}
    with pytest.raises(V1Error) as raised:
        build_rayjob(job(cluster_spec=cluster_spec(volumes=[volume])), "ns", TEMPLATES)
    assert raised.value.message.startswith(
        "Failed to create a Ray Job: Create Job failed.: InvalidInputError"
    )
    assert raised.value.message.endswith("storage for ephemeral volume is empty")


def test_submitter_read_back_of_a_v2_made_pod_without_containers_or_limits() -> None:
    base = job_to_rayjob(job(), "ns", TEMPLATES)
    empty = stored(base)
    empty["spec"]["submitterPodTemplate"] = {"spec": {"containers": []}}
    assert rayjob_to_job(empty)["jobSubmitter"] == {}
    bare = stored(base)
    bare["spec"]["submitterPodTemplate"] = {"spec": {"containers": [{"name": "s", "image": "i"}]}}
    # Go's Quantity of an absent limit prints "0"
    assert rayjob_to_job(bare)["jobSubmitter"] == {"image": "i", "cpu": "0", "memory": "0"}


# --- status read-back -----------------------------------------------------------------------------


READ_BACK_STATUS = (
    "job_id",
    "job_status",
    "job_deployment_status",
    "message",
    "start_time",
    "end_time",
    "ray_cluster_name",
    "created_at",
)


def test_status_fields_read_back() -> None:
    status = {
        "jobId": "raysubmit_abc",
        "jobStatus": "RUNNING",
        "jobDeploymentStatus": "Running",
        "message": "Job is currently running",
        "startTime": "2025-01-01T00:00:05Z",
        "endTime": "2025-01-01T00:10:00Z",
        "rayClusterName": "j-raycluster-x7k2p",
        "dashboardURL": "j-head-svc.ns.svc.cluster.local:8265",
    }
    cr = stored(job_to_rayjob(job(job_id="spec-id"), "ns", TEMPLATES), status)
    back = rayjob_to_job(cr)
    assert {key: back.get(key) for key in READ_BACK_STATUS} == {
        "job_id": "raysubmit_abc",  # the status' id, not the spec's
        "job_status": "RUNNING",
        "job_deployment_status": "Running",
        "message": "Job is currently running",
        "start_time": "2025-01-01T00:00:05Z",
        "end_time": "2025-01-01T00:10:00Z",
        "ray_cluster_name": "j-raycluster-x7k2p",
        "created_at": CREATED,
    }
    assert "delete_at" not in back


def test_fresh_job_has_no_times_and_no_cluster_name_and_a_deleting_one_has_delete_at() -> None:
    fresh = rayjob_to_job(stored(job_to_rayjob(job(), "ns", TEMPLATES)))
    assert not {"start_time", "end_time", "ray_cluster_name", "delete_at"} & fresh.keys()
    deleting = stored(job_to_rayjob(job(), "ns", TEMPLATES), deletionTimestamp="2025-01-02T03:04:05Z")
    assert rayjob_to_job(deleting)["delete_at"] == "2025-01-02T03:04:05Z"


def test_user_comes_from_the_label_and_a_v2_made_job_without_labels_reads_back() -> None:
    cr = {
        "apiVersion": "ray.io/v1",
        "kind": "RayJob",
        "metadata": {"name": "v2", "namespace": "ns", "creationTimestamp": CREATED},
        "spec": {"entrypoint": "python y.py"},
    }
    back = rayjob_to_job(cr)
    assert (back["name"], back["namespace"], back["user"], back["entrypoint"]) == (
        "v2",
        "ns",
        "",
        "python y.py",
    )
    assert rayjob_to_job(stored(job_to_rayjob(job(user="alice"), "ns", TEMPLATES)))["user"] == "alice"


# --- the CRD accepts what is written --------------------------------------------------------------


def test_a_job_with_every_field_passes_the_rayjob_crd_schema_unpruned(registry: SchemaRegistry) -> None:
    worker = {"group_name": "w", "compute_template": "small", "replicas": 1, "max_replicas": 3}
    message = job(
        version="2.46.0",
        metadata={"k": "v"},
        runtime_env="pip: [requests]\n",
        job_id="id-1",
        shutdown_after_job_finishes=True,
        cluster_selector={"a": "b"},
        cluster_spec={**cluster_spec(), "worker_group_spec": [worker]},
        ttl_seconds_after_finished=10,
        jobSubmitter={"image": "i", "cpu": "2", "memory": "2Gi"},
        entrypointNumCpus=0.5,
        entrypointNumGpus=1.0,
        entrypointResources='{"r": 1}',
        activeDeadlineSeconds=60,
    )
    cr = job_to_rayjob(message, "ns", TEMPLATES)
    admitted, warnings = registry.admit(RAYJOBS, cr, field_validation="Strict")
    assert warnings == []
    assert admitted["spec"]["entrypointNumGpus"] == 1.0


def test_the_schema_check_would_catch_a_misnamed_field(registry: SchemaRegistry) -> None:
    cr = job_to_rayjob(job(), "ns", TEMPLATES)
    cr["spec"]["runtimeEnv"] = "x"
    with pytest.raises(ApiError):
        registry.admit(RAYJOBS, cr, field_validation="Strict")


def test_a_v1_job_shows_every_spec_field_it_writes_but_its_deadline():
    job = read_message(
        RayJobSchema(),
        {
            "name": "j",
            "namespace": "ns",
            "user": "u",
            "entrypoint": "e",
            "jobId": "i",
            "runtimeEnv": "a: b",
            "clusterSpec": {"headGroupSpec": {"computeTemplate": "tpl"}},
            "jobSubmitter": {"image": "i"},
            "entrypointNumCpus": 1,
            "entrypointNumGpus": 1,
            "entrypointResources": "{}",
            "metadata": {"k": "v"},
            "clusterSelector": {"k": "v"},
            "shutdownAfterJobFinishes": True,
            "ttlSecondsAfterFinished": 5,
        },
        InputReport(),
    )
    rayjob = job_to_rayjob(job, "ns", TEMPLATES)
    assert unshown_job_spec_fields(rayjob) == []
    rayjob["spec"]["activeDeadlineSeconds"] = 60
    assert unshown_job_spec_fields(rayjob) == ["spec.activeDeadlineSeconds"]


def test_unshown_job_fields_skip_crd_defaults_and_look_inside_the_cluster_spec():
    cr = {"spec": {"entrypoint": "e", "backoffLimit": 0, "submissionMode": "K8sJobMode", "suspend": None}}
    assert unshown_job_spec_fields(cr) == []
    cr["spec"].update(
        backoffLimit=2, submissionMode="HTTPMode", rayClusterSpec={"headGroupSpec": {}, "suspend": True}
    )
    assert unshown_job_spec_fields(cr) == [
        "spec.backoffLimit",
        "spec.submissionMode",
        "spec.rayClusterSpec.suspend",
    ]
    assert unshown_job_spec_fields({"spec": "not an object"}) == []
