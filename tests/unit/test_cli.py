"""The kuberay-bridge command line, run as a user runs it."""

import subprocess
import sys

import pytest

from bridge import __version__


def run(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "bridge", *args], capture_output=True, text=True, timeout=60, env=env
    )


def test_version():
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"kuberay-bridge {__version__}"


@pytest.mark.parametrize("command", ["serve", "embedded-apiserver"])
def test_every_subcommand_has_help(command):
    result = run(command, "--help")
    assert result.returncode == 0
    assert "usage: kuberay-bridge " + command in result.stdout


def test_serve_help_lists_every_setting_with_its_environment_variable():
    from bridge.core.config import BridgeConfig

    help_text = run("serve", "--help").stdout
    for name in BridgeConfig.settings():
        assert "--" + name.replace("_", "-") in help_text
        assert "BRIDGE_" + name.upper() in help_text.replace("\n", "").replace(" ", "")


def test_serve_rejects_bad_configuration_before_starting():
    import os

    env = dict(os.environ, BRIDGE_PORT="not-a-port")
    result = run("serve", "--workers", "0", env=env)
    assert result.returncode == 2
    assert "port (from BRIDGE_PORT): 'not-a-port' is not an integer" in result.stderr
    assert "workers (from command line): 0 must be between 1 and 64" in result.stderr


def test_no_subcommand_is_a_usage_error():
    result = run()
    assert result.returncode == 2
    assert "usage: kuberay-bridge" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "70000"], "argument --port: invalid port 70000: must be between 0 and 65535"),
        (["--port", "-1"], "argument --port: invalid port -1: must be between 0 and 65535"),
        (["--port", "http"], "argument --port: invalid port 'http': not a number"),
        (["--crd-dir", "/no/such/dir"], "argument --crd-dir: /no/such/dir: no such directory"),
        (["--crd-dir", __file__], f"argument --crd-dir: {__file__}: not a directory"),
    ],
)
def test_embedded_apiserver_rejects_bad_flags_before_starting(args, message):
    """Port 70000 used to wrap around to 4464 and -1 to crash with a traceback."""
    result = run("embedded-apiserver", *args)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_embedded_apiserver_names_a_broken_crd_file(tmp_path):
    (tmp_path / "broken.yaml").write_text("kind: [\n")
    result = run("embedded-apiserver", "--port", "0", "--crd-dir", str(tmp_path))
    assert result.returncode == 1
    assert f"cannot load the CRDs in {tmp_path}: " in result.stderr
    assert "broken.yaml" in result.stderr and "Traceback" not in result.stderr
