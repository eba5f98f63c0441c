"""Strategic merge patch for the built-in kinds served here, as ``kubectl apply``/``edit``
send them (``k8s.io/apimachinery/pkg/util/strategicpatch``).

Like a JSON merge patch, except where the Go types say otherwise: lists of objects with a
merge key are merged element by element (Service ``spec.ports`` by ``port``,
``metadata.ownerReferences`` by ``uid``), ``metadata.finalizers`` is a set, and the
directives ``$patch`` (``replace``/``delete``), ``$retainKeys``, ``$setElementOrder/<list>``
and ``$deleteFromPrimitiveList/<list>`` are obeyed and never stored. Every other list is
replaced. Custom resources never get here: Kubernetes answers 415 for them.
"""

from __future__ import annotations

import copy
from typing import Any

# (path from the object root) -> the merge key of that list of objects.
MERGE_KEYS: dict[tuple[str, ...], str] = {
    ("spec", "ports"): "port",
    ("metadata", "ownerReferences"): "uid",
}
# Lists of strings merged as sets.
SET_LISTS: frozenset[tuple[str, ...]] = frozenset({("metadata", "finalizers")})

_ORDER = "$setElementOrder/"
_REMOVE = "$deleteFromPrimitiveList/"
_DELETED = object()


def _is_directive(key: str) -> bool:
    return key in ("$patch", "$retainKeys") or key.startswith((_ORDER, _REMOVE))


def _without_directives(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_directives(v) for k, v in value.items() if not _is_directive(k)}
    if isinstance(value, list):
        return [_without_directives(item) for item in value]
    return value


def strategic_merge(target: Any, patch: Any, path: tuple[str, ...] = ()) -> Any:
    """``target`` with ``patch`` applied (neither is modified)."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    directive = patch.get("$patch")
    if directive == "delete":
        return _DELETED
    if directive == "replace":
        return _without_directives(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if _is_directive(key):
            continue
        where = (*path, key)
        if value is None:
            result.pop(key, None)
        elif isinstance(value, list) and where in MERGE_KEYS:
            result[key] = _merge_by_key(
                result.get(key), value, MERGE_KEYS[where], patch.get(_ORDER + key), where
            )
        elif isinstance(value, list) and where in SET_LISTS:
            current = result.get(key) if isinstance(result.get(key), list) else []
            result[key] = current + [item for item in value if item not in current]
        else:
            merged = strategic_merge(result.get(key), value, where)
            if merged is _DELETED:
                result.pop(key, None)
            else:
                result[key] = merged
    for key, value in patch.items():
        if key.startswith(_REMOVE) and isinstance(result.get(key[len(_REMOVE) :]), list):
            field = key[len(_REMOVE) :]
            result[field] = [item for item in result[field] if item not in (value or [])]
    if isinstance(patch.get("$retainKeys"), list):
        result = {k: v for k, v in result.items() if k in patch["$retainKeys"]}
    return result


def _merge_by_key(current: Any, patch: list, key: str, order: Any, path: tuple[str, ...]) -> list:
    merged = [copy.deepcopy(item) for item in current] if isinstance(current, list) else []
    for item in patch:
        if not isinstance(item, dict) or key not in item:
            merged.append(_without_directives(item))
            continue
        at = next(
            (i for i, old in enumerate(merged) if isinstance(old, dict) and old.get(key) == item[key]), None
        )
        if item.get("$patch") == "delete":
            if at is not None:
                del merged[at]
        elif at is None:
            merged.append(_without_directives(item))
        else:
            merged[at] = strategic_merge(merged[at], item, path)
    if isinstance(order, list):
        rank = {entry.get(key): i for i, entry in enumerate(order) if isinstance(entry, dict)}
        merged.sort(key=lambda item: rank.get(item.get(key) if isinstance(item, dict) else None, len(rank)))
    return merged
