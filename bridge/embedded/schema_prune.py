"""Structural-schema pruning and defaulting, as the Kubernetes API server does for CRs.

Pure functions over JSON values (dicts, lists, scalars) that change the value in place;
the caller owns the copy. The walk follows the *object*, not the schema, so its cost is the
size of the object, however large the CRD is.

What Kubernetes does, and so these do (``apiextensions-apiserver`` ``pruning``,
``objectmeta`` and ``defaulting`` packages):

* a field the schema does not declare is removed and reported by its path
  (``spec.workerGroupSpecs[0].foo``), sorted; ``apiVersion``/``kind``/``metadata`` at the
  root and in ``x-kubernetes-embedded-resource`` objects are kept and not reported;
* ``x-kubernetes-preserve-unknown-fields`` keeps unknown fields but still prunes inside the
  fields the schema declares; ``additionalProperties`` declares every key of a map;
* the ``metadata`` of the root and of embedded resources is an ``ObjectMeta``: its unknown
  fields are removed and reported;
* ``null`` in a field that is not ``nullable`` is removed when the field has no default,
  and replaced by the default when it has one; missing fields with a default get it.
"""

from __future__ import annotations

from typing import Any

from bridge.embedded.canonical import OBJECT_META

Schema = dict[str, Any]

META_FIELDS = frozenset({"apiVersion", "kind", "metadata"})
OBJECT_META_FIELDS = frozenset(OBJECT_META)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _prune_object_meta(meta: Any, path: str, unknown: list[str]) -> None:
    if isinstance(meta, dict):
        for key in [key for key in meta if key not in OBJECT_META_FIELDS]:
            unknown.append(_join(path, key))
            del meta[key]


def _field_schema(schema: Schema, key: str) -> Schema | None:
    """The schema of field ``key``: its property, else ``additionalProperties`` when that is
    a schema (it declares every key of a map); None when the field is not declared."""
    properties = schema.get("properties") or {}
    if key in properties:
        return properties[key] or {}  # a null schema declares the field and nothing inside it
    additional = schema.get("additionalProperties")
    return additional if isinstance(additional, dict) else None


def prune(value: Any, schema: Schema | None, path: str, unknown: list[str], root: bool = False) -> None:
    """Remove what ``schema`` does not declare from ``value``; append the removed paths.

    ``root`` marks the resource itself: its ``metadata`` is always an ``ObjectMeta``,
    whatever the schema says of it (CRDs may only declare ``type: object`` there).
    """
    if schema is not None and schema.get("x-kubernetes-preserve-unknown-fields"):
        _prune_known(value, schema, path, unknown)
        return
    if isinstance(value, dict):
        if schema is None:
            for key in list(value):
                unknown.append(_join(path, key))
                del value[key]
            return
        properties = schema.get("properties") or {}
        embedded = root or bool(schema.get("x-kubernetes-embedded-resource"))
        for key in list(value):
            child = value[key]
            if embedded and key in META_FIELDS and (root or key not in properties):
                if key == "metadata":
                    _prune_object_meta(child, _join(path, key), unknown)
                continue
            declared = _field_schema(schema, key)
            if declared is not None:
                prune(child, declared, _join(path, key), unknown)
            elif schema.get("additionalProperties") is not True:
                unknown.append(_join(path, key))
                del value[key]
    elif isinstance(value, list):
        items = schema.get("items") if schema is not None else None
        for index, item in enumerate(value):
            prune(item, items, f"{path}[{index}]", unknown)


def _prune_known(value: Any, schema: Schema, path: str, unknown: list[str]) -> None:
    """Inside ``x-kubernetes-preserve-unknown-fields``: prune only below declared fields
    (apiextensions' ``skipPrune``, next to ``prune``)."""
    if isinstance(value, dict):
        embedded = bool(schema.get("x-kubernetes-embedded-resource"))
        for key, child in value.items():
            if embedded and key in META_FIELDS:
                if key == "metadata":
                    _prune_object_meta(child, _join(path, key), unknown)
                continue
            declared = _field_schema(schema, key)
            if declared is not None:
                prune(child, declared, _join(path, key), unknown)
    elif isinstance(value, list):
        items = schema.get("items")
        if items is not None:
            for index, item in enumerate(value):
                _prune_known(item, items, f"{path}[{index}]", unknown)


def copy_json(value: Any) -> Any:
    """A copy of a JSON value (dicts, lists, scalars): a default must not be shared between
    objects, and pruning changes the value it is given."""
    if isinstance(value, dict):
        return {key: copy_json(child) for key, child in value.items()}
    if isinstance(value, list):
        return [copy_json(child) for child in value]
    return value


def default(value: Any, schema: Schema | None) -> None:
    """Fill defaults into ``value`` and drop non-nullable nulls, like the CR defaulter."""
    if schema is None:
        return
    if isinstance(value, dict):
        properties = schema.get("properties")
        if properties:
            for key, prop in properties.items():
                if "default" in prop:
                    if key not in value or (value[key] is None and not prop.get("nullable")):
                        value[key] = copy_json(prop["default"])
                elif key in value and value[key] is None and not prop.get("nullable"):
                    del value[key]
        additional = schema.get("additionalProperties")
        for key, child in list(value.items()):
            prop = properties.get(key) if properties else None
            if prop is None and isinstance(additional, dict):
                prop = additional
                if child is None and not prop.get("nullable"):
                    if "default" in prop:
                        value[key] = child = copy_json(prop["default"])
                    else:
                        del value[key]
                        continue
            if prop is not None and isinstance(child, (dict, list)):
                default(child, prop)
    elif isinstance(value, list):
        items = schema.get("items")
        if items is None:
            return
        for index, item in enumerate(value):
            if item is None and not items.get("nullable") and "default" in items:
                value[index] = item = copy_json(items["default"])
            if isinstance(item, (dict, list)):
                default(item, items)
