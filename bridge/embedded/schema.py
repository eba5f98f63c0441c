"""The CRDs' OpenAPI schemas, applied to custom resources the way the API server applies them.

A real API server never stores a field its CRD does not declare, fills in declared defaults,
and refuses objects that break the schema. The embedded server does the same when started
with ``--crd-dir``, so what a client sees from it is what it would see from a cluster:

1. prune unknown fields (``schema_prune.prune``); with ``fieldValidation=Warn`` (the
   default) each becomes a warning ``unknown field "spec.foo"`` for the ``Warning``
   header, with ``Strict`` the request fails with 400, with ``Ignore`` nothing is said;
2. apply defaults and drop non-nullable nulls (``schema_prune.default``);
3. validate (``schema_validate.validate``) and answer 422 ``Invalid`` with Kubernetes'
   causes and message.

Writes of the main resource validate everything but ``status``; writes of the ``status``
subresource validate only ``status``, as the status and main strategies of the API server
split the work. Resources without a CRD (ConfigMaps, Services...) pass through untouched.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import yaml

from bridge.embedded import errors
from bridge.embedded.openapi import CrdSchemas
from bridge.embedded.resources import Resource
from bridge.embedded.schema_prune import copy_json, default, prune
from bridge.embedded.schema_validate import validate

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

FIELD_VALIDATION_DIRECTIVES = ("Ignore", "Strict", "Warn")
CRD_FILE_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True)
class CustomResourceVersion:
    """One served version of one CRD: what admission and tables need of it."""

    group: str
    version: str
    plural: str
    kind: str
    schema: dict[str, Any]
    printer_columns: tuple[dict[str, Any], ...] = field(default=())
    storage: bool = False

    @property
    def key(self) -> str:
        return f"{self.group}/{self.version}/{self.plural}"


def load_crds(crd_dir: str) -> dict[str, CustomResourceVersion]:
    """Every CRD version found in the YAML/JSON files of ``crd_dir``, by resource key.

    Parsing megabytes of YAML takes about a second, so a directory whose files have not
    changed (same names, sizes and modification times) is parsed once per process; the
    schemas are never modified, so servers may share them.
    """
    files = tuple(
        (name, stat.st_size, stat.st_mtime_ns)
        for name in sorted(os.listdir(crd_dir))
        if name.endswith(CRD_FILE_SUFFIXES)
        for stat in [os.stat(os.path.join(crd_dir, name))]
    )
    return dict(_parse_crds(os.path.realpath(crd_dir), files))


@lru_cache(maxsize=8)
def _parse_crds(crd_dir: str, files: tuple[tuple[str, int, int], ...]) -> dict[str, CustomResourceVersion]:
    found: dict[str, CustomResourceVersion] = {}
    for name, _, _ in files:
        with open(os.path.join(crd_dir, name), "rb") as handle:
            documents = list(yaml.load_all(handle, Loader=_Loader))
        for document in documents:
            if not isinstance(document, dict) or document.get("kind") != "CustomResourceDefinition":
                continue
            spec = document.get("spec") or {}
            names = spec.get("names") or {}
            for version in spec.get("versions") or ():
                entry = CustomResourceVersion(
                    group=spec["group"],
                    version=version["name"],
                    plural=names["plural"],
                    kind=names["kind"],
                    schema=(version.get("schema") or {}).get("openAPIV3Schema") or {},
                    printer_columns=tuple(version.get("additionalPrinterColumns") or ()),
                    storage=bool(version.get("storage")),
                )
                found[entry.key] = entry
    return found


def _directive(field_validation: str | None) -> str:
    if not field_validation:
        return "Warn"
    for directive in FIELD_VALIDATION_DIRECTIVES:
        if field_validation.lower() == directive.lower():
            return directive
    raise errors.bad_request(
        f'fieldValidation: Unsupported value: "{field_validation}": supported values: '
        + ", ".join(f'"{d}"' for d in FIELD_VALIDATION_DIRECTIVES)
    )


class SchemaRegistry:
    """The schemas of the CRDs in ``crd_dir`` (none when it is None), loaded once.

    Everything a server derives from its CRDs (admission, OpenAPI components, table columns)
    is read from its own registry, never from module state, so two servers in one process
    (tests, a bridge next to its embedded upstream) each serve their own CRDs.
    """

    def __init__(self, crd_dir: str | None, apply_defaults: bool = True):
        self.crds: dict[str, CustomResourceVersion] = load_crds(crd_dir) if crd_dir else {}
        self.openapi_schemas = CrdSchemas.of(
            {(crd.group, crd.version, crd.kind): crd.schema for crd in self.crds.values()}
        )
        self.apply_defaults = apply_defaults
        # The root schema without ``status``, for writes of the main resource.
        self._main_schemas = {
            key: {
                **crd.schema,
                "properties": {
                    k: v for k, v in (crd.schema.get("properties") or {}).items() if k != "status"
                },
            }
            for key, crd in self.crds.items()
        }

    def crd(self, resource: Resource) -> CustomResourceVersion | None:
        return self.crds.get(resource.key)

    def printer_columns(self, resource: Resource) -> tuple[dict[str, Any], ...]:
        crd = self.crd(resource)
        return crd.printer_columns if crd else ()

    def admit(
        self, resource: Resource, obj: dict, field_validation: str = "Warn", subresource: str | None = None
    ) -> tuple[dict, list[str]]:
        """``obj`` as it will be stored, and the warnings for the client.

        Raises ``ApiError`` 400 for unknown fields under ``fieldValidation=Strict`` and 422
        when the pruned, defaulted object breaks the schema.
        """
        directive = _directive(field_validation)
        crd = self.crds.get(resource.key)
        if crd is None or not crd.schema:
            return obj, []
        admitted = copy_json(obj)
        unknown: list[str] = []
        prune(admitted, crd.schema, "", unknown, root=True)
        unknown.sort()
        warnings: list[str] = []
        if unknown and directive == "Strict":
            raise errors.bad_request(
                f'{crd.kind} in version "{crd.version}" cannot be handled as a {crd.kind}: '
                "strict decoding error: " + ", ".join(f'unknown field "{path}"' for path in unknown)
            )
        if directive == "Warn":
            warnings = [f'unknown field "{path}"' for path in unknown]
        if self.apply_defaults:
            default(admitted, crd.schema)

        causes: list[dict[str, str]] = []
        if subresource == "status":
            status_schema = (crd.schema.get("properties") or {}).get("status")
            if status_schema is not None and "status" in admitted:
                validate(admitted["status"], status_schema, "status", causes)
        else:
            validate(admitted, self._main_schemas[crd.key], "", causes)
        if causes:
            name = (admitted.get("metadata") or {}).get("name") or ""
            raise errors.invalid(crd.kind, crd.group, name, causes)
        return admitted, warnings
