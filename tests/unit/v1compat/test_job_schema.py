"""The RayJob message on the wire (§7.1, §2): both field names in, JSON names and no zero values
out, proto ``float`` fields read and printed the way protojson does."""

from __future__ import annotations

import pytest

from v1compat.schemas import BodyError, InputReport, ListRayJobsResponseSchema, RayJobSchema, read_message

JOB = RayJobSchema()


def load(body: dict) -> tuple[dict, list[str]]:
    report = InputReport()
    return read_message(JOB, body, report), report.unknown


def test_proto_and_json_names_load_to_the_same_message() -> None:
    camel, _ = load(
        {"runtimeEnv": "a: 1", "jobId": "x", "shutdownAfterJobFinishes": True, "clusterSelector": {"k": "v"}}
    )
    snake, _ = load(
        {
            "runtime_env": "a: 1",
            "job_id": "x",
            "shutdown_after_job_finishes": True,
            "cluster_selector": {"k": "v"},
        }
    )
    assert (
        camel
        == snake
        == {
            "runtime_env": "a: 1",
            "job_id": "x",
            "shutdown_after_job_finishes": True,
            "cluster_selector": {"k": "v"},
        }
    )


def test_fields_declared_in_camel_case_upstream_have_one_name() -> None:
    message, unknown = load(
        {
            "jobSubmitter": {"image": "i", "cpu": "1"},
            "entrypointNumCpus": 1,
            "activeDeadlineSeconds": "60",
            "entrypoint_num_cpus": 2,
        }
    )
    assert message == {
        "jobSubmitter": {"image": "i", "cpu": "1"},
        "entrypointNumCpus": 1.0,
        "activeDeadlineSeconds": 60,
    }
    assert unknown == ['unknown field "entrypoint_num_cpus"']


@pytest.mark.parametrize(
    ("sent", "loaded"),
    [(0.5, 0.5), ("0.5", 0.5), (2, 2.0), ("2", 2.0), (0.1, 0.1), ("1e3", 1000.0), (-1.5, -1.5)],
)
def test_float_fields_take_numbers_and_numeric_strings(sent: object, loaded: float) -> None:
    assert load({"entrypointNumGpus": sent})[0] == {"entrypointNumGpus": loaded}


@pytest.mark.parametrize("sent", [True, "many", "NaN", [1], {"a": 1}, 1e39])
def test_float_fields_refuse_what_is_not_a_float32(sent: object) -> None:
    with pytest.raises(BodyError) as raised:
        load({"entrypointNumCpus": sent})
    assert "entrypointNumCpus" in str(raised.value)


def test_float32_precision_is_what_protojson_prints() -> None:
    message, _ = load({"entrypointNumCpus": 0.30000001192092896})  # float32(0.3) as a double
    assert JOB.dump(message) == {"entrypointNumCpus": 0.3}


def test_dump_uses_json_names_leaves_out_zero_values_and_prints_whole_floats_without_fraction() -> None:
    job = {
        "name": "j",
        "namespace": "ns",
        "user": "u",
        "version": "",
        "shutdown_after_job_finishes": False,
        "ttl_seconds_after_finished": 0,
        "metadata": {},
        "entrypointNumCpus": 2.0,
        "entrypointNumGpus": 0.0,
        "created_at": "2025-01-01T00:00:01Z",
        "job_deployment_status": "Initializing",
        "ray_cluster_name": "c",
    }
    assert JOB.dump(job) == {
        "name": "j",
        "namespace": "ns",
        "user": "u",
        "entrypointNumCpus": 2,
        "createdAt": "2025-01-01T00:00:01Z",
        "jobDeploymentStatus": "Initializing",
        "rayClusterName": "c",
    }


def test_list_answer_always_has_jobs_and_continue_only_with_a_next_page() -> None:
    schema = ListRayJobsResponseSchema()
    assert schema.dump({"jobs": [], "continue_": ""}) == {"jobs": []}
    assert schema.dump({"jobs": [{"name": "a"}], "continue_": "tok"}) == {
        "jobs": [{"name": "a"}],
        "continue": "tok",
    }
