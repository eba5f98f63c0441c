"""Text that Kubernetes can store: valid Unicode only.

JSON may spell a UTF-16 surrogate on its own (``"\\ud800"``), which Python decodes into a string
that no UTF-8 encoder can write back. Such a string in a name or a label makes every later
answer that carries it fail to encode, so every decoded document is checked before it is
acted on, and the lone surrogate refused as invalid input.
"""

from __future__ import annotations

import re
from typing import Any

_SURROGATE = re.compile("[\ud800-\udfff]")


class InvalidUnicode(ValueError):
    """A string of the document holds a lone UTF-16 surrogate."""


def check_unicode(document: Any) -> Any:
    """``document`` unless one of its keys or strings holds a lone surrogate
    (:class:`InvalidUnicode` naming it). Walks without recursion."""
    pending = [document]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            found = _SURROGATE.search(value)
            if found:
                code = ord(found.group())
                raise InvalidUnicode(f"invalid Unicode: lone surrogate \\u{code:04x} in a string")
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return document
