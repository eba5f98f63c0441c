"""bridge.kube.services: service-proxy ids split as the API server splits them."""

from __future__ import annotations

import pytest

from bridge.kube.services import ServiceId, parse_service_id


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dash", ("", "dash", "")),
        ("dash:8265", ("", "dash", "8265")),
        ("dash:dashboard", ("", "dash", "dashboard")),
        ("https:dash:443", ("https", "dash", "443")),
        ("http:dash:", ("http", "dash", "")),
    ],
)
def test_the_three_forms(text, expected):
    parsed = parse_service_id(text)
    assert parsed == ServiceId(*expected)
    assert (parsed.scheme, parsed.name, parsed.port) == expected


@pytest.mark.parametrize("text", ["", ":8265", "ftp:dash:21", "a:b:c:d", "https::443"])
def test_what_is_none_of_them(text):
    assert parse_service_id(text) is None


def test_the_text_is_not_decoded_here():
    assert parse_service_id("https%3Adash%3A443") == ServiceId("", "https%3Adash%3A443", "")
