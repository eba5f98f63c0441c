"""Kubernetes' authorization of one request against RBAC PolicyRules, written from the API's
request-attribute rules (the apiserver's RequestInfo) independently of ``bridge.rbac``, so the
tests can check that the rules it generates allow what the bridge really sends upstream."""

from __future__ import annotations

from urllib.parse import parse_qs


def request_attributes(method: str, path: str, query: str = "") -> dict:
    """``{"resource": bool, "verb", "group", "resource_name" or "path"}`` as Kubernetes reads a request."""
    parts = [part for part in path.split("/") if part]
    watch = parse_qs(query).get("watch", ["false"])[0] in ("true", "1")
    if parts[:1] == ["api"]:
        group, rest = "", parts[2:]
    elif parts[:1] == ["apis"] and len(parts) >= 3:
        group, rest = parts[1], parts[3:]
    else:
        rest = []
    if not rest:
        return {
            "resource": False,
            "verb": {"GET": "get", "HEAD": "get"}.get(method, method.lower()),
            "path": path,
        }
    if rest[0] == "namespaces" and len(rest) >= 3:
        rest = rest[2:]
    resource, name, subresource = (
        rest[0],
        rest[1] if len(rest) > 1 else None,
        rest[2] if len(rest) > 2 else None,
    )
    if method in ("GET", "HEAD"):
        verb = "watch" if watch else ("get" if name else "list")
    elif method == "DELETE":
        verb = "delete" if name else "deletecollection"
    else:
        verb = {"POST": "create", "PUT": "update", "PATCH": "patch"}[method]
    full = f"{resource}/{subresource}" if subresource else resource
    return {"resource": True, "verb": verb, "group": group, "resource_name": full}


def allowed(rules: list[dict], method: str, path: str, query: str = "") -> bool:
    """Whether some rule in ``rules`` allows the request."""
    request = request_attributes(method, path, query)
    for rule in rules:
        if request["verb"] not in rule["verbs"]:
            continue
        if request["resource"]:
            if request["group"] in rule.get("apiGroups", ()) and request["resource_name"] in rule.get(
                "resources", ()
            ):
                return True
        elif request["path"] in rule.get("nonResourceURLs", ()):
            return True
    return False
