"""``/swagger-ui/`` and ``/swagger/<name>.swagger.json``: the v1 documentation at the paths the
Go server served it (spec §9.5).

- ``/swagger/kuberay_api.swagger.json`` is the OpenAPI document of the whole v1 surface
  (``v1compat.openapi``, built once per process from the route table); the per-service files
  of the Go server (``cluster``, ``config``, ``job``, ``serve``, ``job_submission``, ``error``)
  are cuts of it. Any other ``/swagger/...`` path is 404.
- ``/swagger-ui/`` is Swagger UI from the ``swagger-ui-bundle`` package, served from the
  package's directory (nothing is fetched at run time); only its initializer is ours, and
  points the UI at the documents above.

These paths belong to neither surface: nothing here is forwarded upstream (the v2 table has
no rule for them), and they carry no deprecation headers. Auth: they are open, like
``/healthz``: they describe the public v1 API, the same for every caller, reveal nothing about
the cluster, and a browser cannot add a bearer token to a page load; the calls made from the
UI's "Try it out" go to ``/apis/v1`` and are authenticated as any other.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import swagger_ui_bundle
from flask import Blueprint, Response, redirect, send_from_directory
from werkzeug.exceptions import NotFound

from bridge.core.logs import name_route
from v1compat.openapi import SERVICE_DOCUMENTS, build_document, service_document
from v1compat.routes import ROUTES

UI_PREFIX = "/swagger-ui/"
DOCS_PREFIX = "/swagger/"
WHOLE_DOCUMENT = "kuberay_api"
_UI_FILES = swagger_ui_bundle.swagger_ui_path

blueprint = Blueprint("swagger", __name__)


def is_docs_path(path: str) -> bool:
    """The paths of this module (open to every caller, see the module docstring); a path that
    climbs out (``/swagger/../apis/...``) is not one, whatever it would reach."""
    if "/.." in path or "//" in path:
        return False
    return path == UI_PREFIX.rstrip("/") or path.startswith((UI_PREFIX, DOCS_PREFIX))


@cache
def whole_document() -> dict[str, Any]:
    return build_document(ROUTES)


@cache
def _document_json(name: str) -> bytes:
    document = whole_document() if name == WHOLE_DOCUMENT else service_document(whole_document(), name)
    return json.dumps(document, indent=1).encode()


@blueprint.get("/swagger/<name>.swagger.json")
def swagger_json(name: str) -> Response:
    name_route("other", "docs.swagger")
    if name != WHOLE_DOCUMENT and name not in SERVICE_DOCUMENTS:
        raise NotFound()
    return Response(_document_json(name), mimetype="application/json")


@blueprint.get("/swagger-ui")
def ui_without_slash() -> Response:
    name_route("other", "docs.ui")
    return redirect(UI_PREFIX, code=301)  # as Go's ServeMux did for a subtree path


@blueprint.get(UI_PREFIX)
@blueprint.get(UI_PREFIX + "<path:asset>")
def ui(asset: str = "index.html") -> Response:
    name_route("other", "docs.ui")
    if asset == "swagger-initializer.js":
        return Response(_initializer(), mimetype="text/javascript")
    return send_from_directory(_UI_FILES, asset)


@cache
def _initializer() -> str:
    """The package's initializer, pointed at our documents (the whole one first), without the
    online validator badge (an image from validator.swagger.io: nothing may load from outside)."""
    urls = [{"name": "kuberay v1 (all)", "url": f"{DOCS_PREFIX}{WHOLE_DOCUMENT}.swagger.json"}]
    urls += [{"name": name, "url": f"{DOCS_PREFIX}{name}.swagger.json"} for name in SERVICE_DOCUMENTS]
    return f"""window.onload = function () {{
  window.ui = SwaggerUIBundle({{
    urls: {json.dumps(urls)},
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: "StandaloneLayout"
  }});
}};
"""
