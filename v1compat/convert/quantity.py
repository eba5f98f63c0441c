"""Kubernetes resource quantities, parsed and printed exactly as apimachinery does.

The Go server validates every storage/cpu/memory string with ``resource.ParseQuantity`` and
writes quantities into the CR through ``Quantity.MarshalJSON``, which prints the *canonical*
form (``"1024Mi"`` becomes ``"1Gi"``, ``"1000"`` becomes ``"1k"``, ``"0.5"`` becomes
``"500m"``) unless the parser kept the original text because it was already canonical. Reads
go through ``Quantity.String()``, the same printer. This module ports
``k8s.io/apimachinery/pkg/api/resource`` (quantity.go, amount.go, suffix.go) so the bridge
accepts, rejects and prints the same strings.

Values are exact: a decimal quantity is an integer mantissa and a power-of-ten exponent, never a
float, and never ``10 ** exponent`` expanded (``"1e999999999"`` is a valid quantity).

Two corner cases follow current apimachinery rather than older releases: an exponent beyond
+-MaxInt32 is rejected (older releases wrapped it around), and a DecimalSI value beyond ``E``
prints in exponent form (``"1000E"`` -> ``"1e21"``; older releases printed ``"1"``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "QuantityError",
    "Quantity",
    "parse_quantity",
    "is_quantity",
    "canonical_quantity",
    "read_quantity",
]

# The Go error texts (resource.ErrFormatWrong / ErrNumeric / ErrSuffix); the Go server puts
# them into some messages ("cpu for ray job submitter x is not specified correctly: <err>").
_SPLIT_RE = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"
ERR_FORMAT_WRONG = f"quantities must match the regular expression '{_SPLIT_RE}'"
ERR_NUMERIC = "unable to parse numeric part of quantity"
ERR_SUFFIX = "unable to parse quantity's suffix"

_MAX_INT32 = (1 << 31) - 1
_MAX_INT64 = (1 << 63) - 1
_MIN_INT64 = -(1 << 63)
_NANO = -9
_MAX_INT64_FACTORS = 18
_MAX_DIGITS = 4000
_SUFFIX_CHARS = frozenset("eEinumkKMGTP")
_DIGITS = frozenset("0123456789")

_DECIMAL_SUFFIXES = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_BINARY_SUFFIXES = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL_SUFFIX_FOR = {exponent: suffix for suffix, exponent in _DECIMAL_SUFFIXES.items()}
_BINARY_SUFFIX_FOR = {exponent // 10: suffix for suffix, exponent in _BINARY_SUFFIXES.items()}


class QuantityError(ValueError):
    """ParseQuantity failed; ``str(error)`` is the Go error text."""


class Format(StrEnum):
    DECIMAL_EXPONENT = "DecimalExponent"
    BINARY_SI = "BinarySI"
    DECIMAL_SI = "DecimalSI"


@dataclass(frozen=True)
class Quantity:
    """A parsed quantity: ``mantissa * 10**exponent``, the suffix family it was written in, and
    the original text when Go's parser decided it was already canonical (``cached``)."""

    mantissa: int
    exponent: int
    format: Format
    cached: str = ""

    def __str__(self) -> str:
        """``Quantity.String()`` / ``MarshalJSON``: the cached text, else the canonical form."""
        return self.cached or _canonical(self)

    def is_zero(self) -> bool:
        return self.mantissa == 0


def _go_parse_int64(text: str) -> int | None:
    """``strconv.ParseInt(text, 10, 64)``: optional sign, decimal digits only, int64 range."""
    digits = text[1:] if text[:1] in ("+", "-") else text
    if not digits or not set(digits) <= _DIGITS:
        return None
    value = int(text)
    return value if _MIN_INT64 <= value <= _MAX_INT64 else None


def _scan(text: str) -> tuple[bool, str, str, str, str]:
    """parseQuantityString: (positive, value, num, denom, suffix); raises on a bad layout."""
    positive = True
    pos = 0
    end = len(text)
    if pos < end and text[0] in "+-":
        positive = text[0] != "-"
        pos += 1

    while True:  # leading zeros
        if pos >= end:
            return positive, "0", "0", "", ""
        if text[pos] != "0":
            break
        pos += 1

    start = pos
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    num = text[start:pos]
    if pos >= end:
        return positive, text, num, "", ""
    if not num:
        num = "0"

    denom = ""
    if text[pos] == ".":
        pos += 1
        start = pos
        while pos < end and text[pos] in _DIGITS:
            pos += 1
        denom = text[start:pos]
        if pos >= end:
            return positive, text, num, denom, ""
    value = text[:pos]

    suffix_start = pos
    while pos < end and text[pos] in _SUFFIX_CHARS:
        pos += 1
    if pos < end and text[pos] in "+-":
        pos += 1
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    if pos < end:
        raise QuantityError(ERR_FORMAT_WRONG)
    return positive, value, num, denom, text[suffix_start:]


def _interpret(suffix: str) -> tuple[int, int, Format]:
    """suffixHandler.interpret: (base, exponent, format)."""
    if suffix in _DECIMAL_SUFFIXES:
        return 10, _DECIMAL_SUFFIXES[suffix], Format.DECIMAL_SI
    if suffix in _BINARY_SUFFIXES:
        return 2, _BINARY_SUFFIXES[suffix], Format.BINARY_SI
    if len(suffix) > 1 and suffix[0] in "eE":
        parsed = _go_parse_int64(suffix[1:])
        # Current apimachinery rejects exponents outside +-MaxInt32 instead of wrapping them.
        if parsed is not None and -_MAX_INT32 <= parsed <= _MAX_INT32:
            return 10, parsed, Format.DECIMAL_EXPONENT
    raise QuantityError(ERR_SUFFIX)


def parse_quantity(text: str) -> Quantity:
    """``resource.ParseQuantity``: the same accepted strings, errors and cached text."""
    if not isinstance(text, str) or not text:
        raise QuantityError(ERR_FORMAT_WRONG)
    if text == "0":
        return Quantity(0, 0, Format.DECIMAL_SI, cached="0")

    positive, value, num, denom, suffix = _scan(text)
    base, exponent, fmt = _interpret(suffix)
    sign = 1 if positive else -1

    # The int64 fast path: exact, never rounded, and it may keep the caller's text.
    if fmt is Format.BINARY_SI:
        precision = (15 - len(num) - exponent * 3 // 10 - 1) if not denom else -1
        scale = 0
    else:
        precision = _MAX_INT64_FACTORS - (len(num) + len(denom))
        scale = exponent
    if precision >= 0:
        scale -= len(denom)
        if scale >= _NANO:
            shifted = num + denom
            digits = int(shifted)
            multiplied = digits << exponent if fmt is Format.BINARY_SI else digits
            if multiplied <= _MAX_INT64:
                if fmt is Format.BINARY_SI:
                    canonical = exponent % 10 == 0 and digits & 0x07 != 0
                else:
                    canonical = scale % 3 == 0 and not shifted.endswith("000") and shifted[0] != "0"
                return Quantity(sign * multiplied, scale, fmt, cached=text if canonical else "")

    # The inf.Dec path: exact, then rounded up to nano and (binary only) capped at 2^63-1.
    unsigned = value[1:] if value[:1] in "+-" else value
    whole, _, fraction = unsigned.partition(".")
    if not (whole + fraction):
        raise QuantityError(ERR_NUMERIC)
    significant = (whole + fraction).lstrip("0") or "0"
    if len(significant) > _MAX_DIGITS:
        # Go's big.Int would take it; Python refuses such int conversions, and no resource
        # amount has thousands of significant digits.
        raise QuantityError(ERR_NUMERIC)
    mantissa = int(significant)
    scale = -len(fraction)
    if base == 10:
        scale += exponent
    else:
        mantissa <<= exponent
    if mantissa != 0 and scale < _NANO:
        mantissa, scale = _round_up_to_nano(mantissa, scale), _NANO
    if fmt is Format.BINARY_SI:
        if _compare(mantissa, scale, _MAX_INT64) > 0:
            mantissa, scale = _MAX_INT64, 0
        if mantissa != 0 and _compare(mantissa, scale, 1) < 0:
            fmt = Format.DECIMAL_SI
    return Quantity(sign * mantissa, scale, fmt)


def _round_up_to_nano(mantissa: int, scale: int) -> int:
    """inf.Dec.Round(nano, RoundUp) of a positive ``mantissa * 10**scale`` (scale < -9)."""
    drop = _NANO - scale
    if drop > len(str(mantissa)):
        return 1  # 0 < value < 1e-9 rounds up to exactly one nano
    quotient, remainder = divmod(mantissa, 10**drop)
    return quotient + (1 if remainder else 0)


def _compare(mantissa: int, scale: int, other: int) -> int:
    """Sign of ``mantissa * 10**scale - other`` for a non-negative mantissa and small ``other``."""
    if mantissa == 0:
        return -1 if other > 0 else 0
    if scale >= 0:
        if scale > 40:  # far beyond int64
            return 1
        left, right = mantissa * 10**scale, other
    else:
        if -scale > len(str(mantissa)) + 40:
            return -1 if other > 0 else 1
        left, right = mantissa, other * 10**-scale
    return (left > right) - (left < right)


def _remove_factors(value: int, base: int) -> tuple[int, int]:
    """removeInt64Factors / removeBigIntFactors: strip factors of ``base``, count them."""
    negative = value < 0
    value = -value if negative else value
    times = 0
    while value >= base and value % base == 0:
        value //= base
        times += 1
    return (-value if negative else value), times


def _canonical(quantity: Quantity) -> str:
    """Quantity.CanonicalizeBytes + suffix: the largest suffix that loses no precision."""
    if quantity.is_zero():
        return "0"
    fmt = quantity.format
    integer: int | None = None
    if fmt is Format.BINARY_SI:
        if _compare(abs(quantity.mantissa), quantity.exponent, 1024) < 0:
            fmt = Format.DECIMAL_SI
        else:
            integer = _exact_integer(quantity.mantissa, quantity.exponent)
            if integer is None:
                fmt = Format.DECIMAL_SI
    if fmt is Format.BINARY_SI and integer is not None:
        number, power = _remove_factors(integer, 1024)
        return f"{number}{_BINARY_SUFFIX_FOR.get(power, '')}"

    number, exponent = _remove_factors(quantity.mantissa, 10)
    exponent += quantity.exponent
    shift = exponent % 3  # Python's % floors, so the exponent moves down to a multiple of 3
    number, exponent = number * 10**shift, exponent - shift
    if fmt is Format.DECIMAL_SI and exponent in _DECIMAL_SUFFIX_FOR:
        return f"{number}{_DECIMAL_SUFFIX_FOR[exponent]}"
    # DecimalExponent, and DecimalSI beyond "E" (current apimachinery falls back to exponent
    # notation there; older releases printed "1000E" as "1", losing the magnitude).
    return f"{number}e{exponent}" if exponent else str(number)


def _exact_integer(mantissa: int, exponent: int) -> int | None:
    if exponent >= 0:
        return mantissa * 10**exponent
    quotient, remainder = divmod(abs(mantissa), 10**-exponent)
    if remainder:
        return None
    return quotient if mantissa > 0 else -quotient


def is_quantity(text: str) -> bool:
    try:
        parse_quantity(text)
    except QuantityError:
        return False
    return True


def canonical_quantity(text: str) -> str:
    """What the Go server writes for ``resource.MustParse(text)``; raises QuantityError."""
    return str(parse_quantity(text))


def read_quantity(value: object) -> str:
    """A quantity found in a stored object, printed as Go's ``Quantity.String()`` would.

    Stored objects may carry a JSON number (the CRD allows int-or-string) or, if written by
    something other than the API server, text that does not parse; that text is returned as is
    rather than failing a read.
    """
    if value is None:
        return "0"
    text = str(value) if not isinstance(value, bool) else ""
    try:
        return canonical_quantity(text)
    except QuantityError:
        return text
