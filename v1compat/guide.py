"""The migration guide, served by the bridge itself at ``/migration``.

Every v1 response links its ``rel="deprecation"`` here by default, so each v1 client gets a
working link whatever network the bridge runs in, with no setting. The guide is the
repository's MIGRATION.md, shipped inside this package (``v1compat/MIGRATION.md`` is a symlink
that the wheel build and the image follow), rendered to HTML with markdown-it-py; headings get
GitHub's anchors (``#compute-templates``), which the deprecation links point to.
``Accept: text/markdown`` or ``?format=md`` returns the Markdown itself.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from flask import Blueprint, Response, request
from markdown_it import MarkdownIt
from mdit_py_plugins.anchors import anchors_plugin

from bridge.core.config import SERVED_GUIDE_PATH

blueprint = Blueprint("guide", __name__)
MARKDOWN = "text/markdown; charset=utf-8"
_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{max-width:60rem;margin:2rem auto;padding:0 1rem;font-family:sans-serif;line-height:1.5}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.2rem .4rem;vertical-align:top}}
code{{background:#f4f4f4}}pre{{background:#f4f4f4;padding:.5rem;overflow:auto}}</style>
</head><body>
{body}</body></html>
"""


@cache
def guide_markdown() -> str:
    return resources.files("v1compat").joinpath("MIGRATION.md").read_text(encoding="utf-8")


@cache
def guide_html() -> str:
    renderer = MarkdownIt("commonmark", {"html": False}).enable("table").use(anchors_plugin, max_level=4)
    text = guide_markdown()
    title = text.lstrip("# ").split("\n", 1)[0].strip()
    return _PAGE.format(title=title, body=renderer.render(text))


def wants_markdown() -> bool:
    if request.args.get("format") in ("md", "markdown"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "text/markdown"], default="text/html")
    return best == "text/markdown"


@blueprint.get(SERVED_GUIDE_PATH)
def migration_guide() -> Response:
    if wants_markdown():
        response = Response(guide_markdown(), content_type=MARKDOWN)
    else:
        response = Response(guide_html(), content_type="text/html; charset=utf-8")
    response.vary.add("Accept")
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response
