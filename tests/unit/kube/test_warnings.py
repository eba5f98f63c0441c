"""The one ``Warning`` header formatter (bridge.kube.warnings), shared by the bridge and the
embedded API."""

from __future__ import annotations

import pytest

from bridge.kube.warnings import quoted_string, warning_299


@pytest.mark.parametrize("text", ['unknown field "spec.café€"', "a\r\nb\x00", '\U0001f600 \\ "', "ÿ"])
def test_the_value_is_printable_ascii_whatever_the_text(text):
    value = warning_299(text)
    assert value.startswith('299 - "') and value.endswith('"')
    assert all(" " <= char <= "~" for char in value), value
    value.encode("latin-1")  # what WSGI servers require of a header value


def test_quotes_and_backslashes_are_escaped_as_kubernetes_does():
    assert quoted_string('say "hi" \\ bye') == '"say \\"hi\\" \\\\ bye"'


def test_other_characters_become_json_escapes():
    assert (
        warning_299('unknown field "spec.café€"') == '299 - "unknown field \\"spec.caf\\\\u00e9\\\\u20ac\\""'
    )
