"""Compute templates on v2 creates and updates: ``computeTemplate: <name>`` on a head or worker
group becomes the CPU, memory, GPU, extended resources and tolerations of that template.

The Go SDK middleware (apiserversdk/util/template.go) is the reference; users already write
manifests against it, so the effect on a group is the same, with these deliberate changes:

- **CPU and memory go to the Ray container only**, not to every container of the pod. The
  operator treats the Ray container as the one that owns the node's resources (it derives
  ``num-cpus``/``memory`` for ``ray start`` from it); forcing "2 CPU / 4Gi" onto a log-shipper
  sidecar as well doubles the pod's request and can leave it unschedulable. The Ray container
  is the one named ``ray-head`` (head group) or ``ray-worker`` (worker groups), as in Go; when
  no container has that name it is the first container, which is where the operator looks
  (``RayContainerIndex = 0``). GPU and extended resources follow the same container, so a GPU
  template is no longer silently ignored when the Ray container has another name.
- ``memory_unit`` defaults to ``Gi``: a legacy ConfigMap without it means gigabytes, not bytes.
- ``computeTemplate`` is removed before forwarding, so Kubernetes neither warns about an
  unknown field nor rejects the object under ``fieldValidation=Strict``.
- A toleration identical to one already in the pod spec is not added a second time.
- Only ConfigMaps labelled ``ray.io/config-type=compute-template`` are templates; a missing
  template is a ``422 Invalid`` Status naming the field, the template and the namespace.
- Bodies without Content-Type are JSON, and every YAML media type is accepted.
- A JSON body in which no group names a template is forwarded byte for byte. A YAML object is
  always forwarded as JSON, template or not (Go: whenever ``spec`` is an object): Kubernetes
  accepts only ``application/yaml``, so this is what makes ``text/yaml`` and the others work.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from bridge.kube import names
from bridge.kube.resources import CONFIGMAPS
from v2proxy.bodies import BodyError, body_format, decode_body, encode_body
from v2proxy.messages import (
    Handler,
    Middleware,
    ProxyRequest,
    ProxyResponse,
    status_response,
)
from v2proxy.pipeline import calls
from v2proxy.templates import (
    DEFAULT_GPU_ACCELERATOR,
    DEFAULT_MEMORY_UNIT,
    TEMPLATE_NAME_LABEL,
    TOLERATION_KEYS,
    configmap_to_template,
    is_compute_template,
)

TEMPLATE_FIELD = "computeTemplate"
TEMPLATE_ANNOTATION = TEMPLATE_NAME_LABEL  # "ray.io/compute-template"


@dataclass(frozen=True)
class TemplateReference:
    """One group's ``computeTemplate``: where it is (for error causes) and what it names."""

    field: str  # e.g. "spec.rayClusterSpec.workerGroupSpecs[1].computeTemplate"
    name: str
    role: str  # "head" or "worker"


# --- the pure part: where templates are named, and what they do to a group --------------------


def groups(body: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(field path, role, group) of each head and worker group, located structurally as Go
    does: a RayJob's ``spec.rayClusterSpec``, else a RayService's ``spec.rayClusterConfig``,
    else the RayCluster ``spec`` itself."""
    spec = body.get("spec")
    if not isinstance(spec, dict):
        return
    if isinstance(spec.get("rayClusterSpec"), dict):
        prefix, cluster = "spec.rayClusterSpec", spec["rayClusterSpec"]
    elif isinstance(spec.get("rayClusterConfig"), dict):
        prefix, cluster = "spec.rayClusterConfig", spec["rayClusterConfig"]
    else:
        prefix, cluster = "spec", spec
    head = cluster.get("headGroupSpec")
    if isinstance(head, dict):
        yield f"{prefix}.headGroupSpec", "head", head
    workers = cluster.get("workerGroupSpecs")
    if isinstance(workers, list):
        for index, worker in enumerate(workers):
            if isinstance(worker, dict):
                yield f"{prefix}.workerGroupSpecs[{index}]", "worker", worker


def template_references(body: dict[str, Any]) -> list[TemplateReference]:
    """Every group with a string ``computeTemplate``, in document order (head first)."""
    return [
        TemplateReference(f"{path}.{TEMPLATE_FIELD}", group[TEMPLATE_FIELD], role)
        for path, role, group in groups(body)
        if isinstance(group.get(TEMPLATE_FIELD), str)
    ]


def names_a_template(body: dict[str, Any]) -> bool:
    """True when a group has a ``computeTemplate`` key, even ``null`` (a merge patch removing it)."""
    return any(TEMPLATE_FIELD in group for _path, _role, group in groups(body))


def apply_templates(body: dict[str, Any], templates: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A copy of ``body`` with each group's ``computeTemplate`` expanded and removed.

    ``templates`` maps a template name to the template as ``configmap_to_template`` reads it.
    A group naming a template that is not in ``templates`` is left exactly as it is.
    """
    result = copy.deepcopy(body)
    for _path, role, group in groups(result):
        name = group.get(TEMPLATE_FIELD)
        if isinstance(name, str) and name in templates:
            del group[TEMPLATE_FIELD]
            _apply_to_group(group, templates[name], role)
    return result


def _apply_to_group(group: dict[str, Any], template: dict[str, Any], role: str) -> None:
    pod = group.get("template")
    if not isinstance(pod, dict):
        return  # as in Go: no pod template, nothing to put resources on, not even the annotation
    metadata = _child_dict(pod, "metadata")
    annotations = _child_dict(metadata, "annotations")
    annotations[TEMPLATE_ANNOTATION] = template.get("name", "")

    pod_spec = pod.get("spec")
    if not isinstance(pod_spec, dict):
        return
    container = _ray_container(pod_spec.get("containers"), role)
    if container is not None:
        resources = _child_dict(container, "resources")
        for kind in ("limits", "requests"):
            _child_dict(resources, kind).update(template_resources(template))

    tolerations = [_go_toleration(t) for t in template.get("tolerations") or []]
    if tolerations:
        existing = pod_spec.get("tolerations")
        merged = list(existing) if isinstance(existing, list) else []
        for toleration in tolerations:
            if not any(_same_toleration(toleration, other) for other in merged):
                merged.append(toleration)
        pod_spec["tolerations"] = merged


def expanded_from(group: dict[str, Any]) -> str | None:
    """The template a stored group was expanded from, as its pod template's annotation says."""
    pod = group.get("template")
    metadata = pod.get("metadata") if isinstance(pod, dict) else None
    annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
    name = annotations.get(TEMPLATE_ANNOTATION) if isinstance(annotations, dict) else None
    return name if isinstance(name, str) and name else None


def remove_template(group: dict[str, Any], template: dict[str, Any] | None, role: str) -> None:
    """Take off ``group`` what ``template`` put there: the annotation, its tolerations, and the
    Ray container's limits and requests that still hold the template's values (only the
    annotation when the template is gone). For a group that switches templates or stops naming
    one through a merge patch (kubectl's client-side apply), which leaves in place whatever the
    manifest never had: all that the bridge added."""
    pod = group.get("template")
    if not isinstance(pod, dict):
        return
    metadata = pod.get("metadata")
    if isinstance(metadata, dict):
        _drop_entries(metadata, "annotations", {TEMPLATE_ANNOTATION: expanded_from(group)})
    pod_spec = pod.get("spec")
    if template is None or not isinstance(pod_spec, dict):
        return
    container = _ray_container(pod_spec.get("containers"), role)
    resources = container.get("resources") if container is not None else None
    if isinstance(resources, dict):
        for kind in ("limits", "requests"):
            _drop_entries(resources, kind, template_resources(template))
        if not resources:
            del container["resources"]
    if isinstance(pod_spec.get("tolerations"), list):
        added = [_go_toleration(t) for t in template.get("tolerations") or []]
        pod_spec["tolerations"] = [
            toleration
            for toleration in pod_spec["tolerations"]
            if not any(_same_toleration(old, toleration) for old in added)
        ]


def _drop_entries(parent: dict[str, Any], key: str, entries: dict[str, Any]) -> None:
    """Delete from the map ``parent[key]`` each entry of ``entries`` it holds with that value,
    and the map itself once it is empty."""
    child = parent.get(key)
    if not isinstance(child, dict):
        return
    for name, value in entries.items():
        if name in child and child[name] == value:
            del child[name]
    if not child:
        del parent[key]


def template_resources(template: dict[str, Any]) -> dict[str, Any]:
    """The limits (= requests) a template stands for: CPU as a string, memory as
    ``<n><unit>`` (``Gi`` when the ConfigMap has no unit), GPUs and extended resources as
    numbers, exactly the JSON types the Go middleware writes."""
    unit = template.get("memory_unit") or DEFAULT_MEMORY_UNIT
    resources: dict[str, Any] = {
        "cpu": str(template.get("cpu", 0)),
        "memory": f"{template.get('memory', 0)}{unit}",
    }
    gpu = template.get("gpu") or 0
    if gpu:
        resources[template.get("gpu_accelerator") or DEFAULT_GPU_ACCELERATOR] = gpu
    resources.update(template.get("extended_resources") or {})
    return resources


def _ray_container(containers: Any, role: str) -> dict[str, Any] | None:
    if not isinstance(containers, list):
        return None
    candidates = [c for c in containers if isinstance(c, dict)]
    for container in candidates:
        if container.get("name") == f"ray-{role}":
            return container
    first = containers[0] if containers else None
    return first if isinstance(first, dict) else None


def _child_dict(parent: dict[str, Any], key: str) -> dict[str, Any]:
    child = parent.get(key)
    if not isinstance(child, dict):
        child = parent[key] = {}
    return child


def _go_toleration(toleration: dict[str, Any]) -> dict[str, str]:
    # Go writes all four keys, empty strings included; Kubernetes reads "" as the default.
    return {key: str(toleration.get(key) or "") for key in TOLERATION_KEYS}


def _same_toleration(new: dict[str, str], existing: Any) -> bool:
    if not isinstance(existing, dict) or existing.get("tolerationSeconds") is not None:
        return False
    return all(str(existing.get(key) or "") == new[key] for key in TOLERATION_KEYS)


# --- the middleware: I/O at the edges ---------------------------------------------------------


@calls(("get", CONFIGMAPS))
def compute_templates(lookup: Handler) -> Middleware:
    """The middleware for POST/PUT of rayclusters, rayjobs and rayservices (PATCH:
    ``v2proxy.template_patch``).

    ``lookup`` answers the ConfigMap GETs (the forwarder, so the caller's credentials and the
    bridge's transport apply); the request itself goes on through ``call_next``.
    """

    def compute_template_middleware(request: ProxyRequest, call_next: Handler) -> ProxyResponse:
        fmt = body_format(request.headers.get("Content-Type"))
        if fmt is None:
            return call_next(request)  # e.g. protobuf: the upstream answers as it would
        data = request.read_body()
        if not data.strip():
            return call_next(request)
        try:
            body = decode_body(data, fmt)
        except BodyError as error:
            return status_response(400, "BadRequest", str(error))
        if not isinstance(body, dict):
            return call_next(request)
        if not template_references(body) and fmt == "json":
            return call_next(request)
        expanded, failure = expand_templates(request, lookup, body)
        if failure is not None:
            return failure
        try:
            mutated = encode_body(expanded)
        except BodyError as error:
            return status_response(400, "BadRequest", str(error))
        request.replace_body(mutated, "application/json")
        return call_next(request)

    return compute_template_middleware


def expand_templates(
    request: ProxyRequest, lookup: Handler, body: dict[str, Any]
) -> tuple[dict[str, Any], ProxyResponse | None]:
    """``body`` with each group's template expanded, the templates read through ``lookup`` in
    the request's namespace; or the error to answer when one is missing or unreadable."""
    references = template_references(body)
    if not references:
        return apply_templates(body, {}), None
    namespace = request.params.get("namespace", "")
    templates, failure = _load_templates(request, lookup, namespace, references, body)
    return (body, failure) if failure is not None else (apply_templates(body, templates), None)


def _load_templates(
    request: ProxyRequest,
    lookup: Handler,
    namespace: str,
    references: list[TemplateReference],
    body: dict[str, Any],
) -> tuple[dict[str, dict[str, Any]], ProxyResponse | None]:
    """Fetch each distinct template once; a 422 lists every reference that names no template."""
    templates: dict[str, dict[str, Any]] = {}
    missing: list[str] = []
    for name in dict.fromkeys(ref.name for ref in references):
        response, template = _fetch_template(request, lookup, namespace, name)
        if template is not None:
            templates[name] = template
        elif response is None or response.status == 404 or 200 <= response.status < 300:
            missing.append(name)
        else:
            return {}, _lookup_failure(response, name, namespace)
    if missing:
        return {}, _missing_templates(references, missing, namespace, request, body)
    return templates, None


def read_template(request: ProxyRequest, lookup: Handler, name: str) -> dict[str, Any] | None:
    """The template ``name`` in the request's namespace; None when there is none to read."""
    response, template = _fetch_template(request, lookup, request.params.get("namespace", ""), name)
    if response is not None:
        response.close()
    return template


def _fetch_template(
    request: ProxyRequest, lookup: Handler, namespace: str, name: str
) -> tuple[ProxyResponse | None, dict[str, Any] | None]:
    """The lookup's answer and the template in it; no lookup for a name no ConfigMap can have."""
    if not names.DNS1123_SUBDOMAIN.is_valid(name):  # a ConfigMap name; keeps "../x" out of the path
        return None, None
    response = lookup(_lookup_request(request, namespace, name))
    try:
        payload = response.json() if 200 <= response.status < 300 else None
    except ValueError:
        payload = None
    found = isinstance(payload, dict) and is_compute_template(payload)
    return response, configmap_to_template(payload) if found else None


def _lookup_request(request: ProxyRequest, namespace: str, name: str) -> ProxyRequest:
    return request.side_request(
        CONFIGMAPS.get_url(namespace, name),
        route="compute-template-lookup",
        params={"namespace": namespace, "name": name},
    )


def _lookup_failure(response: ProxyResponse, name: str, namespace: str) -> ProxyResponse:
    """The upstream's status, as a Status naming the template (403 stays 403)."""
    try:
        upstream = response.json()
    except ValueError:
        upstream = None
    reason, cause = "", ""
    if isinstance(upstream, dict) and upstream.get("kind") == "Status":
        reason, cause = str(upstream.get("reason") or ""), str(upstream.get("message") or "")
    response.close()
    message = f'cannot get compute template "{name}" in namespace "{namespace}"'
    message += f": {cause}" if cause else f" (upstream answered {response.status})"
    return status_response(response.status, reason or _default_reason(response.status), message)


def _default_reason(code: int) -> str:
    return {401: "Unauthorized", 403: "Forbidden", 429: "TooManyRequests", 504: "Timeout"}.get(
        code, "InternalError" if code >= 500 else "BadRequest"
    )


def _missing_templates(
    references: list[TemplateReference],
    missing: list[str],
    namespace: str,
    request: ProxyRequest,
    body: dict[str, Any],
) -> ProxyResponse:
    names = ", ".join(f'"{name}"' for name in missing)
    noun = "compute template" if len(missing) == 1 else "compute templates"
    message = f'{noun} {names} not found in namespace "{namespace}"'
    causes = [
        {
            "reason": "FieldValueNotFound",
            "message": f'Not found: compute template "{ref.name}" in namespace "{namespace}"',
            "field": ref.field,
        }
        for ref in references
        if ref.name in missing
    ]
    metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
    details: dict[str, Any] = {
        "name": request.params.get("name") or str(metadata.get("name") or ""),
        "group": "ray.io",
        "kind": str(body.get("kind") or request.params.get("plural") or ""),
        "causes": causes,
    }
    return status_response(422, "Invalid", message, details)
