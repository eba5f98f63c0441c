"""What the API server does to an object between the request body and storage.

Pure functions over dicts: object-meta defaults on create, the rules of an update (immutable
fields, optimistic concurrency, generation, status subresource) and of a delete (finalizers).
The store calls them under its lock with the stored object.
"""

from __future__ import annotations

import copy
import secrets
import uuid
from datetime import UTC, datetime
from typing import Any

from bridge.embedded import core_kinds, typed, validation
from bridge.embedded.errors import ApiError, bad_request, conflict, invalid, not_found
from bridge.embedded.resources import Resource

# Kubernetes' alphabet for generateName suffixes: no vowels, no look-alike digits.
_SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_MAX_GENERATE_NAME_PREFIX = 58

MISMATCHED_NAMESPACE = "the namespace of the provided object does not match the namespace sent on the request"
STALE = "the object has been modified; please apply your changes to the latest version and try again"


def now_rfc3339() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def tracks_generation(resource: Resource) -> bool:
    """Custom resources count spec changes in metadata.generation; these core kinds do not."""
    return resource.group not in ("", "events.k8s.io")


def has_status_subresource(resource: Resource) -> bool:
    return "status" in resource.subresources


def check_type_meta(resource: Resource, obj: dict) -> None:
    """Fill in apiVersion/kind when absent; reject a body meant for another API."""
    api_version = obj.setdefault("apiVersion", resource.api_version)
    kind = obj.setdefault("kind", resource.kind)
    if api_version != resource.api_version:
        raise bad_request(
            f"the API version in the data ({api_version}) does not match the expected API "
            f"version ({resource.api_version})"
        )
    if kind != resource.kind:
        raise bad_request(f"the kind in the data ({kind}) does not match the expected kind ({resource.kind})")


def _metadata(obj: dict) -> dict:
    meta = obj.get("metadata")
    if meta is None:
        meta = obj["metadata"] = {}
    if not isinstance(meta, dict):
        raise bad_request("metadata must be an object")
    _check_meta_types(meta)
    return meta


def _check_meta_types(meta: dict) -> None:
    """The typed decoding of ObjectMeta: a wrong JSON type is a 400, never a crash further on
    (``"name": 1`` used to reach the name validation and answer 500)."""
    for field in ("name", "generateName", "namespace", "resourceVersion", "uid"):
        value = meta.get(field)
        if value is not None and not isinstance(value, str):
            raise _wrong_type(field, value, "string")
    for field, of_type in (("annotations", "map[string]string"), ("finalizers", "[]string")):
        value = meta.get(field)
        if value is None:
            continue
        expected = dict if of_type.startswith("map") else list
        items = value.values() if isinstance(value, dict) else value
        if not isinstance(value, expected):
            raise _wrong_type(field, value, of_type)
        wrong = next((item for item in items if item is not None and not isinstance(item, str)), None)
        if wrong is not None:
            raise _wrong_type(field, wrong, "string")


def _wrong_type(field: str, value: Any, of_type: str) -> ApiError:
    return bad_request(
        f"json: cannot unmarshal {typed.json_type(value)} into Go struct "
        f"field ObjectMeta.metadata.{field} of type {of_type}"
    )


def check_namespace(obj: dict, namespace: str) -> None:
    meta = _metadata(obj)
    if namespace:
        if meta.get("namespace", namespace) != namespace:
            raise bad_request(MISMATCHED_NAMESPACE)
        meta["namespace"] = namespace
    else:
        meta.pop("namespace", None)


def prepare_create(resource: Resource, body: dict, namespace: str) -> dict:
    """The object a create stores: server-owned metadata set, name generated and validated."""
    obj = copy.deepcopy(body)
    check_type_meta(resource, obj)
    check_namespace(obj, namespace)
    meta = _metadata(obj)
    name = meta.get("name") or ""
    if not name and meta.get("generateName"):
        prefix = str(meta["generateName"])[:_MAX_GENERATE_NAME_PREFIX]
        name = prefix + "".join(secrets.choice(_SUFFIX_ALPHABET) for _ in range(5))
    if not name:
        raise invalid(
            resource.kind,
            resource.group,
            "",
            [
                {
                    "reason": "FieldValueRequired",
                    "message": "Required value: name or generateName is required",
                    "field": "metadata.name",
                }
            ],
        )
    problems = validation.name_errors(resource, name)
    if problems:
        raise validation.invalid_field(resource, name, "metadata.name", name, "; ".join(problems))
    prefix = meta.get("generateName") or ""
    problems = validation.prefix_errors(resource, prefix)
    if problems:
        raise validation.invalid_field(resource, name, "metadata.generateName", prefix, "; ".join(problems))
    for server_owned in (
        "resourceVersion",
        "selfLink",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "managedFields",
    ):
        meta.pop(server_owned, None)
    meta["name"] = name
    meta["uid"] = str(uuid.uuid4())
    meta["creationTimestamp"] = now_rfc3339()
    if tracks_generation(resource):
        meta["generation"] = 1
    else:
        meta.pop("generation", None)
    if has_status_subresource(resource) and resource.group:
        obj.pop("status", None)
    validation.check_labels(resource, obj)
    core_kinds.check_shape(resource, obj)
    return core_kinds.defaults(resource, obj)


def prepare_update(
    resource: Resource,
    current: dict | None,
    body: dict,
    namespace: str,
    name: str,
    *,
    subresource: str = "",
    require_resource_version: bool = True,
) -> dict:
    """The object an update (PUT, or a patch already applied) stores in place of ``current``."""
    obj = copy.deepcopy(body)
    check_type_meta(resource, obj)
    check_namespace(obj, namespace)
    meta = _metadata(obj)
    body_name = meta.get("name", "")
    if body_name != name:
        raise bad_request(f"the name of the object ({body_name}) does not match the name on the URL ({name})")
    if current is None:
        raise not_found(resource.plural, resource.group, name)
    old_meta = current["metadata"]
    wanted_rv = meta.get("resourceVersion")
    if not wanted_rv and require_resource_version and tracks_generation(resource):
        raise invalid(
            resource.kind,
            resource.group,
            name,
            [
                {
                    "reason": "FieldValueInvalid",
                    "message": "Invalid value: 0x0: must be specified for an update",
                    "field": "metadata.resourceVersion",
                }
            ],
        )
    if wanted_rv and wanted_rv != old_meta.get("resourceVersion"):
        raise conflict(resource.plural, resource.group, name, STALE)
    wanted_uid = meta.get("uid")
    if wanted_uid and wanted_uid != old_meta.get("uid"):
        raise conflict(
            resource.plural,
            resource.group,
            name,
            f"Precondition failed: UID in precondition: {wanted_uid}, "
            f"UID in object meta: {old_meta.get('uid')}",
        )

    if subresource == "status":
        # /status changes only status: everything else is what is stored.
        updated = copy.deepcopy(current)
        if "status" in obj:
            updated["status"] = obj["status"]
        else:
            updated.pop("status", None)
        return updated

    if has_status_subresource(resource):
        if "status" in current:
            obj["status"] = copy.deepcopy(current["status"])
        else:
            obj.pop("status", None)
    if old_meta.get("deletionTimestamp"):
        added = set(meta.get("finalizers") or ()) - set(old_meta.get("finalizers") or ())
        if added:
            raise invalid(
                resource.kind,
                resource.group,
                name,
                [
                    {
                        "reason": "FieldValueForbidden",
                        "field": "metadata.finalizers",
                        "message": "Forbidden: no new finalizers can be added if the object is being deleted",
                    }
                ],
            )
    for immutable in (
        "uid",
        "creationTimestamp",
        "generateName",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
    ):
        if immutable in old_meta:
            meta[immutable] = old_meta[immutable]
        else:
            meta.pop(immutable, None)
    meta.pop("managedFields", None)
    meta.pop("selfLink", None)
    meta["resourceVersion"] = old_meta.get("resourceVersion")
    count_generation(resource, current, obj)
    if resource.storage_key == "v1/namespaces":
        meta["labels"] = {**(meta.get("labels") or {}), "kubernetes.io/metadata.name": name}
    if resource.storage_key == "v1/services":
        core_kinds.defaults(resource, obj)  # defaulting applies to every write, as decoding does
        core_kinds.keep_cluster_ip(resource, name, obj, current)
    validation.check_labels(resource, obj)
    core_kinds.check_shape(resource, obj)
    return obj


def count_generation(resource: Resource, current: dict, updated: dict) -> None:
    """``generation`` moves when anything but metadata and status changed. Called again once
    the CRD schema has pruned and defaulted the object: a field that is pruned away changes
    nothing, as in Kubernetes, which prunes while decoding."""
    if not tracks_generation(resource):
        return
    generation = current["metadata"].get("generation", 1)
    if _without_meta_and_status(updated) != _without_meta_and_status(current):
        generation += 1
    updated["metadata"]["generation"] = generation


def pending_deletion(resource: Resource, obj: dict) -> dict | None:
    """For a DELETE: the object marked as being deleted when finalizers must run first (the
    same object when it is already marked), or None when it can go now.

    As in Kubernetes, the object stays, with ``deletionTimestamp`` set (and, for custom
    resources, ``generation`` moved), until an update removes its last finalizer.
    """
    meta = obj["metadata"]
    if not meta.get("finalizers"):
        return None
    if meta.get("deletionTimestamp"):
        return obj
    marked = copy.deepcopy(obj)
    marked_meta = marked["metadata"]
    marked_meta["deletionTimestamp"] = now_rfc3339()
    marked_meta["deletionGracePeriodSeconds"] = 0
    if tracks_generation(resource):
        marked_meta["generation"] = marked_meta.get("generation", 1) + 1
    return marked


def finished_deletion(obj: dict) -> bool:
    """True when an object being deleted has no finalizers left: the update removes it."""
    meta = obj["metadata"]
    return bool(meta.get("deletionTimestamp")) and not meta.get("finalizers")


def _without_meta_and_status(obj: dict) -> dict:
    return {k: v for k, v in obj.items() if k not in ("metadata", "status", "apiVersion", "kind")}


def require_object(body: Any) -> dict:
    if not isinstance(body, dict):
        raise bad_request("the body of the request must be a JSON or YAML object")
    return body
