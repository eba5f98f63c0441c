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
import ipaddress
import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

ENV_PREFIX = "BRIDGE_"


class ConfigError(ValueError):
    """Settings have bad values: one line a problem, each naming the setting and its source."""

    def __init__(self, *problems: str):
        self.problems = [" ".join(str(problem).split()) for problem in problems]
        super().__init__("\n".join(self.problems))


def _parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"{value!r} is not a boolean (use true or false)")


def _parse_int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not an integer")
    try:
        return int(str(value).strip())
    except ValueError:
        raise ValueError(f"{value!r} is not an integer") from None


def _parse_float(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    try:
        number = float(str(value).strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a number") from None
    if not math.isfinite(number):  # "nan" passes every range check, "inf" means forever
        raise ValueError(f"{value!r} is not a finite number")
    return number


def _parse_list(value: Any) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in str(value).split(",") if part.strip()]


def _parse_date(value: Any) -> _dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    try:
        return _dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a date (use YYYY-MM-DD)") from None


def _parse_str(value: Any) -> str:
    return str(value).strip()


def _parse_optional_str(value: Any) -> str | None:
    text = "" if value is None else str(value).strip()
    return text or None


_HOSTNAME = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*\.?")


def _host(value: Any) -> str:
    """An IP address or a DNS name to listen on (gunicorn would retry a bad one for seconds,
    then exit with a traceback-free but late "Can't connect")."""
    text = str(value).strip()
    try:
        ipaddress.ip_address(text)
        return text
    except ValueError:
        pass
    if len(text) <= 253 and _HOSTNAME.fullmatch(text):
        return text
    raise ValueError(f"{text!r} is not an IP address or host name")


def _http_url(value: Any) -> str:
    text = str(value).strip()
    if not re.fullmatch(r"https?://[^/\s]+(/\S*)?", text):
        raise ValueError(f"{text!r} is not an http(s):// URL")
    return text


def _optional_http_url(value: Any) -> str | None:
    text = _parse_optional_str(value)
    return None if text is None else _http_url(text)


V1_STAGES = ("coexist", "read-only", "removed")  # each stricter than the one before
SERVED_GUIDE_PATH = "/migration"


def _pairs(value: Any) -> list[tuple[str, str]]:
    """``a=b,c`` (flags, environment) or a mapping (config file) as (key, value) pairs."""
    if isinstance(value, Mapping):
        return [(str(k).strip(), "" if v is None else str(v).strip()) for k, v in value.items()]
    pairs = []
    for item in _parse_list(value):
        key, _, text = item.partition("=")
        pairs.append((key.strip(), text.strip()))
    return pairs


def _stage_overrides(value: Any) -> dict[str, str]:
    overrides = {}
    for resource, stage in _pairs(value):
        if not resource or stage not in V1_STAGES:
            raise ValueError(
                f"{resource}={stage!r}: use RESOURCE=STAGE, a stage one of {', '.join(V1_STAGES)}"
            )
        overrides[resource] = stage
    return overrides


def _client_exceptions(value: Any) -> dict[str, _dt.date | None]:
    exceptions = {}
    for client, until in _pairs(value):
        if not client:
            raise ValueError("an exception needs a client name (CLIENT or CLIENT=YYYY-MM-DD)")
        exceptions[client] = _parse_date(until)
    return exceptions


def _origins(value: Any) -> list[str]:
    """CORS origins as browsers send them: ``*`` or ``scheme://host[:port]``, no path."""
    origins = _parse_list(value)
    for origin in origins:
        if origin != "*" and not re.fullmatch(r"https?://[^/\s]+", origin):
            raise ValueError(f"{origin!r} is not an origin (use * or http(s)://host[:port])")
    return origins


def _existing_file(value: Any) -> str | None:
    path = _parse_optional_str(value)
    if path is not None and not os.path.isfile(os.path.expanduser(path)):
        raise ValueError(f"{path!r} is not a readable file")
    return path


def _existing_directory(value: Any) -> str | None:
    path = _parse_optional_str(value)
    if path is not None and not os.path.isdir(os.path.expanduser(path)):
        raise ValueError(f"{path!r} is not a directory")
    return path


def _one_of(*choices: str) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        text = str(value).strip()
        if text not in choices:
            raise ValueError(f"{text!r} is not one of {', '.join(choices)}")
        return text

    return parse


def _in_range(parse: Callable[[Any], Any], low: float, high: float | None = None):
    def checked(value: Any):
        number = parse(value)
        if number < low or (high is not None and number > high):
            bound = f"between {low} and {high}" if high is not None else f"at least {low}"
            raise ValueError(f"{number} must be {bound}")
        return number

    return checked


def _upstream(value: Any) -> str:
    text = str(value).strip()
    if text in ("auto", "in-cluster", "kubeconfig", "embedded"):
        return text
    mode, _, path = text.partition(":")
    if mode == "kubeconfig" and path:
        if not os.path.isfile(os.path.expanduser(path)):
            raise ValueError(f"kubeconfig {path!r} is not a readable file")
        return text
    if mode == "embedded" and path:
        if os.path.exists(path) and not os.path.isdir(path):
            raise ValueError(f"embedded data directory {path!r} is not a directory")
        return text
    if text.startswith(("http://", "https://")) and len(text.split("://", 1)[1]) > 0:
        return text.rstrip("/")
    raise ValueError(
        f"{text!r} is not an upstream (use auto, in-cluster, kubeconfig[:PATH], "
        "embedded[:DIR] or an http(s):// URL)"
    )


def _setting(default: Any, parse: Callable[[Any], Any], help: str):
    return field(default=default, metadata={"parse": parse, "help": help})


def _list_setting(help: str):
    return field(default_factory=list, metadata={"parse": _parse_list, "help": help})


@dataclass(frozen=True)
class BridgeConfig:
    """Everything the bridge can be told. Field names are the config-file keys;
    ``BRIDGE_<NAME>`` in upper case is the environment variable."""

    host: str = _setting("127.0.0.1", _host, "address to listen on")
    port: int = _setting(31888, _in_range(_parse_int, 1, 65535), "port to listen on")
    upstream: str = _setting("auto", _upstream, "where the Kubernetes API is")
    workers: int = _setting(2, _in_range(_parse_int, 1, 64), "gunicorn worker processes")
    worker_class: str = _setting("gevent", _one_of("gevent", "gthread", "sync"), "gunicorn worker class")
    threads: int = _setting(8, _in_range(_parse_int, 1, 1024), "threads per gthread worker")
    worker_connections: int = _setting(
        0,
        _in_range(_parse_int, 0, 1_000_000),
        "concurrent connections per worker, each watch one (0: half the open-files limit)",
    )
    log_level: str = _setting("info", _one_of("debug", "info", "warning", "error"), "log level")
    auth_mode: str = _setting("none", _one_of("none", "passthrough", "token"), "how callers authenticate")
    token_file: str | None = _setting(
        None, _existing_file, "file of accepted bearer tokens (auth_mode=token)"
    )
    metrics_open: bool = _setting(
        False, _parse_bool, "serve /metrics without a token in auth_mode=token (a scraper without one)"
    )
    cors_origins: list[str] = field(
        default_factory=list,
        metadata={"parse": _origins, "help": "origins allowed by CORS (empty: CORS off)"},
    )
    max_body_bytes: int = _setting(
        3 * 1024 * 1024, _in_range(_parse_int, 1024), "largest request body accepted"
    )
    max_worker_groups: int = _setting(
        100, _in_range(_parse_int, 1, 100_000), "worker groups one v1 cluster, job or service may have"
    )
    max_compute_templates: int = _setting(
        100,
        _in_range(_parse_int, 1, 100_000),
        "distinct compute templates one v1 request may name (each is one upstream read)",
    )
    max_yaml_body_bytes: int = _setting(
        1024 * 1024,
        _in_range(_parse_int, 1024),
        "largest YAML request body accepted (YAML costs far more CPU to decode than JSON)",
    )
    body_timeout: float = _setting(
        30.0,
        _in_range(_parse_float, 0.1),
        "seconds a client may take to send a whole request body (then 408, connection closed)",
    )
    middlewares: list[str] = _list_setting("extra middlewares as module:function")
    retry_max: int = _setting(3, _in_range(_parse_int, 0, 20), "retries of idempotent calls")
    retry_backoff: float = _setting(0.5, _in_range(_parse_float, 0.0), "first retry delay in seconds")
    retry_budget: float = _setting(
        30.0, _in_range(_parse_float, 0.0), "total seconds a call may spend retrying"
    )
    connect_timeout: float = _setting(5.0, _in_range(_parse_float, 0.1), "seconds to connect to the upstream")
    read_timeout: float = _setting(
        60.0, _in_range(_parse_float, 0.1), "seconds to wait for upstream data (not watches)"
    )
    worker_timeout: int = _setting(
        30,
        _in_range(_parse_int, 1),
        "gunicorn worker heartbeat timeout in seconds (never cuts a watch under gevent/gthread)",
    )
    graceful_timeout: int = _setting(
        10,
        _in_range(_parse_int, 1),
        "seconds requests in flight get after SIGTERM (open watches end at once)",
    )
    drain_seconds: float = _setting(
        5.0,
        _in_range(_parse_float, 0.0, 3600.0),
        "seconds the bridge keeps serving after SIGTERM while /readyz answers 503, so endpoints "
        "drop it before it stops (0: stop at once)",
    )
    tls_cert_file: str | None = _setting(
        None, _existing_file, "PEM certificate (chain) to serve HTTPS with; re-read when it changes"
    )
    tls_private_key_file: str | None = _setting(None, _existing_file, "PEM private key of tls_cert_file")
    tls_client_ca_file: str | None = _setting(
        None, _existing_file, "PEM CA bundle: every client must present a certificate it signed"
    )
    embedded_crd_dir: str | None = _setting(
        None, _existing_directory, "CRD directory for the embedded upstream (prunes and validates)"
    )
    v1_strict: bool = _setting(False, _parse_bool, "reject unknown v1 fields and enum names with 400")
    job_submission_access: str = _setting(
        "auto",
        _one_of("auto", "direct", "service-proxy"),
        "how v1 job submissions reach a cluster's Ray dashboard: direct (the head service's "
        "cluster DNS name, from inside the cluster), service-proxy (the Kubernetes API's service "
        "proxy, with the caller's credentials), auto (direct when the upstream is in-cluster)",
    )
    job_submission_timeout: float = _setting(
        10.0,
        _in_range(_parse_float, 0.1, 600.0),
        "seconds a v1 job-submission call waits for the Ray dashboard (the Go server: 2)",
    )
    v1_deprecated_since: _dt.date | None = _setting(
        _dt.date(2026, 8, 19),
        _parse_date,
        "date v1 counts as deprecated since (Deprecation header; default: the KubeRay "
        "snapshot whose README marks v1 deprecated)",
    )
    v1_sunset: _dt.date | None = _setting(None, _parse_date, "date the v1 API goes away (Sunset header)")
    migration_guide_url: str | None = _setting(
        None,
        _optional_http_url,
        "where the deprecation Link header points (default: the guide the bridge serves at "
        f"{SERVED_GUIDE_PATH})",
    )
    v1_stage: str = _setting(
        "coexist",
        _one_of(*V1_STAGES),
        "coexist: v1 served, deprecated; read-only: v1 writes answer 410; removed: all of v1 answers 410",
    )
    v1_stage_overrides: dict[str, str] = field(
        default_factory=dict,
        metadata={
            "parse": _stage_overrides,
            "help": "per-resource stages, e.g. templates=coexist,clusters=read-only",
        },
    )
    v1_client_exceptions: dict[str, _dt.date | None] = field(
        default_factory=dict,
        metadata={
            "parse": _client_exceptions,
            "help": "clients (User-Agent product or identity) that keep full v1 access, each until "
            "a date if given: python-requests=2027-01-31,ci-bot",
        },
    )
    v1_after_sunset_stage: str = _setting(
        "removed",
        _one_of(*V1_STAGES),
        "the stage that applies by itself from the v1_sunset date on (when stricter)",
    )
    metrics_client_limit: int = _setting(
        50,
        _in_range(_parse_int, 1, 10_000),
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
