"""A Kubernetes API stand-in that holds 10,000 watches in one thread: ``python -m
bench.watch_upstream --port N``.

The embedded API holds one thread per open connection, which a 2-core machine does not carry
for 10,000 watches (bench/README.md). This asyncio server answers only what the watch scenario
needs: ``GET /version`` (readiness), a watch of any path (``?watch=...``: a chunked 200 that
stays open), a POST, which is answered 201 and sent to every open watch as one ``ADDED`` event,
and a 200 ``{}`` for any other GET. No parsing beyond the request line and ``Content-Length``:
it is a load fixture, never a model of Kubernetes.
"""

from __future__ import annotations

import argparse
import asyncio
import json

VERSION = json.dumps({"major": "1", "minor": "32", "gitVersion": "v1.32.0-bench"}).encode()


class WatchUpstream:
    def __init__(self) -> None:
        self.watchers: set[asyncio.StreamWriter] = set()
        self.resource_version = 1

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                method, target, _ = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ", 2)
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value.strip())
                body = await reader.readexactly(length) if length else b""
                if method == "GET" and "watch=" in target:
                    await self._watch(reader, writer)
                    return
                if method == "POST":
                    status, answer = "201 Created", self._added(body)
                elif target.startswith("/version"):
                    status, answer = "200 OK", VERSION
                else:
                    status, answer = "200 OK", b"{}"
                writer.write(
                    f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(answer)}\r\n\r\n".encode()
                    + answer
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ValueError):
            pass
        finally:
            self.watchers.discard(writer)
            writer.close()

    async def _watch(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Headers now, events when a POST comes, until the client hangs up."""
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        await writer.drain()
        self.watchers.add(writer)
        while await reader.read(65536):
            pass

    def _added(self, body: bytes) -> bytes:
        """Store nothing; send ``body`` as an ADDED event to every watch and echo it."""
        obj = json.loads(body or b"{}")
        self.resource_version += 1
        obj.setdefault("metadata", {})["resourceVersion"] = str(self.resource_version)
        event = json.dumps({"type": "ADDED", "object": obj}, separators=(",", ":")).encode() + b"\n"
        chunk = f"{len(event):x}\r\n".encode() + event + b"\r\n"
        for watcher in list(self.watchers):
            if watcher.is_closing():
                self.watchers.discard(watcher)
            else:
                watcher.write(chunk)
        return json.dumps(obj).encode()


async def main(port: int) -> None:
    upstream = WatchUpstream()
    server = await asyncio.start_server(upstream.serve, "127.0.0.1", port, backlog=4096, limit=1 << 20)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    asyncio.run(main(parser.parse_args().port))
