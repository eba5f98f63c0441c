"""Compute templates: their ConfigMap form (shared with v2) and what they put into pods.

The ConfigMap format lives in ``v2proxy.templates`` (both dialects read the same ConfigMaps;
``configmap_to_template`` / ``template_to_configmap`` are Go's ``FromKubeToAPIComputeTemplate`` /
``NewComputeTemplate``); this module adds the v1 view: the container resources and tolerations
the Go pod builders derive from a template (``buildHeadPodTemplate``,
``buildWorkerPodTemplate``, ``addResourceToContainer``, ``convertTolerationOperator``,
``convertTaintEffect`` in apiserver/pkg/util/cluster.go).
"""

from __future__ import annotations

from typing import Any

from v1compat.convert.errors import ConversionError
from v1compat.convert.quantity import QuantityError, canonical_quantity
from v2proxy.templates import DEFAULT_GPU_ACCELERATOR, DEFAULT_MEMORY_UNIT


def template_memory(template: dict[str, Any]) -> str:
    """``<memory><memory_unit>`` as the pod builders use it.

    A ConfigMap without ``memory_unit`` (written by servers before the unit existed, which
    always meant Gi) gets Gi here; the current Go server appended nothing and asked for bytes.
    """
    unit = template.get("memory_unit") or DEFAULT_MEMORY_UNIT
    return f"{int(template.get('memory') or 0)}{unit}"


def container_resources(template: dict[str, Any]) -> dict[str, Any]:
    """Requests = limits: cpu, memory, the GPU and every non-zero extended resource.

    Raises ConversionError for a stored template whose memory does not parse (Go's
    ``resource.MustParse`` panicked and took the server down).
    """
    name = template.get("name") or ""
    memory_text = template_memory(template)
    try:
        memory = canonical_quantity(memory_text)
    except QuantityError as error:
        raise ConversionError(
            f'memory "{memory_text}" of compute template {name} is not a valid quantity: {error}'
        ) from None
    resources = {"cpu": canonical_quantity(str(int(template.get("cpu") or 0))), "memory": memory}
    gpu = int(template.get("gpu") or 0)
    if gpu:
        resources[template.get("gpu_accelerator") or DEFAULT_GPU_ACCELERATOR] = canonical_quantity(str(gpu))
    for resource, amount in (template.get("extended_resources") or {}).items():
        if amount:
            resources[resource] = canonical_quantity(str(int(amount)))
    ordered = dict(sorted(resources.items()))  # Go's encoding/json sorts map keys
    return {"limits": ordered, "requests": dict(ordered)}


def _toleration_operator(operator: str) -> str:
    return "Exists" if operator == "Exists" else "Equal"


def _taint_effect(effect: str) -> str:
    return effect if effect in ("NoExecute", "NoSchedule") else "PreferNoSchedule"


def pod_tolerations(template: dict[str, Any]) -> list[dict[str, str]]:
    """The template's tolerations as pod tolerations (empty fields omitted, as Go's JSON does)."""
    tolerations = []
    for toleration in template.get("tolerations") or []:
        built = {
            "key": toleration.get("key") or "",
            "operator": _toleration_operator(toleration.get("operator") or ""),
            "value": toleration.get("value") or "",
            "effect": _taint_effect(toleration.get("effect") or ""),
        }
        tolerations.append({key: value for key, value in built.items() if value})
    return tolerations
