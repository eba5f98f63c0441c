"""A py-spy profile of one bridge worker under wrk load, summed into the layers the issue
names (run by hand: ``python -m bench.profile [--seconds 8] [--connections 16]``; needs
``pip install py-spy`` and the right to ptrace the worker, e.g. root or the same user with
``kernel.yama.ptrace_scope=0``).

Each layer's share is of the samples of the worker, inclusive of what it calls, so shares
overlap (the view includes the transport); the rows are ordered outermost first.
"""

from __future__ import annotations

import argparse
import collections
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from bench import load, servers

# (label, substring of a collapsed frame "function (file:line)")
LAYERS = [
    ("gunicorn worker (all)", "gunicorn/workers/"),
    ("gunicorn request parsing", "gunicorn/http/"),
    ("gunicorn access-log data", "gunicorn/glogging.py"),
    ("Flask/Werkzeug dispatch", "flask/app.py"),
    ("lean path (v2proxy/lean.py)", "_forward (v2proxy/lean.py"),
    ("v2 view", "v2proxy/routes.py"),
    ("request log line + metrics", "bridge/core/logs.py"),
    ("metrics", "bridge/core/metrics.py"),
    ("prometheus_client", "prometheus_client/"),
    ("forwarder", "v2proxy/forwarder.py"),
    ("requests (session, PreparedRequest)", "requests/"),
    ("urllib3", "urllib3/"),
    ("http.client", "http/client.py"),
    ("werkzeug headers", "werkzeug/datastructures/headers.py"),
]


def hottest(collapsed: str, count: int = 25) -> list[tuple[str, float]]:
    """The functions with the most samples of their own (the innermost frame)."""
    total = 0
    own: collections.Counter[str] = collections.Counter()
    for line in collapsed.splitlines():
        stack, _, number = line.rpartition(" ")
        if number.isdigit():
            total += int(number)
            own[stack.rsplit(";", 1)[-1]] += int(number)
    return [(frame, 100.0 * samples / max(total, 1)) for frame, samples in own.most_common(count)]


def summarize(collapsed: str) -> list[tuple[str, float]]:
    total = 0
    counts: collections.Counter[str] = collections.Counter()
    for line in collapsed.splitlines():
        stack, _, number = line.rpartition(" ")
        if not number.isdigit():
            continue
        samples = int(number)
        total += samples
        for label, needle in LAYERS:
            if needle in stack:
                counts[label] += samples
    return [(label, 100.0 * counts[label] / max(total, 1)) for label, _ in LAYERS]


def profile(upstream: str, seconds: float, connections: int) -> str:
    """py-spy's collapsed stacks of one worker while wrk runs ``connections`` connections."""
    spy = shutil.which("py-spy") or shutil.which("py-spy", path=str(Path(sys.executable).parent))
    if spy is None:
        raise SystemExit("py-spy not found: pip install py-spy")
    with servers.bridge(upstream) as (url, process):
        servers.wait_ready(url + servers.GET_PATH)
        workers = [pid for pid in load.tree(process.pid) if pid != process.pid]
        with tempfile.TemporaryDirectory() as scratch:
            output = Path(scratch) / "stacks.txt"
            loader = threading.Thread(
                target=load.wrk, args=(url + servers.GET_PATH, connections, seconds + 2)
            )
            loader.start()
            subprocess.run(
                [spy, "record", "--pid", str(workers[0]), "--duration", str(int(seconds)), "--rate", "250",
                 "--format", "raw", "--output", str(output), "--nonblocking"],
                capture_output=True, check=True, timeout=seconds + 60,
            )  # fmt: skip
            loader.join()
            return output.read_text()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--save", metavar="FILE", help="also write py-spy's collapsed stacks there")
    parser.add_argument("--top", type=int, default=0, help="also list the N hottest functions")
    options = parser.parse_args()
    with servers.canned_nginx(1) as upstream:
        stacks = profile(upstream, options.seconds, options.connections)
    if options.save:
        Path(options.save).write_text(stacks)
    print("inclusive share of the worker's samples, by layer:")
    for label, share in summarize(stacks):
        print(f"{share:5.1f}%  {label}")
    if options.top:
        print("\nown samples, hottest functions:")
        for frame, share in hottest(stacks, options.top):
            print(f"{share:5.1f}%  {frame}")


if __name__ == "__main__":
    main()
