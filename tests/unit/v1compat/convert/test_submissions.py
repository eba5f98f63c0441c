"""Job submissions: v1 RayJobSubmission -> the dashboard's submit body, and the dashboard's job
details -> JobSubmissionInfo (spec §10.3, §10.4), every field both ways."""

from __future__ import annotations

from typing import Any

import pytest

from v1compat.convert.errors import ConversionError
from v1compat.convert.submissions import (
    job_info_from_dashboard,
    job_log_from_dashboard,
    submission_to_job_request,
    submit_reply_from_dashboard,
)
from v1compat.schemas import JobSubmissionInfoSchema, RayJobSubmissionSchema
from v1compat.schemas.base import InputReport, read_message

RUNTIME_ENV_YAML = """
pip:
  - requests==2.26.0
  - pendulum==2.1.2
env_vars:
  counter_name: test_counter
"""


@pytest.mark.parametrize(
    ("submission", "request_body"),
    [
        ({"entrypoint": "python x.py"}, {"entrypoint": "python x.py"}),
        ({}, {"entrypoint": ""}),  # Go did not validate the entrypoint either
        ({"entrypoint": "e", "submission_id": "s1"}, {"entrypoint": "e", "submission_id": "s1"}),
        ({"entrypoint": "e", "metadata": {"a": "b"}}, {"entrypoint": "e", "metadata": {"a": "b"}}),
        ({"entrypoint": "e", "metadata": {}}, {"entrypoint": "e"}),
        (
            {"entrypoint": "e", "runtime_env": RUNTIME_ENV_YAML},
            {
                "entrypoint": "e",
                "runtime_env": {
                    "pip": ["requests==2.26.0", "pendulum==2.1.2"],
                    "env_vars": {"counter_name": "test_counter"},
                },
            },
        ),
        ({"entrypoint": "e", "runtime_env": "  \n"}, {"entrypoint": "e"}),
        ({"entrypoint": "e", "runtime_env": "~"}, {"entrypoint": "e"}),
        ({"entrypoint": "e", "runtime_env": "{}"}, {"entrypoint": "e"}),
        ({"entrypoint": "e", "entrypoint_num_cpus": 0.5}, {"entrypoint": "e", "entrypoint_num_cpus": 0.5}),
        ({"entrypoint": "e", "entrypoint_num_cpus": 0.0}, {"entrypoint": "e"}),
        ({"entrypoint": "e", "entrypoint_num_cpus": -1.0}, {"entrypoint": "e"}),
        ({"entrypoint": "e", "entrypoint_num_gpus": 1.0}, {"entrypoint": "e", "entrypoint_num_gpus": 1.0}),
        (
            {"entrypoint": "e", "entrypoint_resources": {"custom": "1", "tpu": "0.5", "big": "1e3"}},
            {"entrypoint": "e", "entrypoint_resources": {"custom": 1.0, "tpu": 0.5, "big": 1000.0}},
        ),
        ({"entrypoint": "e", "entrypoint_resources": {}}, {"entrypoint": "e"}),
    ],
)
def test_submission_becomes_the_dashboard_submit_body(submission: dict, request_body: dict) -> None:
    assert submission_to_job_request(submission) == request_body


@pytest.mark.parametrize(
    ("submission", "cause"),
    [
        ({"runtime_env": "pip: [a"}, "runtimeEnv is not valid YAML: "),
        ({"runtime_env": "a: b\n---\nc: d\n"}, "runtimeEnv is not valid YAML: "),
        ({"runtime_env": "- a\n"}, "runtimeEnv must be a YAML mapping, not list"),
        ({"runtime_env": "just text"}, "runtimeEnv must be a YAML mapping, not str"),
        ({"runtime_env": "a: .nan"}, "runtimeEnv is not valid YAML: json: unsupported value: nan"),
        ({"entrypoint_resources": {"gpu": "x"}}, 'entrypointResources["gpu"]: "x" is not a number'),
        ({"entrypoint_resources": {"gpu": " 1"}}, 'entrypointResources["gpu"]: " 1" is not a number'),
        ({"entrypoint_resources": {"gpu": "1_0"}}, 'entrypointResources["gpu"]: "1_0" is not a number'),
        ({"entrypoint_resources": {"gpu": ""}}, 'entrypointResources["gpu"]: "" is not a number'),
        ({"entrypoint_resources": {"gpu": "1e999"}}, 'entrypointResources["gpu"]: "1e999" is not a number'),
    ],
)
def test_submission_that_cannot_be_sent_raises_a_conversion_error(submission: dict, cause: str) -> None:
    with pytest.raises(ConversionError) as raised:
        submission_to_job_request({"entrypoint": "e", **submission})
    assert str(raised.value).startswith(cause)


FULL_JOB: dict[str, Any] = {
    "type": "SUBMISSION",
    "job_id": "02000000",
    "submission_id": "raysubmit_KWZLwme56esG3Wcr",
    "driver_info": {"id": "02000000", "node_ip_address": "10.0.0.1", "pid": "42"},
    "status": "FAILED",
    "entrypoint": "python /home/ray/samples/sample_code.py",
    "message": "Job failed.",
    "error_type": "JOB_SUPERVISOR_ACTOR_START_FAILURE",
    "start_time": 1699442662879,
    "end_time": 1699442682405,
    "metadata": {"team": "a"},
    "runtime_env": {
        "pip": ["requests==2.26.0", "pendulum==2.1.2"],
        "env_vars": {"counter_name": "test_counter"},
        "working_dir": "s3://bucket/code.zip",
        "eager_install": True,
    },
    "driver_agent_http_address": "http://10.0.0.1:52365",
    "driver_node_id": "abc",
    "driver_exit_code": 1,
}


def test_dashboard_job_becomes_submission_info_field_by_field() -> None:
    assert job_info_from_dashboard(FULL_JOB) == {
        "entrypoint": "python /home/ray/samples/sample_code.py",
        "job_id": "02000000",
        "submission_id": "raysubmit_KWZLwme56esG3Wcr",
        "status": "FAILED",
        "message": "Job failed.",
        "error_type": "JOB_SUPERVISOR_ACTOR_START_FAILURE",
        "start_time": 1699442662879,
        "end_time": 1699442682405,
        "metadata": {"team": "a"},
        "runtime_env": {
            "pip": '["requests==2.26.0","pendulum==2.1.2"]',
            "env_vars": '{"counter_name":"test_counter"}',
            "working_dir": "s3://bucket/code.zip",
            "eager_install": "true",
        },
    }


def test_submission_info_goes_out_as_protojson() -> None:
    assert JobSubmissionInfoSchema().dump(job_info_from_dashboard(FULL_JOB)) == {
        "entrypoint": "python /home/ray/samples/sample_code.py",
        "jobId": "02000000",
        "submissionId": "raysubmit_KWZLwme56esG3Wcr",
        "status": "FAILED",
        "message": "Job failed.",
        "errorType": "JOB_SUPERVISOR_ACTOR_START_FAILURE",
        "startTime": "1699442662879",  # uint64: a JSON string, as KubeRay's Python client reads it
        "endTime": "1699442682405",
        "metadata": {"team": "a"},
        "runtimeEnv": {
            "eager_install": "true",
            "env_vars": '{"counter_name":"test_counter"}',
            "pip": '["requests==2.26.0","pendulum==2.1.2"]',
            "working_dir": "s3://bucket/code.zip",
        },
    }


@pytest.mark.parametrize(
    ("job", "info"),
    [
        ({}, {}),
        ({"job_id": None, "error_type": None, "end_time": None, "metadata": {}}, {}),
        ({"start_time": -5, "end_time": "soon"}, {}),
        ({"start_time": 12.0}, {"startTime": "12"}),
        ({"status": "PENDING", "runtime_env": {}}, {"status": "PENDING"}),
        ({"metadata": {"n": 1}}, {"metadata": {"n": "1"}}),
    ],
)
def test_missing_or_odd_dashboard_fields_are_left_out(job: dict, info: dict) -> None:
    assert JobSubmissionInfoSchema().dump(job_info_from_dashboard(job)) == info


def test_log_and_submit_replies() -> None:
    assert job_log_from_dashboard({"logs": "line 1\nline 2\n"}) == {"log": "line 1\nline 2\n"}
    assert job_log_from_dashboard({}) == {"log": ""}
    assert submit_reply_from_dashboard({"job_id": "raysubmit_1", "submission_id": "raysubmit_1"}) == {
        "submission_id": "raysubmit_1"
    }
    assert submit_reply_from_dashboard({"submission_id": "raysubmit_2"}) == {"submission_id": "raysubmit_2"}


def test_submission_body_loads_under_json_and_proto_names() -> None:
    report = InputReport()
    body = {
        "entrypoint": "e",
        "submissionId": "s",
        "metadata": {"a": "b"},
        "runtime_env": "pip: [x]",
        "entrypointNumCpus": "0.5",
        "entrypoint_num_gpus": 2,
        "entrypointResources": {"custom": "1"},
        "numCpus": 0.5,
    }
    assert read_message(RayJobSubmissionSchema(), body, report) == {
        "entrypoint": "e",
        "submission_id": "s",
        "metadata": {"a": "b"},
        "runtime_env": "pip: [x]",
        "entrypoint_num_cpus": 0.5,
        "entrypoint_num_gpus": 2.0,
        "entrypoint_resources": {"custom": "1"},
    }
    assert report.unknown == ['unknown field "numCpus"']
