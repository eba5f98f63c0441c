"""Kubernetes quantities: the strings apimachinery accepts, rejects and prints.

Expected values are taken from apimachinery's own tests (quantity_test.go: TestQuantityString,
TestQuantityParseEmit, TestQuantityParse) so the port is checked against Go, not against itself.
"""

from __future__ import annotations

import pytest

from v1compat.convert.quantity import (
    ERR_FORMAT_WRONG,
    ERR_NUMERIC,
    ERR_SUFFIX,
    QuantityError,
    canonical_quantity,
    is_quantity,
    parse_quantity,
    read_quantity,
)

# TestQuantityString: (canonical, alternate spelling that must print as the canonical).
CANONICAL_AND_ALTERNATE = [
    ("1Gi", "1024Mi"),
    ("300Mi", "307200Ki"),
    ("6Ki", ""),
    ("1001Gi", "1025024Mi"),
    ("1Ti", "1024Gi"),
    ("5", "5000m"),
    ("500m", "0.5"),
    ("1G", "1000M"),
    ("1G", "0.001T"),
    ("1m", "1000u"),
    ("80m", ""),
    ("1080m", "1.08"),
    ("1080m", "1080000000n"),
    ("300M", ""),
    ("1T", ""),
    ("1E", ""),
    ("1e21", "1000E"),
    ("5e21", "5000E"),
    ("1e24", "1000000E"),
    ("10e69", ""),
    ("20e69", ""),
    ("1e72", ""),
    ("1234567M", ""),
    ("1234567m", ""),
    ("3k", ""),
    ("1025", ""),
    ("0", ""),
    ("1e9", ".001e12"),
    ("1e-3", "0.001e0"),
    ("1e-9", "1000e-12"),
    ("80e-3", ""),
    ("300e6", ""),
    ("1e12", ""),
    ("1e3", ""),
    ("3e3", ""),
    ("0", "00"),
    ("1n", ""),
    ("80n", ""),
    ("1080n", ""),
    ("1u", ""),
    ("80u", ""),
    ("1080u", ""),
]


@pytest.mark.parametrize("canonical", sorted({c for c, _ in CANONICAL_AND_ALTERNATE}))
def test_canonical_text_is_kept_verbatim(canonical: str) -> None:
    quantity = parse_quantity(canonical)
    assert quantity.cached == canonical
    assert str(quantity) == canonical


@pytest.mark.parametrize(("canonical", "alternate"), [(c, a) for c, a in CANONICAL_AND_ALTERNATE if a])
def test_alternate_spelling_prints_canonically(canonical: str, alternate: str) -> None:
    quantity = parse_quantity(alternate)
    assert quantity.cached == ""
    assert canonical_quantity(alternate) == canonical


@pytest.mark.parametrize("sign", ["", "-"])
@pytest.mark.parametrize(
    ("text", "printed"),
    [  # TestQuantityParseEmit
        ("1Ki", "1Ki"),
        ("1Mi", "1Mi"),
        ("1Gi", "1Gi"),
        ("1024Mi", "1Gi"),
        ("1000M", "1G"),
        (".001Ki", "1024m"),
        (".000001Ki", "1024u"),
        (".000000001Ki", "1024n"),
        (".000000000001Ki", "2n"),
    ],
)
def test_parse_and_emit(sign: str, text: str, printed: str) -> None:
    assert canonical_quantity(sign + text) == sign + printed


@pytest.mark.parametrize(
    ("text", "printed"),
    [  # values from TestQuantityParse, printed by the canonical rules above
        ("0.0000000001", "1n"),  # rounds up to one nano
        ("0.0000000005", "1n"),
        ("3.001n", "4n"),
        ("1.1E-9", "2e-9"),
        ("0.00000012345", "124n"),
        ("9Ei", "9223372036854775807"),  # binary quantities cap at 2^63-1
        ("9223372036854775807Ki", "9223372036854775807"),
        ("0.000000000001Ki", "2n"),
        ("100.035k", "100.035k"),  # kept verbatim: Go's canonical check ignores the point
        ("0.0005k", "500m"),
        ("12E", "12E"),
        ("0.5Mi", "512Ki"),
        ("100.035Ki", "102435840m"),
        ("1.5Gi", "1536Mi"),
        ("1.", "1."),  # kept verbatim, likewise
        ("1.G", "1.G"),
        ("1.5k", "1500"),
        ("0Gi", "0"),
        ("-", "0"),
        (".", "0"),
    ],
)
def test_parsed_values_print_as_go(text: str, printed: str) -> None:
    assert canonical_quantity(text) == printed


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", ERR_FORMAT_WRONG),
        ("1.1.M", ERR_FORMAT_WRONG),
        ("1+1.0M", ERR_FORMAT_WRONG),
        ("0.1mi", ERR_SUFFIX),
        ("0.1am", ERR_FORMAT_WRONG),
        ("aoeu", ERR_FORMAT_WRONG),
        (".5i", ERR_SUFFIX),
        ("1i", ERR_SUFFIX),
        ("-3.01i", ERR_SUFFIX),
        ("-3.01e-", ERR_SUFFIX),
        ("1e4294967297", ERR_SUFFIX),
        (" 1", ERR_FORMAT_WRONG),
        ("1 ", ERR_FORMAT_WRONG),
        ("4GB", ERR_FORMAT_WRONG),  # the spec's compute-template example (memory_unit "GB")
        ("4gi", ERR_FORMAT_WRONG),  # "g" is not a suffix letter at all
        ("4Gb", ERR_FORMAT_WRONG),
        ("4Mb", ERR_FORMAT_WRONG),
        ("4mi", ERR_SUFFIX),
        ("5 Gi", ERR_FORMAT_WRONG),
        (".e-10", ERR_NUMERIC),
    ],
)
def test_invalid_quantities(text: str, error: str) -> None:
    with pytest.raises(QuantityError) as raised:
        parse_quantity(text)
    assert str(raised.value) == error
    assert not is_quantity(text)


def test_format_error_names_the_go_regular_expression() -> None:
    assert ERR_FORMAT_WRONG == (
        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
    )


def test_huge_exponents_stay_cheap() -> None:
    assert canonical_quantity("1e2147483647") == "10e2147483646"
    assert canonical_quantity("1e-2147483647") == "1e-9"  # rounded up to one nano


@pytest.mark.parametrize(
    ("stored", "printed"), [(5, "5"), ("1024Mi", "1Gi"), (None, "0"), ("not a quantity", "not a quantity")]
)
def test_read_quantity_from_stored_objects(stored: object, printed: str) -> None:
    assert read_quantity(stored) == printed


def test_absurdly_long_numbers_are_rejected_not_crashing() -> None:
    assert parse_quantity("0" * 10000 + "1").mantissa == 1
    assert canonical_quantity("0" * 10000 + "1e-10") == "1e-9"  # the big path, with leading zeros
    assert canonical_quantity("1" + "0" * 3000 + "Ki")  # big, but fine
    with pytest.raises(QuantityError):
        parse_quantity("1" * 5000)
