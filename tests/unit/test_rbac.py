"""``bridge.rbac``: the rules follow the route table they are read from."""

from __future__ import annotations

from bridge.rbac import rbac_rules
from v2proxy.routes import ROUTES


def granted(rules: list[dict]) -> dict[tuple[str, str], list[str]]:
    return {
        (group, resource): rule["verbs"]
        for rule in rules
        for group in rule.get("apiGroups", ())
        for resource in rule.get("resources", ())
    }


def test_dropping_the_service_proxy_rows_drops_their_grants():
    without = tuple(route for route in ROUTES if route.name != "service-proxy")
    before, after = granted(rbac_rules()["clusterRules"]), granted(rbac_rules(without)["clusterRules"])
    assert ("", "services/proxy") in before and ("", "services") in before
    assert ("", "services/proxy") not in after and ("", "services") not in after


def test_internal_rows_are_granted_though_http_clients_cannot_reach_them():
    rules = granted(rbac_rules()["clusterRules"])
    assert {"get", "create", "delete", "list"} <= set(rules[("", "configmaps")])
    without = tuple(route for route in ROUTES if not route.internal)
    # templates are still read by the compute-template middleware, never written
    assert granted(rbac_rules(without)["clusterRules"])[("", "configmaps")] == ["get"]


def test_cluster_scoped_and_all_namespace_grants_stay_out_of_the_namespaced_role():
    namespaced = granted(rbac_rules()["namespaceRules"])
    assert ("", "namespaces") not in namespaced
    assert not any("nonResourceURLs" in rule for rule in rbac_rules()["namespaceRules"])
    assert {"list", "watch"} <= set(namespaced[("ray.io", "rayclusters")])
