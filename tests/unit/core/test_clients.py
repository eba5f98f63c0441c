"""Naming a caller by its User-Agent product, and keeping credentials out of the log line."""

from __future__ import annotations

import pytest

from bridge.core.clients import product_token
from bridge.core.logs import loggable_query


@pytest.mark.parametrize(
    ("user_agent", "product"),
    [
        ("python-requests/2.32.3", "python-requests"),
        ("kubectl/v1.32.0 (linux/amd64) kubernetes/abcdef", "kubectl"),
        ("curl/8.5.0", "curl"),
        ("OpenAPI-Generator/31.0.0/python", "OpenAPI-Generator"),
        ("", "unknown"),
        (None, "unknown"),
        ("(compatible)", "unknown"),
    ],
)
def test_the_product_token_names_the_client_without_its_version(user_agent, product):
    assert product_token(user_agent) == product


def test_the_logged_query_keeps_lists_and_watches_apart_and_hides_credentials():
    assert loggable_query(b"watch=true&resourceVersion=5") == "watch=true&resourceVersion=5"
    assert loggable_query(b"limit=10&continue=abc") == "limit=10&continue=abc"
    assert loggable_query(b"access_token=s3cret&limit=1") == "access_token=REDACTED&limit=1"
    assert loggable_query(b"") == ""
