"""The migration guide as the bridge renders it: every heading has its own anchor, and every
link inside the guide lands on one."""

from __future__ import annotations

import re

from v1compat.guide import guide_html, guide_markdown


def anchors() -> list[str]:
    return re.findall(r'<h[1-4] id="([^"]+)"', guide_html())


def test_no_two_headings_share_an_anchor():
    """A repeated heading gets ``-1`` appended (here as on GitHub), so a link to it silently
    lands on the first one."""
    names = set(anchors())
    repeated = [name for name in names if re.fullmatch(r".+-\d+", name) and name.rsplit("-", 1)[0] in names]
    assert repeated == []


def test_every_link_inside_the_guide_lands_on_a_heading():
    targets = set(re.findall(r"\]\(#([^)]+)\)", guide_markdown()))
    assert targets
    assert sorted(targets - set(anchors())) == []


def test_the_anchors_the_product_and_the_readme_link_to_exist():
    """``/migration#compute-templates`` is the successor link of every compute-template call."""
    assert {"stages", "compute-templates", "who-still-calls-v1", "v1-call--v2-call"} <= set(anchors())
