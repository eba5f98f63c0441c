"""The stage policy as a pure function of the config, the call and the day."""

from __future__ import annotations

import datetime as dt

import pytest

from bridge.core.config import BridgeConfig, ConfigError
from v1compat.stages import decide, describe_stages, stage_of

TODAY = dt.date(2027, 3, 1)


def served(config: BridgeConfig, route: str | None, method: str, clients=("curl",), today=TODAY) -> bool:
    return not decide(config, route, method, clients, today).refused


def test_coexist_serves_every_call():
    config = BridgeConfig()
    assert served(config, "clusters.create", "POST")
    assert served(config, "clusters.list", "GET")
    assert served(config, None, "DELETE")


def test_read_only_refuses_writes_and_serves_reads():
    config = BridgeConfig(v1_stage="read-only")
    assert served(config, "clusters.get", "GET")
    assert served(config, "clusters.get", "HEAD")
    for route, method in [
        ("clusters.create", "POST"),
        ("clusters.delete", "DELETE"),
        ("services.update", "PUT"),
    ]:
        assert not served(config, route, method)


def test_read_only_leaves_calls_v1_never_had_to_their_404_or_501():
    assert served(BridgeConfig(v1_stage="read-only"), None, "PUT")


def test_removed_refuses_reads_too():
    config = BridgeConfig(v1_stage="removed")
    assert not served(config, "clusters.list", "GET")
    assert not served(config, None, "GET")


def test_a_resource_override_loosens_or_tightens_the_global_stage():
    config = BridgeConfig(
        v1_stage="read-only", v1_stage_overrides={"templates": "coexist", "jobs": "removed"}
    )
    assert served(config, "templates.create", "POST")
    assert not served(config, "clusters.create", "POST")
    assert not served(config, "jobs.get", "GET")
    assert served(config, "clusters.get", "GET")


def test_a_client_exception_keeps_writing_until_its_date():
    config = BridgeConfig(
        v1_stage="read-only", v1_client_exceptions={"ci-bot": dt.date(2027, 3, 2), "forever": None}
    )
    assert served(config, "clusters.create", "POST", ["ci-bot"], today=dt.date(2027, 3, 1))
    assert not served(config, "clusters.create", "POST", ["ci-bot"], today=dt.date(2027, 3, 2))
    assert served(config, "clusters.create", "POST", ["alice", "forever"])
    assert not served(config, "clusters.create", "POST", ["python-requests"])
    assert decide(config, "clusters.create", "POST", ["ci-bot"], TODAY).exception_for == "ci-bot"


def test_the_after_sunset_stage_applies_from_the_sunset_date_on():
    config = BridgeConfig(v1_sunset=dt.date(2027, 6, 30), v1_after_sunset_stage="read-only")
    assert stage_of(config, "clusters.create", dt.date(2027, 6, 29)) == "coexist"
    assert stage_of(config, "clusters.create", dt.date(2027, 6, 30)) == "read-only"
    assert not served(config, "clusters.create", "POST", today=dt.date(2027, 6, 30))
    assert served(config, "clusters.get", "GET", today=dt.date(2027, 7, 30))


def test_the_after_sunset_stage_never_loosens_a_stricter_one():
    config = BridgeConfig(
        v1_stage="removed", v1_sunset=dt.date(2027, 6, 30), v1_after_sunset_stage="read-only"
    )
    assert stage_of(config, "clusters.get", dt.date(2028, 1, 1)) == "removed"


def test_stage_settings_parse_from_the_environment_and_refuse_bad_values():
    config = BridgeConfig.load(
        environ={
            "BRIDGE_V1_STAGE": "read-only",
            "BRIDGE_V1_STAGE_OVERRIDES": "templates=coexist, clusters=removed",
            "BRIDGE_V1_CLIENT_EXCEPTIONS": "ci-bot=2027-01-31,kubectl",
        }
    )
    assert config.v1_stage_overrides == {"templates": "coexist", "clusters": "removed"}
    assert config.v1_client_exceptions == {"ci-bot": dt.date(2027, 1, 31), "kubectl": None}
    with pytest.raises(ConfigError, match="v1_stage_overrides"):
        BridgeConfig.load(environ={"BRIDGE_V1_STAGE_OVERRIDES": "clusters=gone"})
    with pytest.raises(ConfigError, match="v1_client_exceptions"):
        BridgeConfig.load(environ={"BRIDGE_V1_CLIENT_EXCEPTIONS": "bot=soon"})
    with pytest.raises(ConfigError, match="v1_stage"):
        BridgeConfig.load(environ={"BRIDGE_V1_STAGE": "retired"})


def test_a_sunset_before_the_deprecation_date_is_a_start_up_error():
    with pytest.raises(ConfigError, match="v1_sunset"):
        BridgeConfig.load(
            environ={"BRIDGE_V1_DEPRECATED_SINCE": "2027-01-01", "BRIDGE_V1_SUNSET": "2026-12-31"}
        )


def test_the_stage_plan_is_described_in_one_line():
    config = BridgeConfig(
        v1_stage="read-only",
        v1_stage_overrides={"templates": "coexist"},
        v1_client_exceptions={"ci-bot": dt.date(2027, 1, 31)},
        v1_sunset=dt.date(2027, 6, 30),
    )
    assert describe_stages(config) == (
        "v1 stage read-only; overrides templates=coexist; client exceptions ci-bot until 2027-01-31; "
        "removed from 2027-06-30"
    )
