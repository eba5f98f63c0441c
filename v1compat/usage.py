"""Who still calls v1, from a bridge's metrics: the report of ``kuberay-bridge usage``.

The numbers are the ``kuberay_bridge_v1_client_requests_total`` counter a running bridge
exports (summed over its workers); each route is paired with the v2 call that replaces it,
taken from the v1 route table, so the report names the move each client has to make.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from urllib.parse import unquote

from prometheus_client.parser import text_string_to_metric_families

from v1compat.routes import ROUTES, V1Route

V1_CLIENT_REQUESTS = "kuberay_bridge_v1_client_requests_total"
_VARIABLE = re.compile(r"<seg:([a-z_]+)>")


@dataclass(frozen=True)
class UsageRow:
    client: str
    identity: str
    route: str
    count: int
    v1_call: str
    v2_call: str


def v1_call(row: V1Route) -> str:
    path = _VARIABLE.sub(lambda match: "{" + match[1] + "}", row.rule)
    return f"{row.method} /apis/v1{path}"


def v2_call(row: V1Route) -> str:
    """The successor of ``row`` with its path values as ``{placeholders}``."""
    values = {name: "{" + name + "}" for name in _VARIABLE.findall(row.rule)}
    successor = row.successor(row.method, **values)
    text = f"{successor.method} {unquote(successor.path)}"
    return text if successor.served_by_bridge else text + " (Kubernetes API: a compute-template ConfigMap)"


_BY_NAME = {row.name: row for row in ROUTES}


def usage_rows(metrics_text: str) -> list[UsageRow]:
    """One row per client, identity and route, busiest first."""
    rows = []
    for family in text_string_to_metric_families(metrics_text):
        for sample in family.samples:
            if sample.name != V1_CLIENT_REQUESTS or not sample.value:
                continue
            labels = sample.labels
            route = _BY_NAME.get(labels.get("route", ""))
            rows.append(
                UsageRow(
                    client=labels.get("client", ""),
                    identity=labels.get("identity", ""),
                    route=labels.get("route", ""),
                    count=int(sample.value),
                    v1_call=v1_call(route) if route else "(no v1 route)",
                    v2_call=v2_call(route) if route else "",
                )
            )
    return sorted(rows, key=lambda r: (-r.count, r.client, r.identity, r.route))


def as_json(rows: list[UsageRow]) -> list[dict]:
    return [asdict(row) for row in rows]


def as_table(rows: list[UsageRow]) -> str:
    header = ("CLIENT", "IDENTITY", "ROUTE", "COUNT", "MOVE TO")
    lines = [header] + [(r.client, r.identity, r.route, str(r.count), r.v2_call) for r in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header) - 1)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line[:-1], widths, strict=True)) + "  " + line[-1]
        for line in lines
    )
