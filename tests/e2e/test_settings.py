"""Settings as users give them to ``kuberay-bridge serve``: a bad one stops the bridge before
any worker starts, with one line naming it and exit status 2 (flag, ``BRIDGE_*`` variable or
config file alike); boolean settings are ``--flag`` / ``--no-flag``; ``--middlewares`` imports
a module from the directory the bridge was started in."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from tests.support.bridge_process import COMMAND
from tests.support.factories import RAYCLUSTERS, raycluster, unique
from tests.support.waiting import free_port

pytestmark = pytest.mark.timeout(600)  # the refusals fixture runs ~40 serve processes, 3 at a time

CONSOLE_SCRIPT = Path(sys.executable).parent / "kuberay-bridge"
V1_TEMPLATES = "/apis/v1/namespaces/ray-system/compute_templates"

# (case id, serve arguments, environment, config-file text, the setting the one line names)
BAD_SETTINGS = [
    ("kubeconfig-missing", ["--upstream", "kubeconfig:/nonexistent/kubeconfig"], {}, None, "upstream"),
    ("kubeconfig-unusable", ["--upstream", "kubeconfig:{tmp}/empty-kubeconfig"], {}, None, "upstream"),
    (
        "kubeconfig-env-missing",
        ["--upstream", "kubeconfig"],
        {"KUBECONFIG": "/nonexistent/kc"},
        None,
        "upstream",
    ),
    ("in-cluster-outside", ["--upstream", "in-cluster"], {}, None, "upstream"),
    ("embedded-dir-is-a-file", ["--upstream", "embedded:{tmp}/empty-kubeconfig"], {}, None, "upstream"),
    ("crd-dir-missing", ["--embedded-crd-dir", "/nonexistent"], {}, None, "embedded_crd_dir"),
    (
        "token-file-missing",
        ["--auth-mode", "token", "--token-file", "/nonexistent/tokens"],
        {},
        None,
        "token_file",
    ),
    ("token-mode-without-file", ["--auth-mode", "token"], {}, None, "auth_mode"),
    ("middleware-module-missing", ["--middlewares", "no_such_module:f"], {}, None, "middlewares"),
    ("middleware-function-missing", ["--middlewares", "json:no_such_function"], {}, None, "middlewares"),
    ("middleware-not-module-function", ["--middlewares", "just_a_name"], {}, None, "middlewares"),
    ("port-too-big", ["--port", "70000"], {}, None, "port"),
    ("port-zero", ["--port", "0"], {}, None, "port"),
    ("host-malformed", ["--host", "not a host!"], {}, None, "host"),
    ("workers-zero", ["--workers", "0"], {}, None, "workers"),
    ("threads-zero", ["--threads", "0"], {}, None, "threads"),
    ("worker-class-unknown", ["--worker-class", "eventlet"], {}, None, "worker_class"),
    ("worker-timeout-zero", ["--worker-timeout", "0"], {}, None, "worker_timeout"),
    ("body-limit-tiny", ["--max-body-bytes", "10"], {}, None, "max_body_bytes"),
    ("retry-max-huge", ["--retry-max", "99"], {}, None, "retry_max"),
    ("retry-backoff-negative", ["--retry-backoff", "-1"], {}, None, "retry_backoff"),
    ("retry-budget-infinite", ["--retry-budget", "inf"], {}, None, "retry_budget"),
    ("connect-timeout-negative", ["--connect-timeout", "-5"], {}, None, "connect_timeout"),
    ("read-timeout-nan", ["--read-timeout", "nan"], {}, None, "read_timeout"),
    ("log-level-unknown", ["--log-level", "loud"], {}, None, "log_level"),
    (
        "cors-origin-with-path",
        ["--cors-origins", "https://ok.example,example.com/app"],
        {},
        None,
        "cors_origins",
    ),
    ("sunset-before-deprecation", ["--v1-sunset", "2020-01-01"], {}, None, "v1_sunset"),
    ("deprecation-not-a-date", ["--v1-deprecated-since", "tomorrow"], {}, None, "v1_deprecated_since"),
    ("guide-not-a-url", ["--migration-guide-url", "MIGRATION.md"], {}, None, "migration_guide_url"),
    (
        "env-kubeconfig-missing",
        [],
        {"BRIDGE_UPSTREAM": "kubeconfig:/nonexistent/kubeconfig"},
        None,
        "BRIDGE_UPSTREAM",
    ),
    ("env-crd-dir-missing", [], {"BRIDGE_EMBEDDED_CRD_DIR": "/nonexistent"}, None, "BRIDGE_EMBEDDED_CRD_DIR"),
    ("env-boolean-malformed", [], {"BRIDGE_V1_STRICT": "maybe"}, None, "BRIDGE_V1_STRICT"),
    ("env-middleware-missing", [], {"BRIDGE_MIDDLEWARES": "no_such_module:f"}, None, "middlewares"),
    ("file-crd-dir-missing", [], {}, "embedded_crd_dir: /nonexistent\n", "embedded_crd_dir"),
    ("file-middleware-missing", [], {}, "middlewares: [no_such_module:f]\n", "middlewares"),
    ("file-timeout-negative", [], {}, "read_timeout: -1\n", "read_timeout"),
    ("file-unknown-key", [], {}, "prot: 8080\n", "prot"),
    ("file-not-yaml", [], {}, "port: [1, 2\n", "config file"),
    ("file-missing", ["--config", "/nonexistent/bridge.yaml"], {}, None, "config file"),
]


def _serve(case: tuple, tmp: Path) -> subprocess.CompletedProcess:
    """``serve`` with one bad setting, in a clean environment (no BRIDGE_*, no cluster)."""
    name, args, env, config_text, _ = case
    args = [arg.replace("{tmp}", str(tmp)) for arg in args]
    if "--port" not in args:  # should a bad setting pass unnoticed, it must not take 31888
        args += ["--port", str(free_port())]
    if config_text is not None:
        config_file = tmp / f"{name}.yaml"
        config_file.write_text(config_text)
        args += ["--config", str(config_file)]
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("BRIDGE_", "KUBERNETES_", "KUBECONFIG"))
    }
    environment.update(HOME=str(tmp), **env)  # HOME: not the ~/.kube/config of this machine
    try:
        return subprocess.run(
            [*COMMAND, "serve", *args],
            cwd=tmp,
            env=environment,
            capture_output=True,
            text=True,
            timeout=30,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as still_serving:  # the setting passed: the bridge ran
        output = [
            (text or b"").decode(errors="replace") if isinstance(text, bytes) else text or ""
            for text in (still_serving.stdout, still_serving.stderr)
        ]
        return subprocess.CompletedProcess(still_serving.cmd, None, *output)


@pytest.fixture(scope="module")
def refusals(tmp_path_factory) -> dict[str, subprocess.CompletedProcess]:
    """Every bad setting, each in its own ``serve`` process, a few at a time."""
    tmp = tmp_path_factory.mktemp("settings")
    (tmp / "empty-kubeconfig").write_text("apiVersion: v1\nkind: Config\nclusters: []\n")
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = pool.map(lambda case: (case[0], _serve(case, tmp)), BAD_SETTINGS)
        return dict(results)


@pytest.mark.parametrize("case", BAD_SETTINGS, ids=[case[0] for case in BAD_SETTINGS])
def test_a_bad_setting_stops_serve_with_one_line_naming_it(refusals, case):
    name, *_, setting = case
    result = refusals[name]
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output
    assert "Booting worker" not in output and "Listening at" not in output  # gunicorn never began
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    assert lines[0].startswith("kuberay-bridge: invalid configuration: ") and setting in lines[0], output


def test_a_busy_port_is_named_before_gunicorn_starts(tmp_path):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = subprocess.run(
            [*COMMAND, "serve", "--upstream", "http://127.0.0.1:9", "--port", str(port)],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert (
        output.strip() == f"kuberay-bridge: invalid configuration: port: 127.0.0.1:{port} is already in use"
    )


def _strictly_refused(bridge) -> bool:
    """A v1 compute template with an unknown field: 400 in strict mode, 200 (with a Warning) not."""
    body = {"name": unique("tpl"), "namespace": "ray-system", "cpu": 1, "memory": 1, "flavour": "x"}
    answer = requests.post(bridge.url + V1_TEMPLATES, json=body, timeout=30)
    assert answer.status_code in (200, 400), answer.text
    return answer.status_code == 400


def test_boolean_settings_are_flags_and_still_true_false_in_env_and_file(start_bridge, tmp_path):
    config_file = tmp_path / "strict.yaml"
    config_file.write_text("v1_strict: true\n")
    assert _strictly_refused(start_bridge("--upstream", "embedded", "--v1-strict"))
    assert not _strictly_refused(
        start_bridge("--upstream", "embedded", "--no-v1-strict", env={"BRIDGE_V1_STRICT": "true"})
    )
    assert _strictly_refused(start_bridge("--upstream", "embedded", env={"BRIDGE_V1_STRICT": "yes"}))
    assert _strictly_refused(start_bridge("--upstream", "embedded", "--config", str(config_file)))


def test_the_old_boolean_form_is_a_usage_error(tmp_path):
    result = subprocess.run(
        [*COMMAND, "serve", "--v1-strict", "true"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2
    assert "unrecognized arguments: true" in result.stderr and "Traceback" not in result.stderr


MIDDLEWARE_MODULE = """
import json

def default_labels(request, call_next):
    if request.method == "POST" and request.params.get("plural") == "rayclusters":
        body = json.loads(request.read_body() or b"{}")
        body.setdefault("metadata", {}).setdefault("labels", {}).setdefault("team", "ml-platform")
        request.replace_body(json.dumps(body).encode(), "application/json")
    return call_next(request)
"""


def test_the_console_script_imports_middlewares_from_its_working_directory(start_bridge, tmp_path):
    """The README's example: ``platform_middlewares.py`` next to where ``kuberay-bridge`` runs."""
    assert CONSOLE_SCRIPT.is_file(), f"{CONSOLE_SCRIPT}: the project is not installed in this venv"
    (tmp_path / "platform_middlewares.py").write_text(MIDDLEWARE_MODULE)
    port = free_port()
    bridge = start_bridge(
        command=[
            str(CONSOLE_SCRIPT),
            "serve",
            "--upstream",
            "embedded",
            "--port",
            str(port),
            "--middlewares",
            "platform_middlewares:default_labels",
        ],
        port=port,
        cwd=tmp_path,
    )
    name = unique("labelled")
    created = requests.post(bridge.url + RAYCLUSTERS.format(ns="default"), json=raycluster(name), timeout=30)
    assert created.status_code == 201, created.text
    read = requests.get(f"{bridge.url}{RAYCLUSTERS.format(ns='default')}/{name}", timeout=30)
    assert read.json()["metadata"]["labels"]["team"] == "ml-platform"
