"""AutoscalerOptions <-> RayCluster ``spec.autoscalerOptions``.

Mirrors ``buildAutoscalerOptions`` / ``convertEnvFrom`` (apiserver/pkg/util/cluster.go) and
``convertAutoscalingOptions`` (apiserver/pkg/model/converter.go). The mapping is lossy in Go and
stays so: ``valuesFrom`` become ``envFrom`` sources (their keys are dropped, and only CONFIGMAP
and SECRET survive), volumes become mounts only, and on read-back ``envFrom`` entries are keyed by
their list index.
"""

from __future__ import annotations

from typing import Any

from v1compat.convert.environment import env_var
from v1compat.convert.errors import ConversionError
from v1compat.convert.proto import ENV_VALUE_SOURCES, enum_name, int32_field, string_field
from v1compat.convert.quantity import QuantityError, canonical_quantity, read_quantity
from v1compat.convert.volumes import mount_propagation_mode, volume_mounts

DEFAULT_CPU = "500m"
DEFAULT_MEMORY = "512Mi"


def _env_from(value_from: dict[str, Any]) -> dict[str, Any] | None:
    """convertEnvFrom: a whole ConfigMap or Secret as environment; other sources are dropped."""
    source = enum_name(value_from.get("source"), ENV_VALUE_SOURCES)
    name = value_from.get("name") or ""
    reference = {"name": name} if name else {}
    if source == "CONFIGMAP":
        return {"configMapRef": reference}
    if source == "SECRET":
        return {"secretRef": reference}
    return None


def _resource(text: str, cause: str) -> str:
    try:
        return canonical_quantity(text)
    except QuantityError:
        raise ConversionError(cause) from None


def autoscaler_options(options: dict[str, Any] | None) -> dict[str, Any] | None:
    """buildAutoscalerOptions; None when the request has no options at all."""
    if options is None:
        return None
    built: dict[str, Any] = {}
    if (options.get("idleTimeoutSeconds") or 0) > 0:
        built["idleTimeoutSeconds"] = options["idleTimeoutSeconds"]
    if options.get("upscalingMode"):
        built["upscalingMode"] = options["upscalingMode"]
    if options.get("image"):
        built["image"] = options["image"]
    if (options.get("imagePullPolicy") or "").lower() == "always":
        built["imagePullPolicy"] = "Always"
    envs = options.get("envs") or {}
    if envs.get("values"):
        built["env"] = [env_var(name, value) for name, value in envs["values"].items()]
    if envs.get("valuesFrom"):
        sources = (_env_from(value_from or {}) for value_from in envs["valuesFrom"].values())
        env_from = [source for source in sources if source is not None]
        if env_from:
            built["envFrom"] = env_from
    if options.get("volumes"):
        built["volumeMounts"] = volume_mounts(options["volumes"])
    if options.get("cpu") or options.get("memory"):
        cpu = _resource(options.get("cpu") or DEFAULT_CPU, "cpu for autoscaler is not specified correctly")
        memory = _resource(
            options.get("memory") or DEFAULT_MEMORY, "memory for autoscaler is not specified correctly"
        )
        built["resources"] = {
            "limits": {"cpu": cpu, "memory": memory},
            "requests": {"cpu": cpu, "memory": memory},
        }
    return built


def autoscaler_options_from_crd(options: dict[str, Any] | None) -> dict[str, Any] | None:
    """convertAutoscalingOptions; None when the CR has no autoscalerOptions."""
    if options is None:
        return None
    result: dict[str, Any] = {}
    idle_timeout = int32_field(options.get("idleTimeoutSeconds"))
    if idle_timeout is not None:
        result["idleTimeoutSeconds"] = idle_timeout
    for key in ("upscalingMode", "image", "imagePullPolicy"):
        if string_field(options.get(key)) is not None:
            result[key] = options[key]
    env = options.get("env") or []
    env_from = options.get("envFrom") or []
    if env or env_from:
        envs: dict[str, Any] = {}
        if env:
            envs["values"] = {var.get("name") or "": var.get("value") or "" for var in env}
        if env_from:
            envs["valuesFrom"] = {}
            for index, source in enumerate(env_from):
                # Go read SecretRef.Name for anything that is not a configMapRef and panicked
                # when neither was set; such an entry is skipped here.
                if source.get("configMapRef") is not None:
                    entry = {"source": "CONFIGMAP", "name": source["configMapRef"].get("name") or ""}
                elif source.get("secretRef") is not None:
                    entry = {"source": "SECRET", "name": source["secretRef"].get("name") or ""}
                else:
                    continue
                envs["valuesFrom"][str(index)] = entry
        result["envs"] = envs
    if options.get("volumeMounts"):
        result["volumes"] = [
            {
                "name": mount.get("name") or "",
                "mount_path": mount.get("mountPath") or "",
                "volume_type": "PERSISTENT_VOLUME_CLAIM",
                "read_only": bool(mount.get("readOnly")),
                "mount_propagation_mode": mount_propagation_mode(mount),
            }
            for mount in options["volumeMounts"]
        ]
    if options.get("resources") is not None:
        resources = options["resources"]
        quantities = resources.get("limits") or resources.get("requests") or {}
        # ResourceList.Cpu()/Memory() return a zero quantity when absent, which prints "0".
        result["cpu"] = read_quantity(quantities.get("cpu"))
        result["memory"] = read_quantity(quantities.get("memory"))
    return result
