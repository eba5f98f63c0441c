"""bridge.kube.status: the Kubernetes Status body, built in one place for every server."""

from __future__ import annotations

import json

import pytest

from bridge.kube.status import failure, reason_for


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (400, "BadRequest"),
        (401, "Unauthorized"),
        (403, "Forbidden"),
        (404, "NotFound"),
        (405, "MethodNotAllowed"),
        (409, "Conflict"),
        (410, "Gone"),
        (413, "RequestEntityTooLarge"),
        (415, "UnsupportedMediaType"),
        (422, "Invalid"),
        (429, "TooManyRequests"),
        (500, "InternalError"),
        (503, "ServiceUnavailable"),
        (504, "Timeout"),
        (418, "Unknown"),
        (599, "InternalError"),
    ],
)
def test_reason_is_spelled_as_kubernetes_spells_it(code, reason):
    assert reason_for(code) == reason
    assert failure(code, "m")["reason"] == reason


def test_failure_has_every_field_of_metav1_status_in_go_order():
    body = failure(404, 'rayclusters.ray.io "a" not found', details={"name": "a", "kind": "rayclusters"})
    assert list(body) == ["kind", "apiVersion", "metadata", "status", "message", "reason", "details", "code"]
    assert body == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'rayclusters.ray.io "a" not found',
        "reason": "NotFound",
        "details": {"name": "a", "kind": "rayclusters"},
        "code": 404,
    }


def test_an_explicit_reason_wins_even_when_empty():
    assert failure(409, "exists", "AlreadyExists")["reason"] == "AlreadyExists"
    assert failure(414, "too long", "")["reason"] == ""


def test_no_details_means_no_details_field_and_extras_come_last():
    body = failure(503, "upstream down", upstream="http://x")
    assert "details" not in body
    assert list(body)[-2:] == ["code", "upstream"]
    assert json.loads(json.dumps(body)) == body
