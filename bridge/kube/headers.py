"""Connection-specific ("hop-by-hop") headers, which a proxy never forwards (RFC 9110 §7.6.1).

They describe one connection, not the message: forwarding ``Connection: close``,
``Transfer-Encoding`` or ``Upgrade`` to the next hop would corrupt its framing or switch its
protocol. The bridge's forwarder and the embedded API's service proxy drop the same set.
"""

from __future__ import annotations

from collections.abc import Iterable

# RFC 9110 §7.6.1 and the RFC 2616 list it replaced; ``Proxy-Connection`` is the pre-standard
# spelling some clients still send, ``Trailers`` a common misspelling of ``Trailer``.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
    }
)


def hop_by_hop_names(headers: Iterable[tuple[str, str]]) -> set[str]:
    """Lower-case names of the hop-by-hop headers, including those ``Connection`` names."""
    names = set(HOP_BY_HOP)
    for name, value in headers:
        if name.lower() == "connection":
            names.update(part.strip().lower() for part in value.split(",") if part.strip())
    return names


def end_to_end(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """``headers`` without the hop-by-hop ones, in their order."""
    pairs = list(headers)
    drop = hop_by_hop_names(pairs)
    return [(name, value) for name, value in pairs if name.lower() not in drop]
