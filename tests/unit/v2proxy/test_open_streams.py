"""v2proxy.open_streams and v2proxy.client_hangup without a server: what a stopping worker
does to its open streams, and what a readable client socket means."""

from __future__ import annotations

import socket
import threading

from v2proxy.client_hangup import client_left, watch_hangup
from v2proxy.open_streams import OpenStreams


def test_end_all_aborts_every_open_stream_and_every_later_one():
    streams = OpenStreams()
    aborted = []
    closes = [streams.open({}, lambda n=n: aborted.append(n)) for n in range(3)]
    closes[1]()  # this one ended by itself
    assert streams.end_all() == 2
    assert sorted(aborted) == [0, 2]
    streams.open({}, lambda: aborted.append("late"))
    assert aborted[-1] == "late"


def test_a_stream_ended_at_shutdown_leaves_its_idle_connection_at_end_of_file():
    """So the worker closes it at once instead of waiting out the keep-alive timeout."""
    streams = OpenStreams()
    with socket.create_server(("127.0.0.1", 0)) as listener:
        with socket.create_connection(listener.getsockname()):
            server, _ = listener.accept()
            with server:
                close = streams.open({"gunicorn.socket": server}, lambda: None)
                streams.end_all()
                close()
                server.settimeout(5)
                assert server.recv(100) == b""


def test_client_left_tells_hangup_from_data_and_from_nothing():
    server, client = socket.socketpair()
    with server, client:
        assert client_left(server.fileno()) is None
        client.sendall(b"G")
        assert client_left(server.fileno()) is False
        assert server.recv(1) == b"G"  # the peek consumed nothing
        client.close()
        assert client_left(server.fileno()) is True


def test_the_poller_thread_reports_a_hangup_and_stays_away_once_stopped():
    """Without gevent's monkey patching: the selector thread."""
    hung_up = threading.Event()
    server, client = socket.socketpair()
    with server:
        watch_hangup({"gunicorn.socket": server}, hung_up.set)
        client.close()
        assert hung_up.wait(10)
    other_server, other_client = socket.socketpair()
    with other_server, other_client:
        called = threading.Event()
        stop = watch_hangup({"gunicorn.socket": other_server}, called.set)
        stop()
        other_client.close()
        assert not called.wait(1.5)


def test_a_client_that_sent_more_bytes_and_then_left_is_noticed():
    """A stray byte or a pipelined request must not hide the hangup behind it, and is not
    consumed: it stays for the server."""
    hung_up = threading.Event()
    server, client = socket.socketpair()
    with server:
        watch_hangup({"gunicorn.socket": server}, hung_up.set)
        client.sendall(b"G")
        client.close()
        assert hung_up.wait(10)
        assert server.recv(1) == b"G"
