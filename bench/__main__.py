"""``python -m bench``: the bridge next to ``kubectl proxy`` and to no proxy at all.

Everything starts on loopback (nginx with canned Kubernetes JSON, the embedded API, ``kubectl
proxy``, ``kuberay-bridge serve`` with its shipped settings) and every scenario runs its
targets interleaved, round after round, so a machine shared with other work slows all of them
alike. It prints a table of medians with their spread (min-max over rounds) and writes the
samples as JSON. See bench/README.md for the installs and the scenarios.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import requests

from bench import clients, load, servers
from tests.support.factories import cluster_body, template_body

Samples = dict[str, dict[str, list[float]]]  # metric -> target -> one sample per round


def record(samples: Samples, metric: str, target: str, value: float) -> None:
    samples[metric][target].append(value)


def proxy_overhead(options: argparse.Namespace, samples: Samples) -> None:
    """nginx serving canned JSON, directly and through each proxy."""
    with (
        servers.canned_nginx(options.list_size) as direct,
        servers.kubectl_proxy(direct) as (kubectl, kubectl_process),
        servers.bridge(direct) as (bridge, bridge_process),
        _before(options, direct) as before,
    ):
        targets = [("direct", direct, None), ("kubectl proxy", kubectl, kubectl_process.pid),
                   ("bridge", bridge, bridge_process.pid), *before]  # fmt: skip
        for round_number in range(options.rounds):
            print(f"proxy overhead: round {round_number + 1}/{options.rounds}", file=sys.stderr)
            for target, url, pid in targets:
                single = load.wrk(url + servers.GET_PATH, 1, options.seconds)
                record(samples, "GET c1 p50 ms", target, single.p50_ms)
                record(samples, "GET c1 p99 ms", target, single.p99_ms)
                for connections in (16, 64):
                    cpu_before = load.cpu_seconds(pid) if pid else 0.0
                    result = load.wrk(url + servers.GET_PATH, connections, options.seconds, threads=2)
                    if result.errors:
                        print(f"  {target}: {result.errors} errors at c{connections}", file=sys.stderr)
                    record(samples, f"GET c{connections} req/s", target, result.rate)
                    record(samples, f"GET c{connections} p99 ms", target, result.p99_ms)
                    if pid and connections == 16:
                        cpu = (load.cpu_seconds(pid) - cpu_before) / max(result.requests, 1)
                        record(samples, "CPU ms per GET (c16)", target, cpu * 1000)
                seconds, _, growth = clients.timed_list(url, servers.LIST_PATH, pid)
                record(samples, f"LIST {options.list_size} s", target, seconds)
                if pid:
                    record(samples, f"LIST {options.list_size} RSS growth MiB", target, growth / 1024)


@contextmanager
def _before(options: argparse.Namespace, upstream: str) -> Iterator[list[tuple[str, str, int]]]:
    """The bridge of ``--before`` (another checkout) as one more target, if asked for."""
    if not options.before:
        yield []
        return
    with servers.bridge(upstream, source=options.before) as (url, process):
        yield [("bridge before", url, process.pid)]


def watches(options: argparse.Namespace, samples: Samples) -> None:
    """``--watches`` idle watches through each proxy of the embedded API, then one write."""
    clients.raise_open_files_limit()  # the proxies inherit it
    path = servers.RAY.format(namespace="default")
    with (
        _watch_upstream(options.watch_upstream) as upstream,
        servers.kubectl_proxy(upstream) as (kubectl, kubectl_process),
        servers.bridge(upstream) as (bridge, bridge_process),
    ):
        targets = [("kubectl proxy", kubectl, kubectl_process.pid), ("bridge", bridge, bridge_process.pid)]
        for round_number in range(options.watch_rounds):
            print(f"watches: round {round_number + 1}/{options.watch_rounds}", file=sys.stderr)
            for target, url, pid in targets:
                name = f"watched-{target.split()[0]}-{round_number}"
                _watch_round(options, samples, target, url, pid, upstream + path, name)
                time.sleep(2.0)  # both proxies and the API notice the hang-ups


def _watch_upstream(kind: str):
    """The upstream of the watch scenario: 10,000 watches need the asyncio one."""
    return servers.embedded_api() if kind == "embedded" else servers.watch_upstream()


def _watch_round(
    options: argparse.Namespace, samples: Samples, target: str, url: str, pid: int, create_url: str, name: str
) -> None:
    count = options.watches
    idle = load.rss_kib(pid)
    watchers = clients.Watchers(url, _path(create_url), count)
    try:
        watchers.read_until(lambda: watchers.count(b" 200 ") == count, options.deadline)
        watchers.read_until(lambda: False, 2.0)  # let memory settle
        held = load.rss_kib(pid)
        record(samples, f"{count} watches: proxy RSS MiB", target, held / 1024)
        record(samples, f"{count} watches: RSS growth MiB", target, (held - idle) / 1024)
        watchers.watch_for(f'"name":"{name}"'.encode())
        written = time.monotonic()
        requests.post(create_url, json=_new_cluster(name, "default"), timeout=60).raise_for_status()
        watchers.read_until(lambda: len(watchers.first_seen) >= count, options.deadline)
        delays = sorted((seen - written) * 1000 for seen in watchers.first_seen.values())
        record(samples, f"{count} watches: saw the write", target, len(delays))
        if delays:
            record(samples, f"{count} watches: delay p50 ms", target, _quantile(delays, 0.5))
            record(samples, f"{count} watches: delay p99 ms", target, _quantile(delays, 0.99))
            record(samples, f"{count} watches: delay max ms", target, delays[-1])
    finally:
        watchers.close()


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def _new_cluster(name: str, namespace: str) -> dict:
    """The canned RayCluster as a client creates it: no status, no server-set metadata."""
    body = servers.raycluster(name, namespace)
    body.pop("status")
    for field in ("uid", "resourceVersion", "generation", "creationTimestamp"):
        body["metadata"].pop(field)
    return body


def _create_rate(url: str, bodies: list[dict], concurrency: int) -> tuple[float, int]:
    """Creates per second of ``bodies`` POSTed at ``concurrency``, and how many failed."""
    local = threading.local()

    def create(body: dict) -> int:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        return local.session.post(url, json=body, timeout=60).status_code

    began = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        codes = list(pool.map(create, bodies))
    elapsed = time.perf_counter() - began
    return len(bodies) / elapsed, sum(code not in (200, 201) for code in codes)


def v1_next_to_v2(options: argparse.Namespace, samples: Samples) -> None:
    """v1 create, GET and LIST of ``--v1-clusters`` clusters next to v2 on the same objects."""
    v1_ns, v2_ns = "bench-v1", "bench-v2"
    with (
        servers.embedded_api("--namespace", v1_ns, "--namespace", v2_ns) as upstream,
        servers.bridge(upstream) as (bridge, _),
    ):
        requests.post(f"{bridge}/apis/v1/namespaces/{v1_ns}/compute_templates",
                      json=template_body(v1_ns), timeout=30).raise_for_status()  # fmt: skip
        count = options.v1_clusters
        v2_path = servers.RAY.format(namespace=v2_ns)
        v1_path = f"/apis/v1/namespaces/{v1_ns}/clusters"

        creates = [
            ("v2", bridge + v2_path, [_new_cluster(f"c{index:05d}", v2_ns) for index in range(count)]),
            ("v1", bridge + v1_path, [cluster_body(v1_ns, f"c{index:05d}") for index in range(count)]),
        ]
        for dialect, url, bodies in creates:
            rate, failed = _create_rate(url, bodies, 8)
            if failed:
                print(f"  {dialect} create: {failed} failed", file=sys.stderr)
            record(samples, f"create {count} at c8: per s", dialect, rate)
        v1_get = f"{bridge}/apis/v1/namespaces/{v1_ns}/clusters/c00000"
        v2_get = bridge + servers.RAY.format(namespace=v1_ns) + "/c00000"
        v2_list = bridge + servers.RAY.format(namespace=v1_ns)
        with requests.Session() as session:
            for round_number in range(options.rounds + 1):  # the first round only warms up
                for dialect, get_url, list_url in (("v2", v2_get, v2_list), ("v1", v1_get, bridge + v1_path)):
                    began = time.perf_counter()
                    for _ in range(100):
                        session.get(get_url, timeout=30).raise_for_status()
                    get_ms = (time.perf_counter() - began) * 10
                    began = time.perf_counter()
                    session.get(list_url, timeout=120).raise_for_status()
                    list_s = time.perf_counter() - began
                    if round_number:
                        record(samples, "GET one cluster ms", dialect, get_ms)
                        record(samples, f"LIST {count} clusters s", dialect, list_s)


def _quantile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


SCENARIOS = {"proxy": proxy_overhead, "watches": watches, "v1": v1_next_to_v2}


def table(samples: Samples) -> str:
    targets = ["direct", "kubectl proxy", "bridge before", "bridge", "v2", "v1"]
    present = [t for t in targets if any(t in by_target for by_target in samples.values())]
    lines = [" | ".join(["metric", *present, "ratio"]), " | ".join(["---"] * (len(present) + 2))]
    for metric, by_target in samples.items():
        cells = []
        for target in present:
            values = by_target.get(target)
            if not values:
                cells.append("")
                continue
            spread = f" ({_short(min(values))}-{_short(max(values))})" if len(values) > 1 else ""
            cells.append(_short(statistics.median(values)) + spread)
        lines.append(" | ".join([metric, *cells, _ratio(by_target)]))
    return "\n".join("| " + line + " |" for line in lines)


def _ratio(by_target: dict[str, list[float]]) -> str:
    for mine, theirs, label in (("bridge", "kubectl proxy", "bridge/kubectl"), ("v1", "v2", "v1/v2")):
        if by_target.get(mine) and by_target.get(theirs):
            base = statistics.median(by_target[theirs])
            if base:
                return f"{label} {statistics.median(by_target[mine]) / base:.2f}"
    return ""


def _short(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "scenarios", nargs="*", metavar="SCENARIO", help=f"any of {', '.join(SCENARIOS)} (default: all)"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5, help="length of each wrk run")
    parser.add_argument("--list-size", type=int, default=5000)
    parser.add_argument(
        "--watches", type=int, default=10_000, help="the embedded API holds a thread for each"
    )
    parser.add_argument("--watch-rounds", type=int, default=1)
    parser.add_argument(
        "--watch-upstream",
        choices=("asyncio", "embedded"),
        default="asyncio",
        help="what serves the watches: bench/watch_upstream.py (one thread) or the embedded API",
    )
    parser.add_argument("--v1-clusters", type=int, default=1000)
    parser.add_argument("--deadline", type=float, default=180, help="seconds any one wait may take")
    parser.add_argument(
        "--before", metavar="DIR", help="also run the bridge of this checkout (proxy scenario)"
    )
    parser.add_argument("--json", default="bench-results.json", help="where the samples go")
    options = parser.parse_args()
    options.scenarios = options.scenarios or list(SCENARIOS)
    unknown = [name for name in options.scenarios if name not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario {', '.join(unknown)}: choose from {', '.join(SCENARIOS)}")
    samples: Samples = defaultdict(lambda: defaultdict(list))
    try:
        for name in options.scenarios:
            SCENARIOS[name](options, samples)
            _report(options, samples)  # what is measured so far survives a later failure
    except KeyboardInterrupt:
        print("interrupted: the table holds what was measured", file=sys.stderr)
    _report(options, samples)
    print(table(samples))
    print(f"\nsamples: {options.json}")


def _report(options: argparse.Namespace, samples: Samples) -> None:
    with open(options.json, "w") as out:
        json.dump({"options": vars(options), "samples": samples, "table": table(samples)}, out, indent=2)


if __name__ == "__main__":
    main()
