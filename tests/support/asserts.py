"""What an error answer must look like in each dialect: a Kubernetes Status on v2 and the
embedded API, ``{"code", "message"}`` on v1."""

from __future__ import annotations

import requests


def assert_status(
    response: requests.Response,
    code: int,
    reason: str,
    details: dict | None = None,
    message: str | None = None,
) -> dict:
    """The answer is a Kubernetes Status with this code, reason and (subset of) details."""
    assert response.status_code == code, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    status = response.json()
    assert status["kind"] == "Status" and status["apiVersion"] == "v1", status
    assert status["status"] == "Failure"
    assert status["code"] == code and status["reason"] == reason, status
    if details is not None:
        for key, value in details.items():
            assert status["details"].get(key) == value, status
    if message is not None:
        assert status["message"] == message, status
    return status


def v1_error(answer, status: int, code: int, message: str | None = None) -> str:
    """The answer is a v1 error ``{"code", "message"}`` (and nothing else) with this status."""
    assert answer.status_code == status, answer.get_data(as_text=True)
    assert answer.headers["Content-Type"].startswith("application/json")
    body = answer.get_json()
    assert set(body) == {"code", "message"}, body
    assert body["code"] == code, body
    if message is not None:
        assert body["message"] == message
    return body["message"]
