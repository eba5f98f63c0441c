"""Every v1 message schema the product declares, found by walking ``ProtoSchema`` subclasses
after importing every module of ``v1compat.schemas`` (so a schema added later is included)."""

from __future__ import annotations

import importlib
import pkgutil

import v1compat.schemas
from v1compat.schemas.base import ProtoSchema


def all_proto_schemas() -> list[type[ProtoSchema]]:
    for module in pkgutil.iter_modules(v1compat.schemas.__path__):
        importlib.import_module(f"v1compat.schemas.{module.name}")
    found: list[type[ProtoSchema]] = []
    pending = list(ProtoSchema.__subclasses__())
    while pending:
        schema = pending.pop()
        if schema.__module__.startswith("v1compat.") and schema not in found:
            found.append(schema)
        pending.extend(schema.__subclasses__())
    return sorted(found, key=lambda schema: schema.__name__)
