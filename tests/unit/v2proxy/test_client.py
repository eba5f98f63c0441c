"""V2Client's reading of upstream JSON: fast for the common case, exact for the rest."""

from v2proxy.client import _decode


def test_an_upstream_body_decodes_to_the_same_value_as_the_standard_library():
    raw = '{"items": [{"metadata": {"name": "café", "generation": 3}, "spec": {"x": 1.5e300}}]}'.encode()
    assert _decode(raw) == {
        "items": [{"metadata": {"name": "café", "generation": 3}, "spec": {"x": 1.5e300}}]
    }


def test_an_integer_beyond_64_bits_is_still_read_exactly():
    assert _decode(b'{"n": 123456789012345678901234567890}') == {"n": 123456789012345678901234567890}
