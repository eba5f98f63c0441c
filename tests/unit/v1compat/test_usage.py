"""The usage report from a metrics exposition, and the guide's route-by-route table."""

from __future__ import annotations

from tests.support.repo import REPO_ROOT
from v1compat.routes import ROUTES
from v1compat.usage import as_table, usage_rows, v1_call, v2_call

EXPOSITION = """\
# HELP kuberay_bridge_v1_client_requests_total v1 requests
# TYPE kuberay_bridge_v1_client_requests_total counter
kuberay_bridge_v1_client_requests_total{client="curl",identity="none",route="clusters.get"} 2.0
kuberay_bridge_v1_client_requests_total{client="python-requests",identity="alice",route="jobs.create"} 7.0
kuberay_bridge_v1_client_requests_total{client="other",identity="none",route="none"} 1.0
"""


def test_rows_are_busiest_first_with_the_v2_call_to_move_to():
    rows = usage_rows(EXPOSITION)
    assert [(r.client, r.identity, r.route, r.count) for r in rows] == [
        ("python-requests", "alice", "jobs.create", 7),
        ("curl", "none", "clusters.get", 2),
        ("other", "none", "none", 1),
    ]
    assert rows[0].v2_call == "POST /apis/ray.io/v1/namespaces/{namespace}/rayjobs"
    assert rows[1].v1_call == "GET /apis/v1/namespaces/{namespace}/clusters/{name}"
    assert rows[2].v2_call == ""


def test_the_table_has_a_header_and_one_line_per_row():
    lines = as_table(usage_rows(EXPOSITION)).splitlines()
    assert lines[0].split() == ["CLIENT", "IDENTITY", "ROUTE", "COUNT", "MOVE", "TO"]
    assert len(lines) == 4


def test_every_route_has_a_v2_call_without_encoded_placeholders():
    calls = [v2_call(row) for row in ROUTES]
    assert [call for call in calls if "%7B" in call or "%7D" in call] == []
    logs = "GET /api/v1/namespaces/{namespace}/services/{cluster}-head-svc:8265/proxy/api/jobs/{id}/logs"
    assert logs in calls


def test_the_migration_guide_maps_every_v1_route_to_its_v2_call():
    guide = (REPO_ROOT / "MIGRATION.md").read_text()
    missing = [row.name for row in ROUTES if f"`{v1_call(row)}` (`{row.name}`)" not in guide]
    assert missing == []
    assert len(ROUTES) == 27
