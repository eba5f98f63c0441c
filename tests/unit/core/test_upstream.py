"""The upstream connection pool's reuse check (bridge.core.upstream)."""

import socket

from bridge.core.upstream import Upstream, _Connection


def test_a_pooled_connection_is_reusable_until_the_upstream_closes_it():
    ours, theirs = socket.socketpair()
    connection = _Connection("127.0.0.1")
    connection.sock = ours
    try:
        assert connection.is_connected
        theirs.close()
        assert not connection.is_connected
    finally:
        ours.close()


def test_a_connection_with_unread_bytes_is_not_reused():
    """Bytes nobody asked for (a late answer) would be read as the next response."""
    ours, theirs = socket.socketpair()
    connection = _Connection("127.0.0.1")
    connection.sock = ours
    try:
        theirs.sendall(b"HTTP/1.1 200 OK\r\n")
        assert not connection.is_connected
    finally:
        ours.close()
        theirs.close()


def test_every_pool_of_the_upstream_uses_the_reuse_check():
    pool = Upstream("url", "http://127.0.0.1:1").pool()
    assert pool.connection_from_url("http://127.0.0.1:1").ConnectionCls is _Connection
    assert pool.connection_from_url("https://127.0.0.1:1").ConnectionCls.__name__ == "_TLSConnection"
