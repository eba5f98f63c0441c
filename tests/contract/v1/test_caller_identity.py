"""Caller identity in ``token`` mode: the name of the caller's token, in v1 stage exceptions,
the usage metric and the log line; the token itself appears in none of them."""

from __future__ import annotations

import datetime as dt

import pytest

from bridge.core.config import BridgeConfig
from tests.support.factories import template_body
from tests.support.metrics import sample

ALICE, BOB, NAMELESS = "alice-s3cret-token", "bob-s3cret-token", "nameless-s3cret-token"
CLIENTS = "kuberay_bridge_v1_client_requests_total"


@pytest.fixture
def token_file(tmp_path):
    path = tmp_path / "tokens"
    path.write_text(f'{ALICE},ci-alice\n{BOB}, bob, 1001, "ops,dev"\n{NAMELESS}\n')
    return path


def bridge_with(embedded, token_file, **settings):
    from bridge.app import create_app

    config = BridgeConfig(upstream=embedded.url, auth_mode="token", token_file=str(token_file), **settings)
    return create_app(config).test_client()


def as_caller(token: str, user_agent: str = "python-requests/2.32") -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "User-Agent": user_agent}


def test_a_client_exception_by_identity_lets_only_that_tokens_holder_write(embedded, ns, token_file):
    tomorrow = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)
    bridge = bridge_with(
        embedded, token_file, v1_stage="read-only", v1_client_exceptions={"ci-alice": tomorrow}
    )
    url = f"/apis/v1/namespaces/{ns}/compute_templates"
    allowed = bridge.post(url, json=template_body(ns), headers=as_caller(ALICE))
    assert allowed.status_code == 200
    assert allowed.headers["KubeRay-V1-Stage"] == "coexist"
    assert bridge.post(url, json=template_body(ns, "t2"), headers=as_caller(BOB)).status_code == 410
    # a User-Agent is whatever a client says: naming an identity there does not borrow its exception
    posing = bridge.post(url, json=template_body(ns, "t3"), headers=as_caller(NAMELESS, "ci-alice/1.0"))
    assert posing.status_code == 410


def test_usage_metrics_and_the_log_name_the_identity_never_the_token(embedded, ns, token_file, caplog):
    caplog.set_level("INFO", logger="kuberay_bridge.requests")
    bridge = bridge_with(embedded, token_file)
    lists = f"/apis/v1/namespaces/{ns}/clusters"
    before = bridge.get("/metrics", headers=as_caller(BOB)).get_data(as_text=True)
    for token in (ALICE, ALICE, BOB, NAMELESS):
        bridge.get(lists, headers=as_caller(token, "legacy-tool/2")).close()
    text = bridge.get("/metrics", headers=as_caller(BOB)).get_data(as_text=True)

    def counted(identity: str) -> float:
        labels = {"client": "legacy-tool", "identity": identity, "route": "clusters.list"}
        return sample(text, CLIENTS, **labels) - sample(before, CLIENTS, **labels)

    assert (counted("ci-alice"), counted("bob"), counted("none")) == (2, 1, 1)
    fields = [record.fields for record in caplog.records if record.name == "kuberay_bridge.requests"]
    assert [entry["identity"] for entry in fields if entry["path"] == lists] == [
        "ci-alice",
        "ci-alice",
        "bob",
        None,
    ]
    logged = " ".join(str(record.__dict__) for record in caplog.records)
    for token in (ALICE, BOB, NAMELESS):
        assert token not in text
        assert token not in logged


def test_passthrough_knows_no_identity(embedded, ns, caplog):
    from bridge.app import create_app

    caplog.set_level("INFO", logger="kuberay_bridge.requests")
    bridge = create_app(BridgeConfig(upstream=embedded.url, auth_mode="passthrough")).test_client()
    bridge.get(f"/apis/v1/namespaces/{ns}/clusters", headers=as_caller(ALICE)).close()
    (entry,) = [record.fields for record in caplog.records if record.name == "kuberay_bridge.requests"]
    assert entry["identity"] is None
    assert ALICE not in str(entry)


def test_the_usage_report_reads_a_named_token_file_and_shows_identities(embedded, ns, token_file, capsys):
    import json

    from bridge.cli import main
    from tests.support.live_server import serving

    bridge = bridge_with(embedded, token_file)
    bridge.get(f"/apis/v1/namespaces/{ns}/jobs", headers=as_caller(ALICE, "report-tool/1")).close()
    with serving(bridge.application) as server:
        status = main(["usage", "--url", server.url, "--token-file", str(token_file), "--output", "json"])
    out, err = capsys.readouterr()
    assert status == 0, err
    rows = [row for row in json.loads(out) if row["client"] == "report-tool"]
    assert [(row["identity"], row["route"]) for row in rows] == [("ci-alice", "jobs.list")]
    assert ALICE not in out
