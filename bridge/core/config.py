"""The bridge's one typed configuration object.

Values come from four layers, strongest first: command-line flags, ``BRIDGE_*``
environment variables, a YAML config file, and the defaults below. Every value is
parsed and checked once, at start-up, so a typo in a Helm value or an environment
variable stops the process with a message naming the setting and where it came from,
instead of surfacing as a strange error on the first request.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from bridge.core.setting_values import (
    V1_STAGES,
    client_exceptions,
    existing_directory,
    existing_file,
    host,
    in_range,
    one_of,
    optional_http_url,
    origins,
    parse_bool,
    parse_date,
    parse_float,
    parse_int,
    parse_list,
    stage_overrides,
    upstream,
)

ENV_PREFIX = "BRIDGE_"


class ConfigError(ValueError):
    """Settings have bad values: one line a problem, each naming the setting and its source."""

    def __init__(self, *problems: str):
        self.problems = [" ".join(str(problem).split()) for problem in problems]
        super().__init__("\n".join(self.problems))


SERVED_GUIDE_PATH = "/migration"


def _setting(default: Any, parse: Callable[[Any], Any], help: str):
    return field(default=default, metadata={"parse": parse, "help": help})


def _list_setting(help: str):
    return field(default_factory=list, metadata={"parse": parse_list, "help": help})


@dataclass(frozen=True)
class BridgeConfig:
    """Everything the bridge can be told. Field names are the config-file keys;
    ``BRIDGE_<NAME>`` in upper case is the environment variable."""

    host: str = _setting("127.0.0.1", host, "address to listen on")
    port: int = _setting(31888, in_range(parse_int, 1, 65535), "port to listen on")
    upstream: str = _setting("auto", upstream, "where the Kubernetes API is")
    workers: int = _setting(2, in_range(parse_int, 1, 64), "gunicorn worker processes")
    worker_class: str = _setting("gevent", one_of("gevent", "gthread", "sync"), "gunicorn worker class")
    threads: int = _setting(8, in_range(parse_int, 1, 1024), "threads per gthread worker")
    worker_connections: int = _setting(
        0,
        in_range(parse_int, 0, 1_000_000),
        "concurrent connections per worker, each watch one (0: half the open-files limit)",
    )
    log_level: str = _setting("info", one_of("debug", "info", "warning", "error"), "log level")
    auth_mode: str = _setting("none", one_of("none", "passthrough", "token"), "how callers authenticate")
    token_file: str | None = _setting(None, existing_file, "file of accepted bearer tokens (auth_mode=token)")
    metrics_open: bool = _setting(
        False, parse_bool, "serve /metrics without a token in auth_mode=token (a scraper without one)"
    )
    cors_origins: list[str] = field(
        default_factory=list,
        metadata={"parse": origins, "help": "origins allowed by CORS (empty: CORS off)"},
    )
    max_body_bytes: int = _setting(
        3 * 1024 * 1024, in_range(parse_int, 1024), "largest request body accepted"
    )
    max_worker_groups: int = _setting(
        100, in_range(parse_int, 1, 100_000), "worker groups one v1 cluster, job or service may have"
    )
    max_compute_templates: int = _setting(
        100,
        in_range(parse_int, 1, 100_000),
        "distinct compute templates one v1 request may name (each is one upstream read)",
    )
    max_yaml_body_bytes: int = _setting(
        1024 * 1024,
        in_range(parse_int, 1024),
        "largest YAML request body accepted (YAML costs far more CPU to decode than JSON)",
    )
    body_timeout: float = _setting(
        30.0,
        in_range(parse_float, 0.1),
        "seconds a client may take to send a whole request body (then 408, connection closed)",
    )
    middlewares: list[str] = _list_setting("extra middlewares as module:function")
    retry_max: int = _setting(3, in_range(parse_int, 0, 20), "retries of idempotent calls")
    retry_backoff: float = _setting(0.5, in_range(parse_float, 0.0), "first retry delay in seconds")
    retry_budget: float = _setting(
        30.0, in_range(parse_float, 0.0), "total seconds a call may spend retrying"
    )
    connect_timeout: float = _setting(5.0, in_range(parse_float, 0.1), "seconds to connect to the upstream")
    read_timeout: float = _setting(
        60.0, in_range(parse_float, 0.1), "seconds to wait for upstream data (not watches)"
    )
    worker_timeout: int = _setting(
        30,
        in_range(parse_int, 1),
        "gunicorn worker heartbeat timeout in seconds (never cuts a watch under gevent/gthread)",
    )
    graceful_timeout: int = _setting(
        10,
        in_range(parse_int, 1),
        "seconds requests in flight get after SIGTERM (open watches end at once)",
    )
    drain_seconds: float = _setting(
        5.0,
        in_range(parse_float, 0.0, 3600.0),
        "seconds the bridge keeps serving after SIGTERM while /readyz answers 503, so endpoints "
        "drop it before it stops (0: stop at once)",
    )
    tls_cert_file: str | None = _setting(
        None, existing_file, "PEM certificate (chain) to serve HTTPS with; re-read when it changes"
    )
    tls_private_key_file: str | None = _setting(None, existing_file, "PEM private key of tls_cert_file")
    tls_client_ca_file: str | None = _setting(
        None, existing_file, "PEM CA bundle: every client must present a certificate it signed"
    )
    embedded_crd_dir: str | None = _setting(
        None, existing_directory, "CRD directory for the embedded upstream (prunes and validates)"
    )
    v1_strict: bool = _setting(False, parse_bool, "reject unknown v1 fields and enum names with 400")
    job_submission_access: str = _setting(
        "auto",
        one_of("auto", "direct", "service-proxy"),
        "how v1 job submissions reach a cluster's Ray dashboard: direct (the head service's "
        "cluster DNS name, from inside the cluster), service-proxy (the Kubernetes API's service "
        "proxy, with the caller's credentials), auto (direct when the upstream is in-cluster)",
    )
    job_submission_timeout: float = _setting(
        10.0,
        in_range(parse_float, 0.1, 600.0),
        "seconds a v1 job-submission call waits for the Ray dashboard (the Go server: 2)",
    )
    v1_deprecated_since: _dt.date | None = _setting(
        _dt.date(2026, 8, 19),
        parse_date,
        "date v1 counts as deprecated since (Deprecation header; default: the KubeRay "
        "snapshot whose README marks v1 deprecated)",
    )
    v1_sunset: _dt.date | None = _setting(None, parse_date, "date the v1 API goes away (Sunset header)")
    migration_guide_url: str | None = _setting(
        None,
        optional_http_url,
        "where the deprecation Link header points (default: the guide the bridge serves at "
        f"{SERVED_GUIDE_PATH})",
    )
    v1_stage: str = _setting(
        "coexist",
        one_of(*V1_STAGES),
        "coexist: v1 served, deprecated; read-only: v1 writes answer 410; removed: all of v1 answers 410",
    )
    v1_stage_overrides: dict[str, str] = field(
        default_factory=dict,
        metadata={
            "parse": stage_overrides,
            "help": "per-resource stages, e.g. templates=coexist,clusters=read-only",
        },
    )
    v1_client_exceptions: dict[str, _dt.date | None] = field(
        default_factory=dict,
        metadata={
            "parse": client_exceptions,
            "help": "clients (User-Agent product or identity) that keep full v1 access, each until "
            "a date if given: python-requests=2027-01-31,ci-bot",
        },
    )
    v1_after_sunset_stage: str = _setting(
        "removed",
        one_of(*V1_STAGES),
        "the stage that applies by itself from the v1_sunset date on (when stricter)",
    )
    metrics_client_limit: int = _setting(
        50,
        in_range(parse_int, 1, 10_000),
        "distinct v1 clients (and identities) a worker labels in metrics; later ones count as other",
    )

    @classmethod
    def settings(cls) -> dict[str, dataclasses.Field]:
        return {f.name: f for f in dataclasses.fields(cls)}

    @classmethod
    def load(
        cls,
        flags: Mapping[str, Any] | None = None,
        environ: Mapping[str, str] | None = None,
        config_file: str | None = None,
    ) -> BridgeConfig:
        """Merge the layers and validate; raises ConfigError naming every bad value."""
        environ = os.environ if environ is None else environ
        flags = {k: v for k, v in (flags or {}).items() if v is not None}
        config_file = config_file or flags.pop("config", None) or environ.get(ENV_PREFIX + "CONFIG")
        flags.pop("config", None)
        layers: list[tuple[str, Mapping[str, Any]]] = []
        if config_file:
            layers.append((f"config file {config_file}", _read_config_file(config_file)))
        env_values = {
            name: environ[ENV_PREFIX + name.upper()]
            for name in cls.settings()
            if ENV_PREFIX + name.upper() in environ
        }
        layers.append(("environment", env_values))
        layers.append(("command line", flags))

        raw: dict[str, tuple[Any, str]] = {}
        problems: list[str] = []  # every bad value at once, unknown names included
        for source, values in layers:
            for key, value in values.items():
                name = str(key).replace("-", "_")  # a YAML key may be a number
                if name not in cls.settings():
                    problems.append(f"unknown setting {key!r} in {source}")
                    continue
                label = ENV_PREFIX + name.upper() if source == "environment" else source
                raw[name] = (value, label)

        parsed: dict[str, Any] = {}
        parsed_badly: set[str] = set()  # named once: not again by a check that needs them
        for name, (value, source) in raw.items():
            try:
                parsed[name] = cls.settings()[name].metadata["parse"](value)
            except ValueError as exc:
                problems.append(f"{name} (from {source}): {exc}")
                parsed_badly.add(name)
        config = cls(**parsed)
        if config.auth_mode == "token" and not config.token_file and "token_file" not in parsed_badly:
            problems.append("auth_mode: 'token' needs token_file (BRIDGE_TOKEN_FILE)")
        tls_files_bad = {"tls_cert_file", "tls_private_key_file"} & parsed_badly
        if bool(config.tls_cert_file) != bool(config.tls_private_key_file) and not tls_files_bad:
            problems.append("tls_cert_file and tls_private_key_file: set both or neither")
        if config.tls_client_ca_file and not config.tls_cert_file and not tls_files_bad:
            problems.append("tls_client_ca_file: needs tls_cert_file and tls_private_key_file")
        if config.v1_sunset and config.v1_deprecated_since and config.v1_sunset < config.v1_deprecated_since:
            problems.append(
                f"v1_sunset: {config.v1_sunset} is before v1_deprecated_since {config.v1_deprecated_since}"
            )
        if problems:
            raise ConfigError(*problems)
        return config

    def replace(self, **changes: Any) -> BridgeConfig:
        return dataclasses.replace(self, **changes)


def _read_config_file(path: str) -> Mapping[str, Any]:
    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"config file {path} is not valid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"config file {path} must hold a mapping of settings")
    return data
