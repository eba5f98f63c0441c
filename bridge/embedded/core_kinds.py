"""What the API server adds to the built-in kinds served here: a namespace is Active and
labelled with its name, a Service gets defaults and a cluster IP that never changes."""

from __future__ import annotations

import ipaddress
import secrets

from bridge.embedded import typed
from bridge.embedded.resources import Resource
from bridge.embedded.validation import invalid_field

# 10.96.0.1 - 10.111.255.254: the default service CIDR of kubeadm and kind.
_SERVICE_CIDR_START = int(ipaddress.IPv4Address("10.96.0.1"))
_SERVICE_CIDR_SIZE = 2**20 - 2


def check_shape(resource: Resource, obj: dict) -> None:
    """The typed decoding Kubernetes does (400, in Go's words, for a value of the wrong type)."""
    typed.check(resource, obj)


def defaults(resource: Resource, obj: dict) -> dict:
    """The few defaults clients look at (a namespace is Active, a Service port speaks TCP)."""
    if resource.storage_key == "v1/namespaces":
        meta = obj["metadata"]
        meta["labels"] = {**(meta.get("labels") or {}), "kubernetes.io/metadata.name": meta["name"]}
        obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
        obj["status"] = {"phase": "Active"}
    elif resource.storage_key == "v1/services":
        spec = obj.setdefault("spec", {})
        spec.setdefault("type", "ClusterIP")
        spec.setdefault("sessionAffinity", "None")
        for port in spec.get("ports") or []:
            if isinstance(port, dict):
                port.setdefault("protocol", "TCP")
                if "port" in port:
                    port.setdefault("targetPort", port["port"])
        obj.setdefault("status", {"loadBalancer": {}})
    return obj


def allocate_cluster_ip(service: dict, taken: set[str]) -> dict:
    """A Service without ``clusterIP`` gets a free one from 10.96.0.0/12, as the API server's
    allocator gives; headless and ExternalName Services get none. An address given by the
    client is kept as is (the embedded server's service proxy dials loopback addresses)."""
    spec = service.setdefault("spec", {})
    if spec.get("type") == "ExternalName":
        return service
    if not spec.get("clusterIP"):
        while True:
            address = str(ipaddress.IPv4Address(_SERVICE_CIDR_START + secrets.randbelow(_SERVICE_CIDR_SIZE)))
            if address not in taken:
                break
        spec["clusterIP"] = address
    spec.setdefault("clusterIPs", [spec["clusterIP"]])
    spec.setdefault("ipFamilies", ["IPv4"])
    spec.setdefault("ipFamilyPolicy", "SingleStack")
    spec.setdefault("internalTrafficPolicy", "Cluster")
    return service


def keep_cluster_ip(resource: Resource, name: str, new: dict, old: dict) -> None:
    """An update may leave ``clusterIP`` out (it is kept) but may not change it."""
    spec, old_spec = new.setdefault("spec", {}), old.get("spec") or {}
    for field in ("clusterIP", "clusterIPs"):
        if field not in old_spec:
            continue
        if not spec.get(field):
            spec[field] = old_spec[field]
        elif spec[field] != old_spec[field] and spec.get("type") != "ExternalName":
            raise invalid_field(
                resource,
                name,
                f"spec.{field}",
                spec[field] if isinstance(spec[field], str) else f"{spec[field]}",
                "field is immutable",
            )
