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

from typing import Any, Protocol

from bridge.kube.resources import CONFIGMAPS
from v1compat import convert
from v1compat.errors import already_exists, not_found
from v1compat.validation import (
    require_namespace,
    require_template_name,
    validate_create_template,
)
from v1compat.wire import k8s_message, upstream_error, write_failure
from v2proxy.templates import TEMPLATE_LABEL_SELECTOR, is_compute_template

CREATE_FAILED = "Create compute template failed."
GET_FAILED = "Get compute template failed."
DELETE_LOOKUP_FAILED = "Get compute template failure"
LIST_ALL_FAILED = "List all compute templates from all namespaces failed."


class Result(Protocol):
    status: int
    body: Any
    ok: bool


class V2Calls(Protocol):
    """The part of ``v2proxy.client.V2Client`` the v1 handlers use."""

    def get(self, path: str, query: Any = None) -> Result: ...
    def list(self, path: str, query: Any = None) -> Result: ...
    def create(self, path: str, body: Any) -> Result: ...
    def delete(self, path: str) -> Result: ...


def configmaps_path(namespace: str | None = None, name: str | None = None) -> str:
    return CONFIGMAPS.get_url(namespace, name)


def create(client: V2Calls, namespace: str, template: dict[str, Any]) -> dict[str, Any]:
    validate_create_template(namespace, template)
    name = template["name"]
    existing = client.get(configmaps_path(namespace, name))
    if existing.ok:
        raise already_exists(
            f"Compute template with name {name} already exists in namespace {namespace}",
            CREATE_FAILED,
        )
    convert.validate_template_memory(template)
    configmap = convert.configmap_from_template(template, namespace)
    created = client.create(configmaps_path(namespace), configmap)
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
    return convert.template_from_configmap(created.body)


def get(client: V2Calls, namespace: str, name: str) -> dict[str, Any]:
    require_template_name(namespace, name)
    return convert.template_from_configmap(fetch_template(client, namespace, name, GET_FAILED))


def fetch_template(client: V2Calls, namespace: str, name: str, *context: str) -> dict[str, Any]:
    """The template ConfigMap, or the Go server's NotFound error under ``context``.

    A ConfigMap without the compute-template label is not a template: 404 as well.
    """
    result = client.get(configmaps_path(namespace, name))
    message = f"Compute template {name} not found"
    if result.status == 404:
        raise not_found(message, k8s_message(result.status, result.body), *context)
    if not result.ok:
        raise upstream_error(result.status, result.body, *context, "Get compute template failed")
    if not is_compute_template(result.body):
        raise not_found(
            message,
            f'configmaps "{name}" is not a compute template '
            f"(it lacks the label {TEMPLATE_LABEL_SELECTOR})",
            *context,
        )
    return result.body


def list_in_namespace(client: V2Calls, namespace: str) -> list[dict[str, Any]]:
    require_namespace(namespace)
    return _list(
        client,
        configmaps_path(namespace),
        f"List compute templates in namespace {namespace} failed.",
        "List compute templates failed",
    )


def list_all(client: V2Calls) -> list[dict[str, Any]]:
    return _list(client, configmaps_path(), LIST_ALL_FAILED, "List compute templates failed")


def _list(client: V2Calls, path: str, *context: str) -> list[dict[str, Any]]:
    result = client.list(path, query=[("labelSelector", TEMPLATE_LABEL_SELECTOR)])
    if not result.ok:
        raise upstream_error(result.status, result.body, *context)
    return [convert.template_from_configmap(item) for item in result.body.get("items") or []]


def delete(client: V2Calls, namespace: str, name: str) -> None:
    require_template_name(namespace, name)
    fetch_template(client, namespace, name, DELETE_LOOKUP_FAILED)
    result = client.delete(configmaps_path(namespace, name))
    if result.status == 404:
        raise not_found(
            f"Compute template {name} not found",
            k8s_message(result.status, result.body),
            DELETE_LOOKUP_FAILED,
        )
    if not result.ok:
        raise write_failure(result.status, result.body, f"failed to delete compute template {name}.")
