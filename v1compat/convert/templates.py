"""Compute templates: their ConfigMap form (shared with v2) and what they put into pods.

The ConfigMap format lives in ``v2proxy.templates`` (both dialects read the same ConfigMaps);
this module adds the v1 view: the create-time memory check (``NewComputeTemplate``) and the
container resources and tolerations the Go pod builders derive from a template
(``buildHeadPodTemplate`` / ``buildWorkerPodTemplate``, ``addResourceToContainer``,
``convertTolerationOperator``, ``convertTaintEffect`` in apiserver/pkg/util/cluster.go).
"""

from __future__ import annotations

from typing import Any

from v1compat.convert.errors import ConversionError
from v1compat.convert.quantity import QuantityError, canonical_quantity, parse_quantity
from v1compat.errors import invalid_input_with_details
from v2proxy.templates import (
    DEFAULT_GPU_ACCELERATOR,
    DEFAULT_MEMORY_UNIT,
    configmap_to_template,
    template_to_configmap,
)


def template_from_configmap(configmap: dict[str, Any]) -> dict[str, Any]:
    """FromKubeToAPIComputeTemplate: the ComputeTemplate message stored in a ConfigMap."""
    return configmap_to_template(configmap)


def configmap_from_template(template: dict[str, Any], namespace: str) -> dict[str, Any]:
    """NewComputeTemplate: the ConfigMap the Go server writes for a created template."""
    return template_to_configmap(template, namespace)


def template_memory(template: dict[str, Any]) -> str:
    """``<memory><memory_unit>`` as the pod builders use it.

    A ConfigMap without ``memory_unit`` (written by servers before the unit existed, which
    always meant Gi) gets Gi here; the current Go server appended nothing and asked for bytes.
    """
    unit = template.get("memory_unit") or DEFAULT_MEMORY_UNIT
    return f"{int(template.get('memory') or 0)}{unit}"


def validate_template_memory(template: dict[str, Any]) -> None:
    """The create-time check that ``<memory><memory_unit>`` is a Kubernetes quantity.

    The Go server answered a bad unit (``"GB"``) with 500 ``Failed to convert compute runtime``;
    the error raised here is InvalidArgument, since the request is what is wrong.
    """
    memory = template_memory(template)
    try:
        parse_quantity(memory)
    except QuantityError as error:
        name = template.get("name") or ""
        namespace = template.get("namespace") or ""
        raise invalid_input_with_details(
            f"Failed to convert compute runtime ({namespace}/{name})",
            f'memory "{memory}" is not a valid quantity: {error}',
            "Create compute template failed.",
        ) from None


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
