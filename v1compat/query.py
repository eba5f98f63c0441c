"""Query parameters of v1 calls, read by grpc-gateway's rules (``runtime/query.go``).

The gateway filled the non-path fields of a request message from the query string: each
parameter is looked up by the field's proto name, then by its JSON name (``page_size`` or
``pageSize``); parameters naming no field are ignored; a parameter given twice
(``?limit=1&limit=2``) is 400 ``too many values for field "limit": 1, 2``; a value that does not
parse as the field's type (``?limit=``, ``?limit=abc``) is 400
``parsing field "limit": strconv.ParseInt: parsing "abc": invalid syntax``. Errors name the
field by its proto name, whichever name the client used. (Path parameters are strings and
never fail to parse; their errors, ``type mismatch, parameter: ...``, come from elsewhere.)

Every v1 list call uses this one parser with a table of its request message's query fields::

    values = parse_query(request.args, LIMIT_CONTINUE)  # {"limit": 5, "continue": "..."}

The answer is keyed by proto name and holds only the fields the client sent. The tables of the
v1 list requests are below: ``LIMIT_CONTINUE`` (clusters, jobs: ``int64 limit``,
``string continue``) and ``PAGE_SIZE_TOKEN`` (services: ``int32 page_size``,
``string page_token``); compute-template and job-submission calls take no query fields.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import MultiDict

from v1compat.errors import Code, V1Error
from v1compat.schemas.base import json_name

_GO_INTEGER = re.compile(r"[+-]?[0-9]+")  # strconv.Parse(U)Int(s, 10, n): no spaces, no "_"
_GO_BOOLS = {
    **dict.fromkeys(("1", "t", "T", "TRUE", "true", "True"), True),
    **dict.fromkeys(("0", "f", "F", "FALSE", "false", "False"), False),
}
# proto type -> (Go parser named in errors, smallest, largest); None bounds: not an integer
_INTEGERS = {
    "int32": ("ParseInt", -(2**31), 2**31 - 1),
    "int64": ("ParseInt", -(2**63), 2**63 - 1),
    "uint32": ("ParseUint", 0, 2**32 - 1),
    "uint64": ("ParseUint", 0, 2**64 - 1),
}
KINDS = frozenset({"string", "bool", *_INTEGERS})


@dataclass(frozen=True)
class QueryField:
    """One query-settable field of a request message: its proto name and proto type."""

    name: str
    kind: str

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unsupported query field type {self.kind!r}")

    @property
    def json_name(self) -> str:
        return json_name(self.name)

    def parse(self, value: str) -> Any:
        """The value as the gateway's ``parseField`` read it; raises ValueError with Go's text."""
        if self.kind == "string":
            return value
        if self.kind == "bool":
            if value not in _GO_BOOLS:
                raise ValueError(f"strconv.ParseBool: parsing {go_quote(value)}: invalid syntax")
            return _GO_BOOLS[value]
        parser, low, high = _INTEGERS[self.kind]
        unsigned = parser == "ParseUint"
        if not _GO_INTEGER.fullmatch(value) or (unsigned and value[0] in "+-"):
            raise ValueError(f"strconv.{parser}: parsing {go_quote(value)}: invalid syntax")
        # Past 20 significant digits no 64-bit integer fits; past 4,300 Python refuses int().
        digits = value.lstrip("+-").lstrip("0")
        number = int(value) if len(digits) <= 20 else high + 1
        if not low <= number <= high:
            raise ValueError(f"strconv.{parser}: parsing {go_quote(value)}: value out of range")
        return number


LIMIT_CONTINUE = (QueryField("continue", "string"), QueryField("limit", "int64"))
PAGE_SIZE_TOKEN = (QueryField("page_token", "string"), QueryField("page_size", "int32"))


def parse_query(args: MultiDict[str, str], fields: Sequence[QueryField]) -> dict[str, Any]:
    """The query fields the client sent, by proto name; raises V1Error (400) as the gateway did."""
    by_key: dict[str, QueryField] = {}
    for query_field in fields:
        by_key.setdefault(query_field.json_name, query_field)
        by_key[query_field.name] = query_field  # the proto name wins, as in ByName before ByJSONName
    parsed: dict[str, Any] = {}
    for key, values in args.lists():
        query_field = by_key.get(key)
        if query_field is None:
            continue  # "could just be an extra query parameter that isn't part of the request"
        if len(values) > 1:
            raise V1Error(
                Code.INVALID_ARGUMENT,
                f"too many values for field {go_quote(query_field.name)}: {', '.join(values)}",
            )
        try:
            parsed[query_field.name] = query_field.parse(values[0])
        except ValueError as error:
            message = f"parsing field {go_quote(query_field.name)}: {error}"
            raise V1Error(Code.INVALID_ARGUMENT, message) from None
    return parsed


def go_quote(text: str) -> str:
    """Go's ``%q`` of a string, close enough for messages (printable text is identical)."""
    return json.dumps(text, ensure_ascii=False)
