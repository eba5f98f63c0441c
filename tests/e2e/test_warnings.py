"""Unknown-field warnings whose field name is outside Latin-1 (``café€``) reach real clients
promptly, escaped, from the embedded API (a real ``embedded-apiserver`` child) and through
the bridge (gunicorn) on v2 and v1.

The embedded server used to write such a name raw into the ``Warning`` header; the header
could not be encoded, the response stopped half-way and the client waited for its timeout
although the object was stored. The client timeouts here are short so that failure is quick.
"""

from __future__ import annotations

import pytest
import requests
from kubernetes import client as k8s

from tests.support.factories import RAYCLUSTERS, raycluster, unique

CLIENT_TIMEOUT = 5  # seconds; an answer is immediate, a hung response fails fast
ODD_FIELD = "café€"
# 299 - "unknown field \"spec.café€\"" with every non-ASCII character JSON-escaped.
SPEC_WARNING = '299 - "unknown field \\"spec.caf\\\\u00e9\\\\u20ac\\""'
V1_WARNING = '299 - "unknown field \\"caf\\\\u00e9\\\\u20ac\\""'
NAMESPACE = "default"


@pytest.fixture(scope="module")
def bridge(start_bridge, crd_dir):
    return start_bridge("--upstream", "embedded", "--embedded-crd-dir", str(crd_dir), "--workers", "1")


@pytest.fixture(scope="module")
def upstream_url(bridge) -> str:
    """The embedded API child behind the bridge, called directly."""
    ready = requests.get(bridge.url + "/readyz", timeout=5).json()
    assert ready["upstream"]["mode"] == "embedded"
    return ready["upstream"]["url"]


@pytest.fixture(params=["embedded", "bridge"])
def server_url(request, bridge, upstream_url) -> str:
    return upstream_url if request.param == "embedded" else bridge.url


def with_odd_field(name: str) -> dict:
    body = raycluster(name)
    body["spec"][ODD_FIELD] = 1
    return body


def test_requests_gets_the_escaped_warning_at_once(server_url):
    name = unique("odd")
    created = requests.post(
        server_url + RAYCLUSTERS.format(ns=NAMESPACE), json=with_odd_field(name), timeout=CLIENT_TIMEOUT
    )
    assert created.status_code == 201, created.text
    assert created.raw.headers.getlist("Warning") == [SPEC_WARNING]
    assert ODD_FIELD not in created.json()["spec"]  # pruned, as a cluster would
    stored = requests.get(f"{server_url}{RAYCLUSTERS.format(ns=NAMESPACE)}/{name}", timeout=CLIENT_TIMEOUT)
    assert stored.status_code == 200


def test_kubernetes_client_gets_the_escaped_warning_at_once(server_url):
    configuration = k8s.Configuration()
    configuration.host = server_url
    name = unique("odd")
    with k8s.ApiClient(configuration) as api_client:
        api = k8s.CustomObjectsApi(api_client)
        created, status, headers = api.create_namespaced_custom_object_with_http_info(
            "ray.io", "v1", NAMESPACE, "rayclusters", with_odd_field(name), _request_timeout=CLIENT_TIMEOUT
        )
        assert status == 201
        assert headers.getlist("Warning") == [SPEC_WARNING]
        assert created["metadata"]["name"] == name
        api.delete_namespaced_custom_object(
            "ray.io", "v1", NAMESPACE, "rayclusters", name, _request_timeout=CLIENT_TIMEOUT
        )


def test_v1_create_names_the_odd_field_escaped(bridge):
    templates = f"{bridge.url}/apis/v1/namespaces/{NAMESPACE}/compute_templates"
    template = unique("tpl")
    made = requests.post(
        templates,
        json={"name": template, "namespace": NAMESPACE, "cpu": 1, "memory": 1},
        timeout=CLIENT_TIMEOUT,
    )
    assert made.status_code == 200, made.text
    name = unique("odd")
    body = {
        "name": name,
        "namespace": NAMESPACE,
        "user": "u",
        "version": "2.46.0",
        ODD_FIELD: "x",
        "clusterSpec": {
            "headGroupSpec": {
                "computeTemplate": template,
                "image": "rayproject/ray:2.46.0",
                "rayStartParams": {"dashboard-host": "0.0.0.0"},
            }
        },
    }
    created = requests.post(
        f"{bridge.url}/apis/v1/namespaces/{NAMESPACE}/clusters", json=body, timeout=CLIENT_TIMEOUT
    )
    assert created.status_code == 200, created.text
    warnings = created.raw.headers.getlist("Warning")
    assert warnings[0] == V1_WARNING
    assert warnings[1].startswith('299 - "KubeRay APIServer v1 is deprecated')
