"""The migration stage: how much of v1 a caller still gets.

KubeRay's plan has three stages (v2 released; v1 deprecated while both coexist; v1 removed).
The bridge lets an operator walk them one resource and one client at a time:

- ``coexist``: every v1 call is served, with the deprecation headers (the default);
- ``read-only``: v1 reads are served, v1 writes (every non-GET row of the route table) answer
  410 Gone;
- ``removed``: every v1 call answers 410 Gone.

The stage of a call is the resource's override (``v1_stage_overrides``, keyed by the first
part of the route name: ``templates``, ``clusters``, ``jobs``, ``services``, ``submissions``)
or else ``v1_stage``. From the ``v1_sunset`` date on, ``v1_after_sunset_stage`` applies by
itself wherever it is stricter. A client named in ``v1_client_exceptions`` (by its User-Agent
product or its authenticated identity) keeps coexist until its date (not included), whatever
the stage: an explicit, dated promise to one client outranks the general plan.

Everything here is a pure function of the config, the call and the day, so the policy is
tested without a clock or a server.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from dataclasses import dataclass

from bridge.core.config import V1_STAGES, BridgeConfig

COEXIST, READ_ONLY, REMOVED = V1_STAGES


def strictest(*stages: str) -> str:
    return max(stages, key=V1_STAGES.index)


def resource_of(route_name: str) -> str:
    """``clusters.create`` -> ``clusters``: the key of ``v1_stage_overrides``."""
    return route_name.split(".", 1)[0]


def is_write(method: str) -> bool:
    return method.upper() not in ("GET", "HEAD")


@dataclass(frozen=True)
class StageDecision:
    stage: str
    refused: bool
    exception_for: str | None = None  # the client whose exception let the call through


def stage_of(config: BridgeConfig, route_name: str | None, today: _dt.date) -> str:
    """The stage of one route (None: a v1 path the table does not know) on ``today``."""
    stage = config.v1_stage
    if route_name is not None:
        stage = config.v1_stage_overrides.get(resource_of(route_name), stage)
    if config.v1_sunset is not None and today >= config.v1_sunset:
        stage = strictest(stage, config.v1_after_sunset_stage)
    return stage


def decide(
    config: BridgeConfig,
    route_name: str | None,
    method: str,
    clients: Iterable[str],
    today: _dt.date,
) -> StageDecision:
    """Whether a v1 call by ``clients`` (its names: User-Agent product, identity) is served."""
    stage = stage_of(config, route_name, today)
    # read-only refuses the table's writes; a method or path v1 never had keeps its 404/501
    refused = stage == REMOVED or (stage == READ_ONLY and route_name is not None and is_write(method))
    if refused:
        for client in clients:
            if client in config.v1_client_exceptions:
                until = config.v1_client_exceptions[client]
                if until is None or today < until:
                    return StageDecision(COEXIST, refused=False, exception_for=client)
    return StageDecision(stage, refused)


def refusal_message(method: str, path: str, stage: str, successor: str | None) -> str:
    """The message of a 410: what is gone, why, and the v2 call to make instead."""
    gone = "writes are" if stage == READ_ONLY else "the API is"
    advice = f"use {successor} instead" if successor else "use the KubeRay v2 API (/apis/ray.io/v1) instead"
    return f"KubeRay APIServer v1 {gone} no longer served (stage {stage}): {method} {path}; {advice}"


def describe_stages(config: BridgeConfig) -> str:
    """One log line's worth: the stage, overrides, exceptions and the sunset plan."""
    parts = [f"v1 stage {config.v1_stage}"]
    if config.v1_stage_overrides:
        parts.append(
            "overrides " + ", ".join(f"{k}={v}" for k, v in sorted(config.v1_stage_overrides.items()))
        )
    if config.v1_client_exceptions:
        parts.append(
            "client exceptions "
            + ", ".join(
                f"{client} until {until}" if until else client
                for client, until in sorted(config.v1_client_exceptions.items())
            )
        )
    if config.v1_sunset:
        parts.append(f"{config.v1_after_sunset_stage} from {config.v1_sunset}")
    return "; ".join(parts)
