"""``/swagger-ui/`` and ``/swagger/<name>.swagger.json``: served by the bridge itself from the
route table and the swagger-ui-bundle package, open to every caller, never forwarded."""

from __future__ import annotations

import json
import re

import pytest
from openapi_spec_validator import validate

from bridge.core.config import BridgeConfig
from tests.support.fake_upstream import running_fake_upstream
from tests.support.openapi import EXAMPLE_OPERATIONS, request_validator
from tests.support.repo import EXAMPLES
from v1compat.openapi import SERVICE_DOCUMENTS, openapi_path
from v1compat.routes import ROUTES
from v1compat.swagger import whole_document

WHOLE = "/swagger/kuberay_api.swagger.json"


def referenced_assets(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', html)


def test_the_whole_document_is_served_as_generated(bridge):
    answer = bridge.get(WHOLE)
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    assert answer.get_json() == whole_document()
    validate(answer.get_json())
    assert "Deprecation" not in answer.headers  # documentation, not a v1 call


def test_the_served_document_has_every_route_and_every_example_body_is_valid(bridge):
    document = bridge.get(WHOLE).get_json()
    for row in ROUTES:
        assert document["paths"][openapi_path(row.rule)][row.method.lower()]["operationId"] == row.name
    examples = sorted(EXAMPLES.glob("*.json"))
    assert {path.name for path in examples} == set(EXAMPLE_OPERATIONS)  # a new example needs its operation
    for path in examples:
        request_validator(document, EXAMPLE_OPERATIONS[path.name]).validate(json.loads(path.read_text()))


@pytest.mark.parametrize("service", SERVICE_DOCUMENTS)
def test_the_go_server_per_service_files_are_served(bridge, service):
    answer = bridge.get(f"/swagger/{service}.swagger.json")
    assert answer.status_code == 200
    validate(answer.get_json())


@pytest.mark.parametrize("path", ["/swagger/nope.swagger.json", "/swagger/cluster.json", "/swagger/"])
def test_other_swagger_paths_are_404(bridge, path):
    assert bridge.get(path).status_code == 404


def test_the_ui_page_and_every_asset_it_names_load(bridge):
    assert bridge.get("/swagger-ui").status_code == 301
    page = bridge.get("/swagger-ui/")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assets = referenced_assets(html)
    assert "./swagger-ui-bundle.js" in assets and "./swagger-initializer.js" in assets
    for asset in assets:
        answer = bridge.get("/swagger-ui/" + asset.removeprefix("./"))
        assert answer.status_code == 200, asset
        assert answer.get_data(), asset


def test_the_ui_opens_our_documents(bridge):
    script = bridge.get("/swagger-ui/swagger-initializer.js").get_data(as_text=True)
    urls = re.findall(r'"url": "([^"]+)"', script)
    assert urls[0] == WHOLE
    assert {f"/swagger/{service}.swagger.json" for service in SERVICE_DOCUMENTS} <= set(urls)
    assert "petstore" not in script
    assert "validatorUrl: null" in script  # else the UI loads a badge from validator.swagger.io
    for url in urls:
        assert bridge.get(url).status_code == 200


def test_the_ui_cannot_read_outside_its_package(bridge):
    # %2F reaches the app as "/": the asset path is "../__init__.py", a real file one level up
    assert bridge.get("/swagger-ui/..%2F__init__.py").status_code == 404
    assert bridge.get("/swagger-ui/..%2F..%2Fswagger_ui_bundle%2F__init__.py").status_code == 404


def test_docs_are_open_when_callers_need_a_token(embedded, tmp_path):
    from bridge.app import create_app

    tokens = tmp_path / "tokens"
    tokens.write_text("s3cret\n")
    locked = create_app(
        BridgeConfig(upstream=embedded.url, auth_mode="token", token_file=str(tokens))
    ).test_client()
    assert locked.get("/swagger-ui/").status_code == 200
    assert locked.get(WHOLE).status_code == 200
    assert locked.get("/apis/v1/compute_templates").status_code == 401
    assert locked.get("/swagger/../apis/v1/compute_templates").status_code == 401
    assert locked.get("/swagger-ui/..%2F..%2Fapis/v1/compute_templates").status_code == 401


def test_docs_paths_never_reach_the_upstream():
    from bridge.app import create_app

    with running_fake_upstream() as upstream:
        client = create_app(BridgeConfig(upstream=upstream.url)).test_client()
        for path in ("/swagger-ui/", WHOLE, "/swagger/nope.swagger.json", "/swagger-ui/nope.js"):
            client.get(path)
        assert upstream.paths() == []
