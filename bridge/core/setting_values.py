"""How the text of a setting becomes its value: one parser for each kind of value, each
raising ``ValueError`` with a message that says what was expected (``BridgeConfig`` adds the
setting's name and where the value came from)."""

from __future__ import annotations

import datetime as _dt
import ipaddress
import math
import os
import re
from collections.abc import Callable, Mapping
from typing import Any


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(f"{value!r} is not a boolean (use true or false)")


def parse_int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not an integer")
    try:
        return int(str(value).strip())
    except ValueError:
        raise ValueError(f"{value!r} is not an integer") from None


def parse_float(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    try:
        number = float(str(value).strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a number") from None
    if not math.isfinite(number):  # "nan" passes every range check, "inf" means forever
        raise ValueError(f"{value!r} is not a finite number")
    return number


def parse_list(value: Any) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if str(v).strip()]
    return [part.strip() for part in str(value).split(",") if part.strip()]


def parse_date(value: Any) -> _dt.date | None:
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


def parse_str(value: Any) -> str:
    return str(value).strip()


def parse_optional_str(value: Any) -> str | None:
    text = "" if value is None else str(value).strip()
    return text or None


HOSTNAME = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*\.?")


def host(value: Any) -> str:
    """An IP address or a DNS name to listen on (gunicorn would retry a bad one for seconds,
    then exit with a traceback-free but late "Can't connect")."""
    text = str(value).strip()
    try:
        ipaddress.ip_address(text)
        return text
    except ValueError:
        pass
    if len(text) <= 253 and HOSTNAME.fullmatch(text):
        return text
    raise ValueError(f"{text!r} is not an IP address or host name")


def http_url(value: Any) -> str:
    text = str(value).strip()
    if not re.fullmatch(r"https?://[^/\s]+(/\S*)?", text):
        raise ValueError(f"{text!r} is not an http(s):// URL")
    return text


def optional_http_url(value: Any) -> str | None:
    text = parse_optional_str(value)
    return None if text is None else http_url(text)


V1_STAGES = ("coexist", "read-only", "removed")  # each stricter than the one before


def pairs(value: Any) -> list[tuple[str, str]]:
    """``a=b,c`` (flags, environment) or a mapping (config file) as (key, value) pairs."""
    if isinstance(value, Mapping):
        return [(str(k).strip(), "" if v is None else str(v).strip()) for k, v in value.items()]
    pairs = []
    for item in parse_list(value):
        key, _, text = item.partition("=")
        pairs.append((key.strip(), text.strip()))
    return pairs


def stage_overrides(value: Any) -> dict[str, str]:
    overrides = {}
    for resource, stage in pairs(value):
        if not resource or stage not in V1_STAGES:
            raise ValueError(
                f"{resource}={stage!r}: use RESOURCE=STAGE, a stage one of {', '.join(V1_STAGES)}"
            )
        overrides[resource] = stage
    return overrides


def client_exceptions(value: Any) -> dict[str, _dt.date | None]:
    exceptions = {}
    for client, until in pairs(value):
        if not client:
            raise ValueError("an exception needs a client name (CLIENT or CLIENT=YYYY-MM-DD)")
        exceptions[client] = parse_date(until)
    return exceptions


def origins(value: Any) -> list[str]:
    """CORS origins as browsers send them: ``*`` or ``scheme://host[:port]``, no path."""
    origins = parse_list(value)
    for origin in origins:
        if origin != "*" and not re.fullmatch(r"https?://[^/\s]+", origin):
            raise ValueError(f"{origin!r} is not an origin (use * or http(s)://host[:port])")
    return origins


def existing_file(value: Any) -> str | None:
    path = parse_optional_str(value)
    if path is not None and not os.path.isfile(os.path.expanduser(path)):
        raise ValueError(f"{path!r} is not a readable file")
    return path


def existing_directory(value: Any) -> str | None:
    path = parse_optional_str(value)
    if path is not None and not os.path.isdir(os.path.expanduser(path)):
        raise ValueError(f"{path!r} is not a directory")
    return path


def one_of(*choices: str) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        text = str(value).strip()
        if text not in choices:
            raise ValueError(f"{text!r} is not one of {', '.join(choices)}")
        return text

    return parse


def in_range(parse: Callable[[Any], Any], low: float, high: float | None = None):
    def checked(value: Any):
        number = parse(value)
        if number < low or (high is not None and number > high):
            bound = f"between {low} and {high}" if high is not None else f"at least {low}"
            raise ValueError(f"{number} must be {bound}")
        return number

    return checked


def upstream(value: Any) -> str:
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
