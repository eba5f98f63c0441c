"""bridge.kube.headers: the one list of connection-specific headers (RFC 9110 §7.6.1)."""

from __future__ import annotations

from bridge.kube.headers import HOP_BY_HOP, end_to_end, hop_by_hop_names


def test_the_rfc_9110_connection_specific_headers_are_listed():
    for name in (
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "transfer-encoding",
        "upgrade",
        "trailer",
        "proxy-authenticate",
        "proxy-authorization",
    ):
        assert name in HOP_BY_HOP
    for name in ("authorization", "content-type", "content-length", "host", "warning"):
        assert name not in HOP_BY_HOP


def test_connection_names_more_hop_by_hop_headers():
    headers = [("Connection", "close, X-Session , ,Keep-Alive"), ("Accept", "*/*")]
    assert hop_by_hop_names(headers) == HOP_BY_HOP | {"close", "x-session", "keep-alive"}


def test_end_to_end_keeps_the_rest_in_order_and_case():
    headers = [
        ("Content-Type", "application/json"),
        ("Connection", "X-Session"),
        ("X-Session", "1"),
        ("Transfer-Encoding", "chunked"),
        ("Upgrade", "websocket"),
        ("Warning", '299 - "a"'),
        ("warning", '299 - "b"'),
        ("TE", "trailers"),
    ]
    assert end_to_end(iter(headers)) == [
        ("Content-Type", "application/json"),
        ("Warning", '299 - "a"'),
        ("warning", '299 - "b"'),
    ]
