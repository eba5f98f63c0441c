"""Job submissions: v1 messages <-> the Ray dashboard's Job API bodies (``/api/jobs/``).

The v1 ``RayJobSubmission`` becomes the dashboard's submit body (``JobSubmitRequest``) and the
dashboard's job details (``JobDetails``) become ``JobSubmissionInfo``, field for field as the Go
server mapped them (spec §10.3, §10.4), with two deliberate differences:

- ``entrypoint_resources`` values become numbers, as Go intended (its map was never
  allocated, so any resource crashed the process);
- ``runtime_env`` values come back as JSON (``{"pip": "[\\"requests\\"]"}``) instead of Go's
  ``%v`` formatting (``[requests]``, ``map[a:b]``), which no client could parse back; strings
  stay as they are, as Go printed them.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import yaml

from bridge.kube import yaml as kube_yaml
from v1compat.convert.errors import ConversionError

# strconv.ParseFloat's syntax (no spaces, no "_"); Go also took "inf"/"nan", which no
# resource amount can be.
_GO_FLOAT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def submission_to_job_request(submission: dict[str, Any]) -> dict[str, Any]:
    """The dashboard's submit body for a v1 ``RayJobSubmission`` (proto-named): ``entrypoint``
    always, every other key only when set, as Go's ``omitempty`` wrote them."""
    request: dict[str, Any] = {"entrypoint": submission.get("entrypoint") or ""}
    if submission.get("submission_id"):
        request["submission_id"] = submission["submission_id"]
    if submission.get("metadata"):
        request["metadata"] = dict(submission["metadata"])
    runtime_env = runtime_env_from_yaml(submission.get("runtime_env") or "")
    if runtime_env:
        request["runtime_env"] = runtime_env
    if (submission.get("entrypoint_num_cpus") or 0) > 0:
        request["entrypoint_num_cpus"] = submission["entrypoint_num_cpus"]
    if (submission.get("entrypoint_num_gpus") or 0) > 0:
        request["entrypoint_num_gpus"] = submission["entrypoint_num_gpus"]
    resources = submission.get("entrypoint_resources") or {}
    if resources:
        request["entrypoint_resources"] = {
            name: _resource_amount(name, amount) for name, amount in resources.items()
        }
    return request


def runtime_env_from_yaml(text: str) -> dict[str, Any]:
    """The runtime environment a v1 client sends as a YAML string, as a JSON object; empty
    text or a YAML null is no runtime environment."""
    if not text.strip():
        return {}
    try:
        document = kube_yaml.bounded(kube_yaml.load(text))
    except (yaml.YAMLError, ValueError) as error:
        raise ConversionError(f"runtimeEnv is not valid YAML: {_one_line(error)}") from None
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise ConversionError(f"runtimeEnv must be a YAML mapping, not {type(document).__name__}")
    return document


def _resource_amount(name: str, amount: str) -> float:
    if not _GO_FLOAT.fullmatch(amount) or not math.isfinite(float(amount)):
        raise ConversionError(
            f"entrypointResources[{json.dumps(name)}]: {json.dumps(amount)} is not a number"
        )
    return float(amount)


def job_info_from_dashboard(job: dict[str, Any]) -> dict[str, Any]:
    """``JobSubmissionInfo`` (proto-named) for one job of the dashboard's Job API; fields the
    v1 message has no place for (driver info, type...) are dropped, as Go dropped them."""
    info: dict[str, Any] = {
        "entrypoint": _text(job.get("entrypoint")),
        "job_id": _text(job.get("job_id")),
        "submission_id": _text(job.get("submission_id")),
        "status": _text(job.get("status")),
        "message": _text(job.get("message")),
        "start_time": _milliseconds(job.get("start_time")),
        "end_time": _milliseconds(job.get("end_time")),
    }
    if job.get("error_type") is not None:
        info["error_type"] = _text(job["error_type"])
    metadata = job.get("metadata")
    if isinstance(metadata, dict) and metadata:
        info["metadata"] = {str(key): _text(value) for key, value in metadata.items()}
    runtime_env = job.get("runtime_env")
    if isinstance(runtime_env, dict) and runtime_env:
        info["runtime_env"] = {str(key): _text(value) for key, value in runtime_env.items()}
    return info


def job_log_from_dashboard(answer: dict[str, Any]) -> dict[str, Any]:
    """``GetJobLogReply`` for the dashboard's ``{"logs": "..."}``."""
    return {"log": _text(answer.get("logs"))}


def submit_reply_from_dashboard(answer: dict[str, Any]) -> dict[str, Any]:
    """``SubmitRayJobReply``: Ray answers the submission id in ``job_id`` (Go read that) and,
    since Ray 2.x, in ``submission_id`` too."""
    return {"submission_id": _text(answer.get("job_id") or answer.get("submission_id"))}


def _text(value: Any) -> str:
    """A string field: strings as they are, nothing as "", anything else as compact JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _milliseconds(value: Any) -> int:
    """A uint64 time in milliseconds; absent or not a non-negative number is 0 (unset)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return 0
    if not math.isfinite(value) or value < 0:
        return 0
    return int(value)


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split())
