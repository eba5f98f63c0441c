"""The generated RBAC rules (``kuberay-bridge rbac``, the chart's ClusterRole and Role) allow
every request the bridge really sends upstream: kubectl and v1 clients drive a bridge whose
upstream records each call before passing it to the embedded API, and each recorded call must
be authorized by the rules as Kubernetes would read them."""

from __future__ import annotations

import json
import subprocess

import pytest
import requests
import yaml

from tests.support.bridge_process import COMMAND
from tests.support.factories import cluster_body, raycluster, template_body, unique
from tests.support.fake_upstream import forwarding_to, running_fake_upstream
from tests.support.kubectl import Kubectl
from tests.support.rbac import allowed, request_attributes


@pytest.fixture(scope="module")
def traffic(cluster, start_bridge, tmp_path_factory) -> list:
    """Every upstream call of a session of kubectl, v1 and service-proxy requests."""
    with running_fake_upstream() as upstream:
        upstream.reset(forwarding_to(cluster.url))
        bridge = start_bridge("--upstream", upstream.url)
        kubectl = Kubectl(bridge.url, tmp_path_factory.mktemp("kubectl"))
        name = unique("rbac")
        kubectl("api-resources")
        kubectl("apply", "-f", "-", stdin=json.dumps(raycluster(name)))
        kubectl("apply", "-f", "-", stdin=json.dumps(raycluster(name, labels={"team": "a"})))
        kubectl("get", "rayclusters", "-A")
        kubectl("describe", "raycluster", name)
        kubectl("patch", "raycluster", name, "--type", "merge", "-p", '{"metadata":{"labels":{"b":"c"}}}')
        kubectl("get", "events", "-A")
        kubectl("delete", "raycluster", name)

        v1 = bridge.url + "/apis/v1"
        namespace, template, v1_cluster = "default", unique("tpl"), unique("v1c")
        calls = [
            ("POST", f"{v1}/namespaces/{namespace}/compute_templates", template_body(namespace, template)),
            ("GET", f"{v1}/namespaces/{namespace}/compute_templates", None),
            ("GET", f"{v1}/compute_templates", None),
            ("POST", f"{v1}/namespaces/{namespace}/clusters", cluster_body(namespace, v1_cluster, template)),
            ("GET", f"{v1}/namespaces/{namespace}/clusters/{v1_cluster}", None),
            ("GET", f"{v1}/clusters", None),
            ("GET", f"{v1}/namespaces/{namespace}/clusters", None),
            ("DELETE", f"{v1}/namespaces/{namespace}/clusters/{v1_cluster}", None),
            ("DELETE", f"{v1}/namespaces/{namespace}/compute_templates/{template}", None),
        ]
        for method, url, body in calls:
            answer = requests.request(method, url, json=body, timeout=60)
            assert answer.status_code == 200, (method, url, answer.text)
        guarded = requests.get(
            f"{bridge.url}/api/v1/namespaces/{namespace}/services/not-ray:8265/proxy/", timeout=60
        )
        assert guarded.status_code == 404  # after the guard's LIST of Services
        bridge.stop()
        return list(upstream.calls)


def generated_rules() -> dict:
    printed = subprocess.run([*COMMAND, "rbac"], capture_output=True, text=True, timeout=60, check=True)
    return yaml.safe_load(printed.stdout)


def test_the_cluster_rules_allow_every_call_the_bridge_sends_upstream(traffic):
    rules = generated_rules()["clusterRules"]
    seen = {(request_attributes(c.method, c.path, c.query).get("resource_name"), c.method) for c in traffic}
    # the session reached ray.io objects, templates, events and the service guard
    assert {("rayclusters", "POST"), ("configmaps", "POST"), ("events", "GET"), ("services", "GET")} <= seen
    refused = [f"{c.method} {c.raw_uri}" for c in traffic if not allowed(rules, c.method, c.path, c.query)]
    assert not refused


def test_the_namespace_rules_allow_every_call_into_one_namespace(traffic):
    rules = generated_rules()["namespaceRules"]
    inside = [c for c in traffic if "/namespaces/default/" in c.path]
    assert len(inside) > 10
    refused = [f"{c.method} {c.raw_uri}" for c in inside if not allowed(rules, c.method, c.path, c.query)]
    assert not refused


@pytest.mark.parametrize(
    "method, path",
    [
        ("GET", "/api/v1/namespaces/default/secrets"),
        ("GET", "/api/v1/namespaces/default/pods"),
        ("POST", "/api/v1/namespaces/default/services"),
        ("DELETE", "/api/v1/namespaces/default/configmaps"),
        ("GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles"),
    ],
)
def test_the_rules_refuse_what_the_bridge_never_calls(method, path):
    assert not allowed(generated_rules()["clusterRules"], method, path)
