"""SecurityContext {capabilities {add, drop}, optional privileged} <-> container securityContext.

Mirrors ``buildSecurityContext`` (apiserver/pkg/util/cluster.go) and ``convertSecurityContext``
(apiserver/pkg/model/converter.go): ``capabilities`` is always present once a security context
is given; ``privileged`` only when the client set it (proto3 ``optional``), even to false.
"""

from __future__ import annotations

from typing import Any


def container_security_context(security: dict[str, Any] | None) -> dict[str, Any] | None:
    """The container securityContext for a v1 SecurityContext, or None when not given."""
    if security is None:
        return None
    capabilities = security.get("capabilities") or {}
    built: dict[str, Any] = {"capabilities": {}}
    for key in ("add", "drop"):
        if capabilities.get(key):
            built["capabilities"][key] = list(capabilities[key])
    if security.get("privileged") is not None:
        built["privileged"] = bool(security["privileged"])
    return built


def security_context_from_container(security: dict[str, Any] | None) -> dict[str, Any] | None:
    """The v1 SecurityContext for a container securityContext (other fields are not kept)."""
    if security is None:
        return None
    capabilities = security.get("capabilities") or {}
    result: dict[str, Any] = {
        "capabilities": {key: list(capabilities[key]) for key in ("add", "drop") if capabilities.get(key)}
    }
    if security.get("privileged") is not None:
        result["privileged"] = bool(security["privileged"])
    return result
