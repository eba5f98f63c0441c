"""Deprecation signals over HTTP: every v1 answer (success, error, routing error) carries the
``Deprecation``, ``Sunset``, ``Link`` and ``Warning`` headers, in ASCII whatever the path; v2
answers carry none of them. The policy itself is unit-tested in tests/unit/v1compat."""

from __future__ import annotations

import datetime as dt

import pytest

from bridge.core.config import BridgeConfig

GUIDE = "https://example.test/MIGRATION.md"
MANAGED = "?labelSelector=app.kubernetes.io%2Fmanaged-by%3Dkuberay-apiserver"  # what v1 lists show


@pytest.fixture(scope="module")
def sunset_bridge(embedded):
    from bridge.app import create_app

    config = BridgeConfig(upstream=embedded.url, v1_sunset=dt.date(2027, 6, 30), migration_guide_url=GUIDE)
    return create_app(config).test_client()


def assert_deprecated(answer, successor_link: str | None):
    assert answer.headers["Deprecation"] == "@1787097600"
    assert answer.headers["Sunset"] == "Wed, 30 Jun 2027 00:00:00 GMT"
    link = answer.headers["Link"]
    assert link.endswith(f'<{GUIDE}>; rel="deprecation"')
    if successor_link:
        assert link.startswith(f'<{successor_link}>; rel="successor-version"')
    warnings = answer.headers.getlist("Warning")
    assert any(w.startswith('299 - "KubeRay APIServer v1 is deprecated; use ') for w in warnings)


def test_success_and_error_responses_carry_the_headers(sunset_bridge, ns):
    listed = sunset_bridge.get(f"/apis/v1/namespaces/{ns}/clusters")
    assert listed.status_code == 200
    assert_deprecated(listed, f"/apis/ray.io/v1/namespaces/{ns}/rayclusters{MANAGED}")
    missing = sunset_bridge.get(f"/apis/v1/namespaces/{ns}/clusters/nope")
    assert missing.status_code == 404
    assert_deprecated(missing, f"/apis/ray.io/v1/namespaces/{ns}/rayclusters/nope")
    invalid = sunset_bridge.post(f"/apis/v1/namespaces/{ns}/clusters", json={})
    assert invalid.status_code == 400
    assert_deprecated(invalid, f"/apis/ray.io/v1/namespaces/{ns}/rayclusters")


@pytest.mark.parametrize("name", ["%E2%82%AC", "a%0Ab", "a%22%3E%3Cb"])
def test_odd_names_in_the_path_still_get_v1_answers_with_ascii_headers(sunset_bridge, ns, name):
    answer = sunset_bridge.get(f"/apis/v1/namespaces/{ns}/clusters/{name}")
    assert answer.status_code == 404 and answer.get_json()["code"] == 5
    assert_deprecated(answer, f"/apis/ray.io/v1/namespaces/{ns}/rayclusters/{name}")
    assert all(value.isascii() and value.isprintable() for _, value in answer.headers.items())


def test_unknown_field_names_of_any_kind_are_warned_about_and_the_create_answers(sunset_bridge, kube, ns):
    body = {"name": "odd", "namespace": ns, "cpu": 1, "memory": 1, "\u00fc\u20ac": 1, "a\nb": 2}
    answer = sunset_bridge.post(f"/apis/v1/namespaces/{ns}/compute_templates", json=body)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert sorted(w for w in answer.headers.getlist("Warning") if "deprecated" not in w) == [
        r'299 - "unknown field \"\\u00fc\\u20ac\""',
        r'299 - "unknown field \"a\\nb\""',
    ]
    assert all(value.isascii() and value.isprintable() for _, value in answer.headers.items())


def test_routing_errors_carry_the_headers_too(sunset_bridge):
    assert_deprecated(sunset_bridge.get("/apis/v1/no/such/thing"), None)
    assert_deprecated(sunset_bridge.put("/apis/v1/namespaces/ns/clusters/c"), None)


def test_v2_responses_carry_none_of_them(sunset_bridge, ns):
    answer = sunset_bridge.get(f"/apis/ray.io/v1/namespaces/{ns}/rayclusters")
    assert answer.status_code == 200
    for name in ("Deprecation", "Sunset", "Link", "Warning"):
        assert name not in answer.headers
    missing = sunset_bridge.get(f"/apis/ray.io/v1/namespaces/{ns}/rayclusters/nope")
    assert missing.status_code == 404 and "Deprecation" not in missing.headers
