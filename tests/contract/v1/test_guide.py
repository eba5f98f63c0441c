"""The migration guide the bridge serves, and the deprecation links that point to it."""

from __future__ import annotations

import re

from bridge.core.config import BridgeConfig


def test_the_guide_is_served_as_html_with_the_anchors_the_links_use(bridge):
    answer = bridge.get("/migration")
    assert answer.status_code == 200
    assert answer.mimetype == "text/html"
    ids = set(re.findall(r'id="([^"]+)"', answer.get_data(as_text=True)))
    assert {"compute-templates", "stages"} <= ids


def test_the_guide_is_markdown_on_request(bridge):
    for answer in (
        bridge.get("/migration?format=md"),
        bridge.get("/migration", headers={"Accept": "text/markdown"}),
    ):
        assert answer.status_code == 200
        assert answer.mimetype == "text/markdown"
        assert answer.get_data(as_text=True).startswith("# Migrating from KubeRay APIServer v1 to v2")


def test_the_default_deprecation_link_resolves_to_the_served_guide(bridge, ns):
    answer = bridge.get(f"/apis/v1/namespaces/{ns}/compute_templates/t1")
    links = answer.headers["Link"]
    assert links.startswith('</migration#compute-templates>; rel="successor-version"')
    assert links.endswith('</migration>; rel="deprecation"')
    assert bridge.get("/migration").status_code == 200


def test_a_configured_guide_url_is_used_as_given_without_an_anchor(embedded, ns):
    from bridge.app import create_app

    guide = "https://wiki.example.test/ray/v1-retirement"
    bridge = create_app(BridgeConfig(upstream=embedded.url, migration_guide_url=guide)).test_client()
    links = bridge.get(f"/apis/v1/namespaces/{ns}/compute_templates/t1").headers["Link"]
    assert links == f'<{guide}>; rel="successor-version", <{guide}>; rel="deprecation"'


def test_the_guide_needs_no_token_in_token_mode(embedded, tmp_path):
    from bridge.app import create_app

    tokens = tmp_path / "tokens"
    tokens.write_text("secret\n")
    bridge = create_app(
        BridgeConfig(upstream=embedded.url, auth_mode="token", token_file=str(tokens))
    ).test_client()
    assert bridge.get("/migration").status_code == 200
    assert bridge.get("/apis/v1/clusters").status_code == 401
