"""bridge.kube.text: only valid Unicode is ever stored or sent on."""

from __future__ import annotations

import json

import pytest

from bridge.kube.text import InvalidUnicode, check_unicode


def test_valid_text_passes_unchanged_surrogate_pairs_included():
    document = json.loads('{"name": "caf\\u00e9 \\ud83d\\ude00", "list": [1, "x", {"k": null}]}')
    assert check_unicode(document) is document


@pytest.mark.parametrize(
    "text",
    ['{"name": "a\\ud800"}', '{"a\\udc00": 1}', '{"items": [{"deep": ["\\udfff"]}]}', '"\\ud800"'],
)
def test_a_lone_surrogate_anywhere_is_refused(text):
    with pytest.raises(InvalidUnicode, match="lone surrogate"):
        check_unicode(json.loads(text))
