"""Compute templates over v1: each call becomes ConfigMap calls through the V2 pipeline.

The ConfigMap format is the Go server's byte for byte (``v2proxy.templates``, the module the
v2 compute-template middleware reads), so both dialects share every template.

Deliberate differences from the Go server (MIGRATION.md lists them):
- get, delete and the lookups touch only ConfigMaps labelled
  ``ray.io/config-type=compute-template``; any other ConfigMap of that name (e.g.
  ``kube-root-ca.crt``) is 404 instead of reading back as a zero template or being deleted;
- a ``memory``/``memory_unit`` that is not a Kubernetes quantity is 400 instead of 500;
- list-all is one cluster-wide ConfigMap list instead of a namespace list plus one list per
  namespace (same answer, no half-failed calls, no permission to list namespaces needed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bridge.kube.resources import CONFIGMAPS
from v1compat import managed
from v1compat.errors import Code, V1Error, already_exists
from v1compat.managed import ManagedKind, V2Calls
from v1compat.validation import (
    require_namespace,
    require_template_name,
    validate_create_template,
    validate_template_memory,
)
from v1compat.wire import write_failure
from v2proxy.templates import (
    TEMPLATE_LABEL_SELECTOR,
    configmap_to_template,
    is_compute_template,
    template_to_configmap,
)

CREATE_FAILED = "Create compute template failed."
GET_FAILED = "Get compute template failed."
DELETE_LOOKUP_FAILED = "Get compute template failure"
LIST_ALL_FAILED = "List all compute templates from all namespaces failed."


TEMPLATES = ManagedKind(
    noun="Compute template",
    path=CONFIGMAPS.get_url,
    selector=TEMPLATE_LABEL_SELECTOR,
    owns=is_compute_template,
    not_owned=lambda name: (
        f'configmaps "{name}" is not a compute template (it lacks the label {TEMPLATE_LABEL_SELECTOR})'
    ),
    get_failed="Get compute template failed",
    delete_failed=lambda name: f"failed to delete compute template {name}.",
)


def create(client: V2Calls, namespace: str, template: dict[str, Any]) -> dict[str, Any]:
    validate_create_template(namespace, template)
    name = template["name"]
    existing = client.get(CONFIGMAPS.get_url(namespace, name))
    if existing.ok:
        raise already_exists(
            f"Compute template with name {name} already exists in namespace {namespace}",
            CREATE_FAILED,
        )
    validate_template_memory(template, CREATE_FAILED)
    configmap = template_to_configmap(template, namespace)
    created = client.create(CONFIGMAPS.get_url(namespace), configmap)
    if created.status == 409:
        raise already_exists(
            f"Compute template with name {name} already exists in namespace {namespace}",
            CREATE_FAILED,
        )
    if not created.ok:
        raise write_failure(
            created.status,
            created.body,
            f"Failed to create a compute runtime for ({namespace}/{name})",
            CREATE_FAILED,
        )
    return configmap_to_template(created.body)


@dataclass(frozen=True)
class FanOutLimits:
    """What one v1 request may cause upstream: every distinct compute template is one
    ConfigMap read, so a body naming 20,000 of them would make 20,000 calls."""

    worker_groups: int = 100
    templates: int = 100


DEFAULT_FAN_OUT = FanOutLimits()


def resolve(
    client: V2Calls,
    namespace: str,
    message: dict[str, Any],
    names: list[str],
    limits: FanOutLimits,
    context: str,
) -> dict[str, dict[str, Any]]:
    """populateComputeTemplate for a cluster, job or service ``message``: each template of
    ``names`` (in order), read from ``namespace``; a missing one is the Go NotFound under
    ``context`` (the kind's create or update text) and the Go populate and lookup texts. The
    ``cluster_spec`` that needs ``names`` must stay within ``limits``, checked before the
    first read: a 400 naming the setting otherwise."""
    check_fan_out(message, names, limits)
    populate = f"Failed to populate compute template for ({namespace}/{message['name']})"
    templates: dict[str, dict[str, Any]] = {}
    for name in names:
        lookup = f"Cannot get compute template for name '{name}' in namespace '{namespace}', error"
        configmap = managed.fetch(client, TEMPLATES, namespace, name, context, populate, lookup)
        templates[name] = configmap_to_template(configmap)
    return templates


def check_fan_out(message: dict[str, Any], names: list[str], limits: FanOutLimits) -> None:
    groups = len((message.get("cluster_spec") or {}).get("worker_group_spec") or [])
    if groups > limits.worker_groups:
        raise V1Error(
            Code.INVALID_ARGUMENT,
            f"the cluster spec has {groups} worker groups; at most {limits.worker_groups} are "
            "allowed (setting max_worker_groups)",
        )
    if len(names) > limits.templates:
        raise V1Error(
            Code.INVALID_ARGUMENT,
            f"the cluster spec names {len(names)} distinct compute templates; at most "
            f"{limits.templates} are allowed (setting max_compute_templates)",
        )


def get(client: V2Calls, namespace: str, name: str) -> dict[str, Any]:
    require_template_name(namespace, name)
    return configmap_to_template(managed.fetch(client, TEMPLATES, namespace, name, GET_FAILED))


def list_in_namespace(client: V2Calls, namespace: str) -> list[dict[str, Any]]:
    require_namespace(namespace)
    return _list(
        client,
        namespace,
        f"List compute templates in namespace {namespace} failed.",
        "List compute templates failed",
    )


def list_all(client: V2Calls) -> list[dict[str, Any]]:
    return _list(client, None, LIST_ALL_FAILED, "List compute templates failed")


def _list(client: V2Calls, namespace: str | None, *context: str) -> list[dict[str, Any]]:
    items, _ = managed.list_items(client, TEMPLATES, namespace, *context)
    return managed.convert_each(items, configmap_to_template)


def delete(client: V2Calls, namespace: str, name: str) -> None:
    require_template_name(namespace, name)
    managed.delete(client, TEMPLATES, namespace, name, DELETE_LOOKUP_FAILED)
