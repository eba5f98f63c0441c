"""Swagger UI from a real ``kuberay-bridge serve``: the page, every asset it names and the
documents its initializer opens load with 200 from the bridge itself, none from elsewhere."""

from __future__ import annotations

import re

import pytest
import requests


@pytest.fixture(scope="module")
def bridge_url(cluster, start_bridge) -> str:
    return start_bridge("--upstream", cluster.url, "--workers", "1", "--log-level", "warning").url


def test_the_ui_and_everything_it_loads_come_from_the_bridge(bridge_url):
    with requests.Session() as session:
        page = session.get(f"{bridge_url}/swagger-ui/", timeout=30)
        assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
        assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert len(assets) >= 6
        assert not [asset for asset in assets if "//" in asset]  # relative: served by the bridge
        for asset in assets:
            answer = session.get(f"{bridge_url}/swagger-ui/{asset.removeprefix('./')}", timeout=30)
            assert answer.status_code == 200 and answer.content, asset
        script = session.get(f"{bridge_url}/swagger-ui/swagger-initializer.js", timeout=30).text
        documents = re.findall(r'"url": "([^"]+)"', script)
        assert documents and all(url.startswith("/swagger/") for url in documents)
        for url in documents:
            answer = session.get(bridge_url + url, timeout=30)
            assert answer.status_code == 200 and answer.json()["openapi"].startswith("3.")
