"""RayServices through a real ``kuberay-bridge serve`` (gunicorn) the way KubeRay's v1 Python
client talks to the APIServer.

``clients/python-apiserver-client`` (ray-project/kuberay) has no RayService methods: its
``KubeRayAPIs`` covers templates, clusters and job submissions only. So these calls are the
service routes made with that client's HTTP habits, written here with ``requests``: the same
module-level headers (``Content-Type`` and ``accept`` JSON), camelCase bodies with enums as
integers, ``status_code // 100 != 2`` as the failure test, ``response.json()["message"]`` as
the error text, and answers read with ``dict.get`` on camelCase keys. The list calls use the
``pageSize``/``pageToken`` query the Go client (``apiserver/pkg/http/client.go``) sends.
Objects made through v1 are then read through v2 on the same port, and the other way round.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.support.factories import SERVE_CONFIG, rayservice, unique

HEADERS = {"Content-Type": "application/json", "accept": "application/json"}
TIMEOUT = (50, 50)
API = "/apis/v1/"
MANAGED = {"app.kubernetes.io/managed-by": "kuberay-apiserver"}


class ServiceCalls:
    """The calls, each answering ``(status, message, value)`` as the client's methods do."""

    def __init__(self, base: str):
        self.base = base

    def _answer(self, response: requests.Response, read=None) -> tuple[int, Any, Any]:
        if response.status_code // 100 != 2:
            return response.status_code, response.json()["message"], None
        return response.status_code, None, read(response.json()) if read else None

    def create_template(self, ns: str, name: str) -> tuple[int, Any, Any]:
        body = {"name": name, "namespace": ns, "cpu": 2, "memory": 4, "gpu": 0}
        url = self.base + API + f"namespaces/{ns}/compute_templates"
        return self._answer(requests.post(url, json=body, headers=HEADERS, timeout=TIMEOUT))

    def create_service(self, body: dict) -> tuple[int, Any, Any]:
        url = self.base + API + f"namespaces/{body['namespace']}/services"
        return self._answer(requests.post(url, json=body, headers=HEADERS, timeout=TIMEOUT), dict)

    def update_service(self, body: dict) -> tuple[int, Any, Any]:
        url = self.base + API + f"namespaces/{body['namespace']}/services/{body['name']}"
        return self._answer(requests.put(url, json=body, headers=HEADERS, timeout=TIMEOUT), dict)

    def get_service(self, ns: str, name: str) -> tuple[int, Any, Any]:
        url = self.base + API + f"namespaces/{ns}/services/{name}"
        return self._answer(requests.get(url, headers=HEADERS, timeout=TIMEOUT), dict)

    def list_services(self, ns: str | None = None, page_size: int = 0) -> tuple[int, Any, Any]:
        """Every page, following ``nextPageToken``; the services as (namespace, name) pairs."""
        url = self.base + API + (f"namespaces/{ns}/services" if ns else "services")
        found: list[tuple[str, str]] = []
        token = ""
        while True:
            params = {"pageSize": page_size} if page_size else {}
            if token:
                params["pageToken"] = token
            response = requests.get(url, params=params, headers=HEADERS, timeout=TIMEOUT)
            status, message, page = self._answer(response, dict)
            if message is not None:
                return status, message, None
            found += [(s.get("namespace"), s.get("name")) for s in page.get("services", [])]
            token = page.get("nextPageToken", "")
            if not token:
                return status, None, found

    def delete_service(self, ns: str, name: str) -> tuple[int, Any, Any]:
        url = self.base + API + f"namespaces/{ns}/services/{name}"
        return self._answer(requests.delete(url, headers=HEADERS, timeout=TIMEOUT))


def service_request(ns: str, name: str, replicas: int = 1) -> dict:
    return {
        "name": name,
        "namespace": ns,
        "user": "boris",
        "version": "2.46.0",
        "serveConfigV2": SERVE_CONFIG,
        "serviceUnhealthySecondThreshold": 900,
        "deploymentUnhealthySecondThreshold": 300,
        "clusterSpec": {
            "headGroupSpec": {
                "computeTemplate": "default-template",
                "image": "rayproject/ray:2.46.0",
                "serviceType": "ClusterIP",
                "rayStartParams": {"dashboard-host": "0.0.0.0", "metrics-export-port": "8080"},
                "environment": {"values": {"MODE": "serve"}},
            },
            "workerGroupSpec": [
                {
                    "groupName": "small-wg",
                    "computeTemplate": "default-template",
                    "image": "rayproject/ray:2.46.0",
                    "replicas": replicas,
                    "minReplicas": 0,
                    "maxReplicas": 5,
                    "rayStartParams": {"node-ip-address": "$MY_POD_IP"},
                }
            ],
        },
    }


@pytest.fixture(scope="module")
def base(start_bridge, cluster) -> str:
    return start_bridge("--upstream", cluster.url, "--workers", "2").url


@pytest.fixture
def calls(base) -> ServiceCalls:
    return ServiceCalls(base)


def make_namespace(cluster, name: str) -> str:
    answer = requests.post(
        cluster.url + "/api/v1/namespaces",
        json={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}},
        timeout=30,
    )
    assert answer.status_code in (201, 409), answer.text
    return name


def test_the_service_lifecycle_round_trips_through_gunicorn(calls, cluster, base):
    ns = make_namespace(cluster, unique("svc"))
    assert calls.create_template(ns, "default-template")[:2] == (200, None)

    status, message, created = calls.create_service(service_request(ns, "fruits"))
    assert (status, message) == (200, None)
    assert created.get("serveConfigV2") == SERVE_CONFIG
    assert created.get("rayServiceStatus") == {} and created.get("deleteAt") == "1969-12-31T23:59:59Z"
    head = created["clusterSpec"]["headGroupSpec"]
    assert head.get("environment") == {"values": {"MODE": "serve"}}

    status, message, read = calls.get_service(ns, "fruits")
    assert (status, message, read) == (200, None, created)

    status, message, updated = calls.update_service(service_request(ns, "fruits", replicas=3))
    assert (status, message) == (200, None)
    assert updated["clusterSpec"]["workerGroupSpec"][0].get("replicas") == 3

    # what v1 made is a RayService through v2, on the same port
    cr = requests.get(f"{base}/apis/ray.io/v1/namespaces/{ns}/rayservices/fruits", timeout=30).json()
    assert cr["spec"]["rayClusterConfig"]["workerGroupSpecs"][0]["replicas"] == 3
    assert cr["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "kuberay-apiserver"

    assert calls.delete_service(ns, "fruits")[:2] == (200, None)
    status, message, _ = calls.get_service(ns, "fruits")
    assert status == 404 and message.startswith("Service fruits not found")


def test_v2_made_services_list_through_v1_page_by_page(calls, cluster, base):
    ns = make_namespace(cluster, unique("svc"))
    for index in range(3):
        made = rayservice(f"made-{index}", labels={**MANAGED, "ray.io/user": "v2"})
        answer = requests.post(f"{base}/apis/ray.io/v1/namespaces/{ns}/rayservices", json=made, timeout=30)
        assert answer.status_code == 201, answer.text
    unmanaged = requests.post(
        f"{base}/apis/ray.io/v1/namespaces/{ns}/rayservices", json=rayservice("not-mine"), timeout=30
    )
    assert unmanaged.status_code == 201
    status, message, found = calls.list_services(ns, page_size=2)
    assert (status, message) == (200, None)
    assert sorted(found) == [(ns, "made-0"), (ns, "made-1"), (ns, "made-2")]
    status, message, everywhere = calls.list_services(page_size=1)
    assert (status, message) == (200, None)
    assert {(ns, "made-0"), (ns, "made-1"), (ns, "made-2")} <= set(everywhere)
    assert (ns, "not-mine") not in everywhere
    status, message, service = calls.get_service(ns, "made-1")
    assert (status, message) == (200, None) and service.get("user") == "v2"


def test_errors_read_as_the_client_reads_them(calls, cluster):
    ns = make_namespace(cluster, unique("svc"))
    status, message, _ = calls.create_service(service_request(ns, "no-template"))
    assert status == 404 and message.startswith("Compute template default-template not found")
    calls.create_template(ns, "default-template")
    body = service_request(ns, "no-serve")
    del body["serveConfigV2"]
    status, message, _ = calls.create_service(body)
    assert status == 400 and message.endswith("serve configuration is not defined")
    status, message, _ = calls.update_service(service_request(ns, "never-made"))
    assert status == 404 and message.startswith("Service never-made not found")
