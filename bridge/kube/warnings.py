"""The ``Warning`` response header as the Kubernetes API server sends it (RFC 9110 §5.6.4
quoted-string, RFC 7234 §5.5 warn-value): ``299 - "<text>"``, one header per warning.

Kubernetes uses the code 299 (miscellaneous persistent warning) and the agent ``-`` for
deprecated APIs and for unknown fields (``fieldValidation=Warn``); kubectl and client-go print
the text. Its ``NewWarningHeader`` (k8s.io/apimachinery/pkg/util/net) backslash-escapes ``"``
and ``\\``, writes every other character as it is (raw UTF-8 bytes) and drops a warning whose
text holds a control character.

Here the text often quotes what a client sent (an unknown field named ``café€`` or holding a
newline), and raw UTF-8 is not an option: a WSGI header value must be Latin-1, a character
beyond it kills the response half-way (the client then waits for its timeout), and Python
clients (``requests``, the ``kubernetes`` package) decode header bytes as Latin-1, so UTF-8
would reach them garbled. So every character outside printable ASCII is written as a JSON
escape (``\\u20ac``, ``\\n``, a surrogate pair beyond the BMP) before the quoting: the value is
plain ASCII, safe for every server and client, the warning is never dropped, and a reader can
still tell exactly what was sent.
"""

from __future__ import annotations

import json

MISCELLANEOUS_PERSISTENT_WARNING = 299
NO_AGENT = "-"


def _ascii_printable(text: str) -> str:
    return "".join(char if " " <= char <= "~" else json.dumps(char)[1:-1] for char in text)


def quoted_string(text: str) -> str:
    """``text`` as an RFC 9110 quoted-string of printable ASCII (see the module docstring)."""
    escaped = _ascii_printable(text).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def warning_299(text: str) -> str:
    """The value of one ``Warning`` header carrying ``text``: ``299 - "<text>"``."""
    return f"{MISCELLANEOUS_PERSISTENT_WARNING} {NO_AGENT} {quoted_string(text)}"
