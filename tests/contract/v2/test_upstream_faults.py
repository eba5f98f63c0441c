"""Both dialects in front of an upstream that refuses, hangs, resets, talks garbage or asks to
be retried (``tests.support.faulty_upstream``): every fault is a clean 5xx in the caller's
dialect, idempotent calls are asked again, and a create reaches the upstream once."""

from __future__ import annotations

import pytest

from tests.support.factories import template_body
from tests.support.faulty_upstream import (
    ERROR,
    GARBAGE,
    HANG_BEFORE_HEADERS,
    HANG_MID_BODY,
    NOT_FOUND,
    RESET,
    RESET_MID_BODY,
    TOO_MANY,
    refused_url,
)
from tests.support.live_server import make_app

RC = "/apis/ray.io/v1/namespaces/x/rayclusters"
V1_CLUSTERS = "/apis/v1/namespaces/x/clusters"
V1_TEMPLATES = "/apis/v1/namespaces/x/compute_templates"
SERVICE_PROXY = "/api/v1/namespaces/x/services/head-svc/proxy/"
HEAD_SERVICE = {"kind": "ServiceList", "items": [{"metadata": {"name": "head-svc"}}]}
# Fast and bounded: a hang costs read_timeout, a retry no wait.
FAST = {
    "retry_backoff": 0.0,
    "retry_max": 2,
    "retry_budget": 10.0,
    "read_timeout": 0.3,
    "connect_timeout": 0.5,
}


def client(url: str):
    return make_app(url, **FAST).test_client()


def assert_v1_error(response, status: int) -> None:
    assert response.status_code == status
    assert set(response.get_json()) == {"code", "message"}


def assert_status(response, status: int) -> None:
    assert response.status_code == status
    assert response.get_json()["kind"] == "Status"


@pytest.mark.parametrize("fault", [RESET, RESET_MID_BODY, GARBAGE, HANG_BEFORE_HEADERS, HANG_MID_BODY])
def test_a_v1_list_asks_again_when_the_upstream_fails_once(faulty, fault):
    faulty.reset(fault)
    response = client(faulty.url).get(V1_CLUSTERS)
    assert response.status_code == 200
    assert response.get_json()["clusters"] == []
    assert len(faulty.calls_to("GET")) == 2


@pytest.mark.parametrize("fault", [RESET_MID_BODY, HANG_MID_BODY])
def test_a_v1_list_whose_answers_all_break_off_mid_body_is_v1_unavailable(faulty, fault):
    faulty.reset(*[fault] * 10)
    response = client(faulty.url).get(V1_CLUSTERS)
    assert_v1_error(response, 503)  # v1 answers an upstream's 502 as gRPC UNAVAILABLE
    assert "broke off" in response.get_json()["message"]


@pytest.mark.parametrize("fault", [RESET_MID_BODY, HANG_MID_BODY, RESET, GARBAGE, ERROR, TOO_MANY])
def test_a_v1_create_reaches_the_upstream_once_whatever_it_answers(faulty, fault):
    faulty.reset(NOT_FOUND, fault)  # the template does not exist yet; its create fails
    response = client(faulty.url).post(V1_TEMPLATES, json=template_body("x", "t"))
    assert response.status_code >= 500 or response.status_code == 429
    assert set(response.get_json()) == {"code", "message"}
    assert len(faulty.calls_to("POST")) == 1


def test_the_service_lookup_asks_again_when_its_answer_breaks_off(faulty):
    faulty.reset(RESET_MID_BODY, ok_body=HEAD_SERVICE)
    response = client(faulty.url).get(SERVICE_PROXY)
    assert response.status_code == 200
    assert [call.target.split("?")[0] for call in faulty.calls] == [
        "/api/v1/namespaces/x/services",
        "/api/v1/namespaces/x/services",
        SERVICE_PROXY,
    ]


def test_a_service_lookup_that_keeps_breaking_off_is_a_502_and_nothing_is_proxied(faulty):
    faulty.reset(*[RESET_MID_BODY] * 10, ok_body=HEAD_SERVICE)
    response = client(faulty.url).get(SERVICE_PROXY)
    assert_status(response, 502)
    assert all("/proxy/" not in call.target for call in faulty.calls)


@pytest.mark.parametrize("fault", [ERROR, TOO_MANY, RESET])
def test_a_v2_get_is_asked_again_after_a_fault(faulty, fault):
    faulty.reset(fault)
    assert client(faulty.url).get(RC).status_code == 200
    assert len(faulty.calls_to("GET")) == 2


@pytest.mark.parametrize("fault", [ERROR, TOO_MANY, RESET, GARBAGE, HANG_BEFORE_HEADERS])
def test_a_v2_create_is_sent_once_whatever_the_fault(faulty, fault):
    faulty.reset(fault)
    response = client(faulty.url).post(RC, json={"metadata": {"name": "a"}})
    assert response.status_code >= 429
    assert len(faulty.calls_to("POST")) == 1


def test_a_v2_call_that_hangs_before_headers_is_a_504_status(faulty):
    faulty.reset(*[HANG_BEFORE_HEADERS] * 10)
    assert_status(client(faulty.url).get(RC), 504)


def test_a_refused_connection_is_a_clean_error_in_each_dialect():
    bridge = client(refused_url())
    assert_status(bridge.get(RC), 502)
    assert_v1_error(bridge.get(V1_CLUSTERS), 503)
