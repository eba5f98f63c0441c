"""Compute templates as the KubeRay Go server stores them: one ConfigMap per template.

Both dialects share these ConfigMaps (v1 creates and reads them, the v2 compute-template
middleware reads them), so the format here is the Go server's byte for byte. A template is a
plain dict with the proto field names: name, namespace, cpu, memory, gpu, gpu_accelerator,
memory_unit, extended_resources (name -> int) and tolerations (list of
{key, operator, value, effect}).
"""

from __future__ import annotations

import json
from typing import Any

CONFIG_TYPE_LABEL = "ray.io/config-type"
CONFIG_TYPE_VALUE = "compute-template"
TEMPLATE_NAME_LABEL = "ray.io/compute-template"
TEMPLATE_LABEL_SELECTOR = f"{CONFIG_TYPE_LABEL}={CONFIG_TYPE_VALUE}"
DEFAULT_MEMORY_UNIT = "Gi"
DEFAULT_GPU_ACCELERATOR = "nvidia.com/gpu"

TOLERATION_KEYS = ("key", "operator", "value", "effect")  # a toleration's fields, in Go's struct order


def go_json(value: Any) -> str:
    """Go's encoding/json output: compact, map keys sorted, HTML characters escaped."""
    text = json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _go_toleration_json(tolerations: list[dict[str, str]]) -> str:
    # Struct fields keep declaration order (not sorted) and are omitted when empty.
    parts = []
    for toleration in tolerations:
        fields = [
            f"{json.dumps(key)}:{go_json(toleration[key])}" for key in TOLERATION_KEYS if toleration.get(key)
        ]
        parts.append("{" + ",".join(fields) + "}")
    return "[" + ",".join(parts) + "]"


def is_compute_template(configmap: dict[str, Any]) -> bool:
    labels = (configmap.get("metadata") or {}).get("labels") or {}
    return labels.get(CONFIG_TYPE_LABEL) == CONFIG_TYPE_VALUE


def template_to_configmap(template: dict[str, Any], namespace: str) -> dict[str, Any]:
    """The ConfigMap the Go server's NewComputeTemplate writes for a v1 create."""
    name = template["name"]
    data = {
        "name": name,
        "namespace": namespace,
        "cpu": str(int(template.get("cpu") or 0)),
        "memory": str(int(template.get("memory") or 0)),
        "memory_unit": template.get("memory_unit") or DEFAULT_MEMORY_UNIT,
        "gpu": str(int(template.get("gpu") or 0)),
        "gpu_accelerator": template.get("gpu_accelerator") or "",
        # protojson allocates a map for `{}`, so Go stored "{}" for it and "null" when absent.
        "extended_resources": go_json(template.get("extended_resources")),
    }
    tolerations = template.get("tolerations") or []
    if tolerations:
        data["tolerations"] = _go_toleration_json(tolerations)
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {CONFIG_TYPE_LABEL: CONFIG_TYPE_VALUE, TEMPLATE_NAME_LABEL: name},
        },
        "data": data,
    }


def _uint32(text: Any) -> int:
    """Go's ``strconv.ParseUint(text, 10, 32)`` with the error ignored, as the Go server does:
    decimal digits only (no sign, spaces or underscores), else 0; too large saturates."""
    if not isinstance(text, str) or not text or not text.isascii() or not text.isdigit():
        return 0
    return min(int(text), 0xFFFFFFFF)


def configmap_to_template(configmap: dict[str, Any]) -> dict[str, Any]:
    """Read a template back the way FromKubeToAPIComputeTemplate does.

    Unparsable numbers read as 0 and a missing memory_unit stays missing, as in Go; the
    callers that turn a template into resources decide the unit default.
    """
    metadata = configmap.get("metadata") or {}
    data = configmap.get("data") or {}
    template: dict[str, Any] = {
        "name": metadata.get("name", ""),
        "namespace": metadata.get("namespace", ""),
        "cpu": _uint32(data.get("cpu")),
        "memory": _uint32(data.get("memory")),
        "gpu": _uint32(data.get("gpu")),
        "gpu_accelerator": data.get("gpu_accelerator", ""),
    }
    if "memory_unit" in data:
        template["memory_unit"] = data["memory_unit"]
    extended = _json_or_none(data.get("extended_resources"))
    if isinstance(extended, dict):
        # Go's json.Unmarshal into map[string]uint32 keeps every key and zeroes a value that
        # is not a uint32 (negative, too large, a fraction, a string...), so do we.
        template["extended_resources"] = {str(k): v if _is_uint32(v) else 0 for k, v in extended.items()}
    tolerations = _json_or_none(data.get("tolerations"))
    if isinstance(tolerations, list):
        # A field that is not a string stays "" in Go's struct; an item that is not an
        # object has nothing to read and is skipped.
        template["tolerations"] = [
            {key: t[key] if isinstance(t.get(key), str) else "" for key in TOLERATION_KEYS}
            for t in tolerations
            if isinstance(t, dict)
        ]
    return template


def _is_uint32(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 0xFFFFFFFF


def _json_or_none(text: Any) -> Any:
    if not isinstance(text, str) or not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None
