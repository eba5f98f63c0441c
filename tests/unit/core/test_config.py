"""The configuration layers and their start-up validation."""

import datetime as dt
import re

import pytest

from bridge.core.config import BridgeConfig, ConfigError
from tests.support.repo import REPO_ROOT


def test_defaults_when_nothing_is_set():
    config = BridgeConfig.load(environ={})
    assert (config.host, config.port, config.upstream) == ("127.0.0.1", 31888, "auto")
    assert config.auth_mode == "none" and config.middlewares == []


def test_flags_beat_environment_which_beats_the_file(tmp_path):
    config_file = tmp_path / "bridge.yaml"
    config_file.write_text("port: 1111\nworkers: 3\nlog_level: debug\n")
    config = BridgeConfig.load(
        flags={"port": "3333"},
        environ={"BRIDGE_PORT": "2222", "BRIDGE_WORKERS": "5"},
        config_file=str(config_file),
    )
    assert config.port == 3333
    assert config.workers == 5
    assert config.log_level == "debug"


def test_a_kubeconfig_upstream_names_an_existing_file(tmp_path):
    kubeconfig = tmp_path / "kc"
    kubeconfig.write_text("apiVersion: v1\n")
    config = BridgeConfig.load(environ={"BRIDGE_UPSTREAM": f"kubeconfig:{kubeconfig}"})
    assert config.upstream == f"kubeconfig:{kubeconfig}"


def test_config_file_named_by_environment(tmp_path):
    config_file = tmp_path / "bridge.yaml"
    config_file.write_text("upstream: http://127.0.0.1:8001/\n")
    config = BridgeConfig.load(environ={"BRIDGE_CONFIG": str(config_file)})
    assert config.upstream == "http://127.0.0.1:8001"


@pytest.mark.parametrize(
    "environ, expected",
    [
        ({"BRIDGE_V1_STRICT": "yes"}, {"v1_strict": True}),
        ({"BRIDGE_V1_STRICT": "off"}, {"v1_strict": False}),
        (
            {"BRIDGE_CORS_ORIGINS": "https://a.example, https://b.example"},
            {"cors_origins": ["https://a.example", "https://b.example"]},
        ),
        ({"BRIDGE_V1_SUNSET": "2027-06-30"}, {"v1_sunset": dt.date(2027, 6, 30)}),
        ({"BRIDGE_UPSTREAM": "embedded:/var/lib/bridge"}, {"upstream": "embedded:/var/lib/bridge"}),
        ({"BRIDGE_RETRY_BUDGET": "2.5"}, {"retry_budget": 2.5}),
        ({"BRIDGE_JOB_SUBMISSION_ACCESS": "service-proxy"}, {"job_submission_access": "service-proxy"}),
        ({"BRIDGE_JOB_SUBMISSION_TIMEOUT": "2"}, {"job_submission_timeout": 2.0}),
        ({}, {"job_submission_access": "auto", "job_submission_timeout": 10.0}),
    ],
)
def test_environment_values_are_parsed(environ, expected):
    config = BridgeConfig.load(environ=environ)
    for name, value in expected.items():
        assert getattr(config, name) == value


@pytest.mark.parametrize(
    "environ, message",
    [
        ({"BRIDGE_PORT": "http"}, "port (from BRIDGE_PORT): 'http' is not an integer"),
        ({"BRIDGE_PORT": "70000"}, "port (from BRIDGE_PORT): 70000 must be between 1 and 65535"),
        ({"BRIDGE_UPSTREAM": "ftp://x"}, "upstream (from BRIDGE_UPSTREAM): 'ftp://x' is not an upstream"),
        ({"BRIDGE_AUTH_MODE": "magic"}, "'magic' is not one of none, passthrough, token"),
        ({"BRIDGE_V1_STRICT": "maybe"}, "'maybe' is not a boolean"),
        ({"BRIDGE_V1_SUNSET": "next year"}, "'next year' is not a date (use YYYY-MM-DD)"),
        ({"BRIDGE_AUTH_MODE": "token"}, "auth_mode: 'token' needs token_file"),
        ({"BRIDGE_TOKEN_FILE": "/nonexistent/tokens"}, "'/nonexistent/tokens' is not a readable file"),
        ({"BRIDGE_TLS_CERT_FILE": "/nonexistent/tls.crt"}, "'/nonexistent/tls.crt' is not a readable file"),
        ({"BRIDGE_TLS_CERT_FILE": __file__}, "tls_cert_file and tls_private_key_file: set both or neither"),
        ({"BRIDGE_TLS_CLIENT_CA_FILE": __file__}, "tls_client_ca_file: needs tls_cert_file"),
        ({"BRIDGE_DRAIN_SECONDS": "-1"}, "drain_seconds (from BRIDGE_DRAIN_SECONDS): -1.0 must be between"),
        (
            {"BRIDGE_JOB_SUBMISSION_ACCESS": "proxy"},
            "job_submission_access (from BRIDGE_JOB_SUBMISSION_ACCESS): 'proxy' is not one of auto, direct, "
            "service-proxy",
        ),
        (
            {"BRIDGE_JOB_SUBMISSION_TIMEOUT": "0"},
            "job_submission_timeout (from BRIDGE_JOB_SUBMISSION_TIMEOUT): 0.0 must be",
        ),
    ],
)
def test_bad_values_are_named_with_their_source(environ, message):
    with pytest.raises(ConfigError) as excinfo:
        BridgeConfig.load(environ=environ)
    assert message in str(excinfo.value)


def test_every_bad_value_is_reported_at_once():
    with pytest.raises(ConfigError) as excinfo:
        BridgeConfig.load(environ={"BRIDGE_PORT": "x", "BRIDGE_WORKERS": "0"})
    text = str(excinfo.value)
    assert "port (from BRIDGE_PORT)" in text and "workers (from BRIDGE_WORKERS)" in text


def test_unknown_key_in_config_file_is_an_error(tmp_path):
    config_file = tmp_path / "bridge.yaml"
    config_file.write_text("prot: 8080\n")
    with pytest.raises(ConfigError, match="unknown setting 'prot' in config file"):
        BridgeConfig.load(environ={}, config_file=str(config_file))


def test_unknown_keys_are_reported_with_every_other_bad_value(tmp_path):
    """One run names every mistake: an unknown key used to hide the bad values after it, and
    a numeric YAML key crashed with a traceback."""
    config_file = tmp_path / "bridge.yaml"
    config_file.write_text("prot: 8080\n1: x\nworkers: 0\n")
    with pytest.raises(ConfigError) as excinfo:
        BridgeConfig.load(environ={"BRIDGE_PORT": "x"}, config_file=str(config_file))
    text = str(excinfo.value)
    assert "unknown setting 'prot' in config file" in text
    assert "unknown setting 1 in config file" in text
    assert "workers (from config file" in text and "port (from BRIDGE_PORT)" in text


@pytest.mark.parametrize(
    "content, message",
    [("port: [1, 2\n", "is not valid YAML"), ("- 1\n- 2\n", "must hold a mapping")],
)
def test_malformed_config_file(tmp_path, content, message):
    config_file = tmp_path / "bridge.yaml"
    config_file.write_text(content)
    with pytest.raises(ConfigError, match=message):
        BridgeConfig.load(environ={}, config_file=str(config_file))


def test_missing_config_file():
    with pytest.raises(ConfigError, match="cannot read config file /nonexistent.yaml"):
        BridgeConfig.load(environ={}, config_file="/nonexistent.yaml")


def _readme_settings_rows() -> dict[str, tuple[str, str]]:
    readme = (REPO_ROOT / "README.md").read_text()
    rows = re.findall(r"^\| `([a-z0-9_]+)` \| (`--[^|]+) \| ([^|]+) \|", readme, re.MULTILINE)
    return {name: (flag.strip(), default.strip()) for name, flag, default in rows}


def _documented_default(value) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, (int, float)):
        return f"{value:g}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value) if value not in (None, [], {}) else "–"


def test_the_readme_table_has_every_setting_with_its_flag_and_default():
    """A new setting needs a row in the README's settings table (key, flag, default, meaning)."""
    rows = _readme_settings_rows()
    assert sorted(rows) == sorted(BridgeConfig.settings())
    defaults = BridgeConfig()
    for name, (flag, default) in rows.items():
        assert flag.startswith(f"`--{name.replace('_', '-')}`"), name
        if "MiB" in default or name == "migration_guide_url":
            continue  # "3 MiB" for 3145728; the served guide's path for "unset"
        assert default.startswith(_documented_default(getattr(defaults, name))), name
