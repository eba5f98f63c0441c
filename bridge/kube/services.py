"""Service-proxy ids: the ``{id}`` of ``/api/v1/namespaces/{ns}/services/{id}/proxy/...``.

The API server accepts ``name``, ``name:port`` and ``scheme:name:port`` (scheme ``http`` or
``https``; the port a number or a port name), split as ``utilnet.SplitSchemeNamePort`` does.
The bridge checks the name against the Services the KubeRay operator made; the embedded API
dials the port it names.
"""

from __future__ import annotations

from typing import NamedTuple

SCHEMES = ("", "http", "https")


class ServiceId(NamedTuple):
    scheme: str  # "" when the id names none
    name: str
    port: str  # "" when the id names none


def parse_service_id(text: str) -> ServiceId | None:
    """The parts of ``text``; None when it is none of the three forms (an unknown scheme, an
    empty name, more than three parts). The text is taken as it is: decoding is the caller's."""
    parts = text.split(":")
    if len(parts) == 1:
        scheme, name, port = "", parts[0], ""
    elif len(parts) == 2:
        scheme, (name, port) = "", parts
    elif len(parts) == 3:
        scheme, name, port = parts
    else:
        return None
    if scheme not in SCHEMES or not name:
        return None
    return ServiceId(scheme, name, port)
