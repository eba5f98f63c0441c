"""The objects the v1 API manages, and the three flows every v1 kind shares over them.

The Go server read, listed and deleted only what it created: RayClusters (and later RayJobs
and RayServices) labelled ``app.kubernetes.io/managed-by=kuberay-apiserver``, and ConfigMaps
labelled ``ray.io/config-type=compute-template``. Each kind is one ``ManagedKind``; the flows
below turn the v2 answers into the Go server's errors, message for message:

- ``fetch``: get one object, 404 ``<Noun> <name> not found`` when it is missing *or* not
  managed (the Go server answered 500 for the latter, or read any ConfigMap of that name);
- ``list_items``: list with the kind's label selector, so unmanaged objects never show;
- ``delete``: look the object up first (an unmanaged one is never deleted), then delete it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from bridge.kube.text import InvalidUnicode, check_unicode
from v1compat import convert
from v1compat.errors import Code, V1Error, invalid_input_with_details, not_found
from v1compat.wire import k8s_message, upstream_error, warn_client, write_failure

log = logging.getLogger("kuberay_bridge.v1")


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


@dataclass(frozen=True)
class ManagedKind:
    """One kind of object the v1 API manages, as its flows need to know it.

    ``noun`` starts the Go not-found message (``Cluster c not found``); ``path(namespace,
    name)`` is the v2 path of the collection or the object; ``selector`` is the label selector
    of everything the v1 API manages; ``owns`` tells whether one fetched object carries it, and
    ``not_owned(name)`` is the cause the 404 gives when not; ``get_failed`` wraps an upstream
    failure of the lookup and ``delete_failed(name)`` one of the delete, in the Go texts.
    """

    noun: str
    path: Callable[[str | None, str | None], str]
    selector: str
    owns: Callable[[dict[str, Any]], bool]
    not_owned: Callable[[str], str]
    get_failed: str
    delete_failed: Callable[[str], str]

    def not_found_message(self, name: str) -> str:
        return f"{self.noun} {name} not found"


def fetch(client: V2Calls, kind: ManagedKind, namespace: str, name: str, *context: str) -> dict[str, Any]:
    """The object if it exists and the v1 API manages it; the Go NotFound under ``context``
    otherwise, and any other upstream failure in the Go form."""
    result = client.get(kind.path(namespace, name))
    message = kind.not_found_message(name)
    if result.status == 404:
        raise not_found(message, k8s_message(result.status, result.body), *context)
    if not result.ok:
        raise upstream_error(result.status, result.body, *context, kind.get_failed)
    if not kind.owns(result.body):
        raise not_found(message, kind.not_owned(name), *context)
    return result.body


def list_items(
    client: V2Calls,
    kind: ManagedKind,
    namespace: str | None,
    *context: str,
    query: Sequence[tuple[str, str]] = (),
) -> tuple[list[dict[str, Any]], str]:
    """The managed objects of ``namespace`` (None: of all namespaces) and the ``continue``
    token of the next page; ``query`` adds to the selector (``limit``, ``continue``)."""
    result = client.list(kind.path(namespace, None), query=[("labelSelector", kind.selector), *query])
    if not result.ok:
        raise upstream_error(result.status, result.body, *context)
    items = result.body.get("items") or []
    return items, (result.body.get("metadata") or {}).get("continue", "")


def convert_each(
    items: Sequence[Any], convert: Callable[..., dict[str, Any]], *extra: Sequence[Any]
) -> list[Any]:
    """``convert(item, *extras)`` for each item; an item that no v1 message can carry (a
    conversion that fails, text that is not valid Unicode) is left out with a warning naming
    it, so one broken object never breaks the list for every other."""
    converted = []
    for item, *item_extra in zip(items, *extra, strict=True):
        try:
            converted.append(check_unicode(convert(item, *item_extra)))
        except (InvalidUnicode, ValueError, TypeError, KeyError, AttributeError) as error:
            metadata = item.get("metadata") if isinstance(item, dict) else None
            name = metadata.get("name") if isinstance(metadata, dict) else None
            log.warning("left %r out of a v1 list: it cannot be converted (%s)", name, error)
    return converted


def delete(client: V2Calls, kind: ManagedKind, namespace: str, name: str, lookup_context: str) -> None:
    """Delete a managed object: the lookup fails like ``fetch`` under ``lookup_context``, a
    delete that finds nothing any more is the same NotFound, any other failure the Go one."""
    fetch(client, kind, namespace, name, lookup_context)
    result = client.delete(kind.path(namespace, name))
    if result.status == 404:
        raise not_found(kind.not_found_message(name), k8s_message(result.status, result.body), lookup_context)
    if not result.ok:
        raise write_failure(result.status, result.body, kind.delete_failed(name))


def warn_unshown(
    kind: str,
    path: Callable[[str, str], str],
    objects: Sequence[Any],
    unshown: Callable[[dict[str, Any]], list[str]],
) -> None:
    """Say which fields of these objects (``kind`` RayCluster, RayJob...) this v1 answer leaves
    out, as ``unshown`` finds them (set through v2, or a CRD newer than the v1 API): a v1
    client that re-creates what it read would lose them. One ``Warning`` names the first such
    object, its fields and its v2 path, and counts the others."""
    found = [(item, fields) for item in objects if isinstance(item, dict) and (fields := unshown(item))]
    if not found:
        return
    first, fields = found[0]
    metadata = first.get("metadata") or {}
    namespace, name = metadata.get("namespace") or "", metadata.get("name") or ""
    more = f" (and {len(found) - 1} more {kind}s)" if len(found) > 1 else ""
    warn_client(
        f"{kind} {namespace}/{name} has fields the v1 API cannot show: {', '.join(fields)}{more}; "
        f"read them through v2: GET {path(namespace, name)}"
    )


@contextmanager
def building(namespace: str, build_failed: str, *context: str) -> Iterator[None]:
    """A v1 message becoming its custom resource: a template the message names but nobody
    resolved is the Go server's 404 ``Compute template ... not found in namespace ...``, any
    other conversion error its 400 ``<build_failed>: ...`` with the cause, under ``context``."""
    try:
        yield
    except convert.MissingTemplateError as error:
        raise V1Error(
            Code.NOT_FOUND, f"Compute template {error.name} not found in namespace {namespace}"
        ) from None
    except convert.ConversionError as error:
        raise invalid_input_with_details(build_failed, str(error), *context) from None


def clock_time(clock: Callable[[], int]) -> tuple[datetime, int]:
    """``clock()`` (nanoseconds since the epoch) as a UTC time and its nanosecond: Go's
    ``time.Now().String()``, which the creation annotations hold, shows both."""
    seconds, nanosecond = divmod(clock(), 1_000_000_000)
    return datetime.fromtimestamp(seconds, UTC), nanosecond
