"""RayServices over v1 HTTP against the embedded Kubernetes API: the answer field by field, the
RayService it leaves behind (seen through v2), read-back of v2-made objects and of the status
the operator writes, events, pagination, list-all across namespaces, the optimistic PUT, and
every error message."""

from __future__ import annotations

import copy
import re

import pytest

from tests.support.asserts import v1_error
from tests.support.factories import SERVE_CONFIG, create_template, rayservice, service_body
from tests.support.fake_upstream import forwarding_to, running_fake_upstream

SV = "/apis/v1/namespaces/{ns}/services"
RAY = "/apis/ray.io/v1/namespaces/{ns}/rayservices"
MANAGED = {"app.kubernetes.io/managed-by": "kuberay-apiserver"}
GO_TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d*[1-9])? \+0000 UTC$")
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


@pytest.fixture
def tns(bridge, ns) -> str:
    """A namespace holding ``default-template`` (cpu 2, memory 4Gi)."""
    create_template(bridge, ns)
    return ns


def create(bridge, ns, body=None, **kwargs):
    answer = bridge.post(SV.format(ns=ns), json=body or service_body(ns, **kwargs))
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()


EXPECTED_CLUSTER_SPEC = {
    "headGroupSpec": {
        "computeTemplate": "default-template",
        "image": "rayproject/ray:2.46.0",
        "serviceType": "NodePort",
        "rayStartParams": {"dashboard-host": "0.0.0.0"},
        "environment": {},
    },
    "workerGroupSpec": [
        {
            "groupName": "small-wg",
            "computeTemplate": "default-template",
            "replicas": 1,
            "minReplicas": 1,
            "maxReplicas": 5,
            "rayStartParams": {"node-ip-address": "$MY_POD_IP"},
            "environment": {},
        }
    ],
}


def test_create_answers_the_service_as_the_go_server_reads_it_back(bridge, tns):
    answer = bridge.post(SV.format(ns=tns), json=service_body(tns))
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/json"
    service = answer.get_json()
    assert RFC3339.match(service.pop("createdAt"))
    assert service == {
        "name": "test-service",
        "namespace": tns,
        "user": "user",
        "version": "2.46.0",
        "serveConfigV2": SERVE_CONFIG,
        "serviceUnhealthySecondThreshold": 900,
        "deploymentUnhealthySecondThreshold": 300,
        "clusterSpec": EXPECTED_CLUSTER_SPEC,
        "rayServiceStatus": {},  # always there; nothing reported yet
        "deleteAt": "1969-12-31T23:59:59Z",  # Go's Timestamp{Seconds: -1}
    }


def test_the_service_is_a_correct_rayservice_through_v2(bridge, kube, tns):
    create(bridge, tns)
    cr = kube.get(f"{RAY.format(ns=tns)}/test-service").json()
    metadata = cr["metadata"]
    assert metadata["labels"] == {
        "ray.io/user": "user",
        "app.kubernetes.io/name": "kuberay",
        "app.kubernetes.io/managed-by": "kuberay-apiserver",
    }
    assert list(metadata["annotations"]) == ["ray.io/creation-timestamp"]
    assert GO_TIME.match(metadata["annotations"]["ray.io/creation-timestamp"])
    spec = cr["spec"]
    assert spec["serveConfigV2"] == SERVE_CONFIG
    assert spec["serviceUnhealthySecondThreshold"] == 900
    assert spec["deploymentUnhealthySecondThreshold"] == 300
    cluster = spec["rayClusterConfig"]
    assert cluster["rayVersion"] == "2.46.0"
    head = cluster["headGroupSpec"]["template"]["spec"]["containers"][0]
    ports = {port["name"]: port["containerPort"] for port in head["ports"]}
    assert ports["dashboard-agent"] == 52365 and ports["serve"] == 8000  # always, for services
    assert [w["groupName"] for w in cluster["workerGroupSpecs"]] == ["small-wg"]


def test_get_and_list_read_back_what_create_answered(bridge, tns):
    created = create(bridge, tns)
    assert bridge.get(f"{SV.format(ns=tns)}/test-service").get_json() == created
    listed = bridge.get(SV.format(ns=tns)).get_json()
    assert listed == {"services": [created]}  # no totalSize, no nextPageToken on the last page


def test_thresholds_are_left_out_when_not_positive(bridge, kube, tns):
    body = service_body(tns)
    body.update(serviceUnhealthySecondThreshold=0, deploymentUnhealthySecondThreshold=-5)
    service = create(bridge, tns, body)
    assert "serviceUnhealthySecondThreshold" not in service
    assert "deploymentUnhealthySecondThreshold" not in service
    spec = kube.get(f"{RAY.format(ns=tns)}/test-service").json()["spec"]
    assert "serviceUnhealthySecondThreshold" not in spec and "deploymentUnhealthySecondThreshold" not in spec


def test_snake_case_names_and_string_numbers_are_accepted(bridge, tns):
    body = service_body(tns)
    body["serve_config_V2"] = body.pop("serveConfigV2")
    body["service_unhealthy_second_threshold"] = str(body.pop("serviceUnhealthySecondThreshold"))
    service = create(bridge, tns, body)
    assert service["serveConfigV2"] == SERVE_CONFIG and service["serviceUnhealthySecondThreshold"] == 900


def test_a_managed_rayservice_made_through_v2_reads_back_through_v1(bridge, kube, tns):
    made = rayservice("from-v2", labels={**MANAGED, "ray.io/user": "someone"})
    assert kube.post(RAY.format(ns=tns), json=made).status_code == 201
    service = bridge.get(f"{SV.format(ns=tns)}/from-v2").get_json()
    assert service["user"] == "someone" and service["version"] == "2.9.0"
    assert service["serveConfigV2"] == SERVE_CONFIG
    assert service["clusterSpec"] == {"headGroupSpec": {}}  # nothing the v1 API wrote
    names = [s["name"] for s in bridge.get(SV.format(ns=tns)).get_json()["services"]]
    assert names == ["from-v2"]
    everywhere = bridge.get("/apis/v1/services").get_json()["services"]
    assert (tns, "from-v2") in {(s["namespace"], s["name"]) for s in everywhere}


def test_unmanaged_rayservices_are_invisible_to_v1(bridge, kube, tns):
    assert kube.post(RAY.format(ns=tns), json=rayservice("foreign")).status_code == 201
    assert bridge.get(SV.format(ns=tns)).get_json() == {"services": []}
    cause = "RayService with name foreign not managed by kuberay-apiserver"
    not_managed = "Service foreign not found: {}: NotFoundError: Service foreign not found: " + cause
    v1_error(bridge.get(f"{SV.format(ns=tns)}/foreign"), 404, 5, not_managed.format("get ray service failed"))
    v1_error(
        bridge.delete(f"{SV.format(ns=tns)}/foreign"),
        404,
        5,
        not_managed.format("delete ray service failure"),
    )
    body = {**service_body(tns), "name": "foreign"}
    assert bridge.put(f"{SV.format(ns=tns)}/foreign", json=body).status_code == 404
    assert (
        kube.get(f"{RAY.format(ns=tns)}/foreign").json()["spec"]["rayClusterConfig"]["rayVersion"] == "2.9.0"
    )


ACTIVE_STATUS = {
    "activeServiceStatus": {
        "rayClusterName": "test-service-raycluster-abcde",
        "rayClusterStatus": {"state": "ready", "endpoints": {"dashboard": "8265", "serve": "8000"}},
        "applicationStatuses": {
            "fruit_app": {
                "status": "RUNNING",
                "message": "all good",
                "serveDeploymentStatuses": {
                    "MangoStand": {"status": "HEALTHY"},
                    "FruitMarket": {"status": "UNHEALTHY", "message": "replica died"},
                },
            },
            "math_app": {"status": "DEPLOYING"},
        },
    },
    "pendingServiceStatus": {"rayClusterName": "test-service-raycluster-next"},
}


def test_the_status_the_operator_writes_reads_back(bridge, kube, tns):
    create(bridge, tns)
    answer = kube.patch(
        f"{RAY.format(ns=tns)}/test-service/status",
        json={"status": ACTIVE_STATUS},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert answer.status_code == 200, answer.text
    status = bridge.get(f"{SV.format(ns=tns)}/test-service").get_json()["rayServiceStatus"]
    assert status == {
        "rayClusterName": "test-service-raycluster-abcde",
        "rayClusterState": "ready",
        "serviceEndpoint": {"dashboard": "8265", "serve": "8000"},
        "serveApplicationStatus": [
            {
                "name": "fruit_app",
                "status": "RUNNING",
                "message": "all good",
                "serveDeploymentStatus": [  # Kubernetes answers map keys sorted
                    {"deploymentName": "FruitMarket", "status": "UNHEALTHY", "message": "replica died"},
                    {"deploymentName": "MangoStand", "status": "HEALTHY"},
                ],
            },
            {"name": "math_app", "status": "DEPLOYING"},
        ],
    }


def event(name: str, about: str, kind: str, namespace: str) -> dict:
    return {
        "apiVersion": "events.k8s.io/v1",
        "kind": "Event",
        "metadata": {"name": name},
        "eventTime": "2026-01-02T03:04:05.000000Z",
        "reportingController": "ray-operator",
        "reportingInstance": "op-1",
        "action": "Update",
        "reason": "Reconciled",
        "note": f"note for {about}",
        "type": "Normal",
        "regarding": {"apiVersion": "ray.io/v1", "kind": kind, "name": about, "namespace": namespace},
    }


def post_event(kube, namespace: str, item: dict) -> None:
    assert kube.post(f"/apis/events.k8s.io/v1/namespaces/{namespace}/events", json=item).status_code == 201


def test_events_of_the_service_and_of_its_active_cluster_are_attached(bridge, kube, tns):
    create(bridge, tns)
    kube.patch(
        f"{RAY.format(ns=tns)}/test-service/status",
        json={"status": ACTIVE_STATUS},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    post_event(kube, tns, event("svc.1", "test-service", "RayService", tns))
    post_event(kube, tns, event("cl.1", "test-service-raycluster-abcde", "RayCluster", tns))
    post_event(kube, tns, event("other.1", "other", "RayService", tns))
    events = bridge.get(f"{SV.format(ns=tns)}/test-service").get_json()["rayServiceStatus"][
        "rayServiceEvents"
    ]
    assert [e["id"] for e in events] == ["svc.1", "cl.1"]  # the service's first, as Go appended them
    first = events[0]
    assert RFC3339.match(first.pop("createdAt"))
    assert first == {
        "id": "svc.1",
        "name": "test-service-svc.1",
        "firstTimestamp": "2026-01-02T03:04:05Z",
        "lastTimestamp": "2026-01-02T03:04:05Z",
        "reason": "Reconciled",
        "message": "note for test-service",
        "type": "Normal",
    }
    assert events[1]["name"] == "test-service-cl.1"  # named after the service, as in Go
    listed = bridge.get(SV.format(ns=tns)).get_json()["services"][0]["rayServiceStatus"]["rayServiceEvents"]
    assert [e["id"] for e in listed] == ["svc.1", "cl.1"]


def test_list_all_keeps_same_named_services_and_their_events_apart(bridge, kube, tns):
    other = kube.create_namespace(f"{tns}-b")
    create_template(bridge, other)
    create(bridge, tns)
    create(bridge, other)
    post_event(kube, other, event("b.1", "test-service", "RayService", other))
    everywhere = bridge.get("/apis/v1/services").get_json()["services"]
    mine = {s["namespace"]: s for s in everywhere if s["namespace"] in (tns, other)}
    assert set(mine) == {tns, other}
    assert "rayServiceEvents" not in mine[tns]["rayServiceStatus"]
    assert [e["id"] for e in mine[other]["rayServiceStatus"]["rayServiceEvents"]] == ["b.1"]


def collect_pages(bridge, path: str, size: int, size_name="pageSize", token_name="pageToken"):
    """Follow ``nextPageToken`` to the end; each page as (namespace, name) pairs."""
    pages, token = [], None
    while True:
        query = {size_name: size, **({token_name: token} if token else {})}
        body = bridge.get(path, query_string=query).get_json()
        assert "totalSize" not in body
        pages.append([(s["namespace"], s["name"]) for s in body["services"]])
        token = body.get("nextPageToken")
        if not token:
            return pages


@pytest.mark.parametrize(
    ("size_name", "token_name"), [("pageSize", "pageToken"), ("page_size", "page_token")]
)
def test_pagination_walks_every_page_once(bridge, tns, size_name, token_name):
    names = [f"s{i}" for i in range(5)]
    for name in names:
        create(bridge, tns, name=name)
    pages = collect_pages(bridge, SV.format(ns=tns), 2, size_name, token_name)
    assert [len(page) for page in pages] == [2, 2, 1]
    assert sorted(name for _, name in sum(pages, [])) == names


def test_list_all_paginates_across_namespaces(bridge, kube, tns):
    other = kube.create_namespace(f"{tns}-p")
    create_template(bridge, other)
    create(bridge, tns, name="p1")
    create(bridge, other, name="p2")
    pages = collect_pages(bridge, "/apis/v1/services", 1)
    seen = sum(pages, [])
    assert all(len(page) == 1 for page in pages)
    assert {(tns, "p1"), (other, "p2")} <= set(seen)
    assert len(seen) == len(set(seen))


def test_bad_page_size_is_400(bridge, tns):
    answer = bridge.get(SV.format(ns=tns), query_string={"pageSize": "ten"})
    assert (
        v1_error(answer, 400, 3)
        == 'parsing field "page_size": strconv.ParseInt: parsing "ten": invalid syntax'
    )
    answer = bridge.get("/apis/v1/services", query_string={"page_size": str(2**31)})
    assert v1_error(answer, 400, 3) == (
        f'parsing field "page_size": strconv.ParseInt: parsing "{2**31}": value out of range'
    )
    answer = bridge.get("/apis/v1/services?pageSize=1&pageSize=2")
    assert v1_error(answer, 400, 3) == 'too many values for field "page_size": 1, 2'  # the proto name


# --- update ---------------------------------------------------------------------------------


def updated_body(ns: str) -> dict:
    body = service_body(ns)
    body["serveConfigV2"] = SERVE_CONFIG.replace("/fruit", "/fruits")
    body["clusterSpec"]["workerGroupSpec"][0]["replicas"] = 3
    body.pop("deploymentUnhealthySecondThreshold")
    return body


def test_put_replaces_the_spec_as_the_go_server_did(bridge, kube, tns):
    create(bridge, tns)
    answer = bridge.put(f"{SV.format(ns=tns)}/test-service", json=updated_body(tns))
    assert answer.status_code == 200, answer.get_data(as_text=True)
    service = answer.get_json()
    assert "/fruits" in service["serveConfigV2"]
    assert service["clusterSpec"]["workerGroupSpec"][0]["replicas"] == 3
    assert "deploymentUnhealthySecondThreshold" not in service  # replaced, not merged
    assert bridge.get(f"{SV.format(ns=tns)}/test-service").get_json() == service
    metadata = kube.get(f"{RAY.format(ns=tns)}/test-service").json()["metadata"]
    assert list(metadata["annotations"]) == ["ray.io/update-timestamp"]
    assert GO_TIME.match(metadata["annotations"]["ray.io/update-timestamp"])
    assert metadata["labels"]["app.kubernetes.io/managed-by"] == "kuberay-apiserver"


def test_put_keeps_the_objects_own_metadata(bridge, kube, tns):
    create(bridge, tns)
    before = kube.get(f"{RAY.format(ns=tns)}/test-service").json()["metadata"]
    assert bridge.put(f"{SV.format(ns=tns)}/test-service", json=updated_body(tns)).status_code == 200
    after = kube.get(f"{RAY.format(ns=tns)}/test-service").json()["metadata"]
    assert after["uid"] == before["uid"] and after["resourceVersion"] != before["resourceVersion"]


def test_a_change_between_the_read_and_the_write_is_409_and_survives(app, embedded, kube, tns):
    """The PUT reads the object, then writes it with the resourceVersion it read; another
    client's change in between (made here by the fake upstream, right after it forwarded the
    read) makes Kubernetes refuse the write, and the v1 client gets Aborted, not an overwrite."""
    from bridge.app import create_app
    from bridge.core.config import BridgeConfig

    create(app.test_client(), tns)
    path = f"{RAY.format(ns=tns)}/test-service"
    forward = forwarding_to(embedded.url)

    def change_after_the_read(call, number):
        answer = forward(call, number)
        if call.method == "GET" and call.path == path:
            patch = {"metadata": {"labels": {"changed-by": "someone-else"}}}
            changed = kube.patch(path, json=patch, headers={"Content-Type": "application/merge-patch+json"})
            assert changed.status_code == 200, changed.text
        return answer

    with running_fake_upstream() as upstream:
        upstream.reset(change_after_the_read)
        racing = create_app(BridgeConfig(upstream=upstream.url)).test_client()
        answer = racing.put(f"{SV.format(ns=tns)}/test-service", json=updated_body(tns))
        methods = [(call.method, call.path) for call in upstream.calls if call.path == path]
    message = v1_error(answer, 409, 10)
    assert message.startswith("Service test-service was changed by another client")
    assert methods == [("GET", path), ("PUT", path)]
    stored = kube.get(path).json()
    assert stored["metadata"]["labels"]["changed-by"] == "someone-else"
    assert "/fruits" not in stored["spec"]["serveConfigV2"]


def test_a_delete_between_the_read_and_the_write_is_404_and_nothing_comes_back(app, embedded, kube, tns):
    from bridge.app import create_app
    from bridge.core.config import BridgeConfig

    create(app.test_client(), tns)
    path = f"{RAY.format(ns=tns)}/test-service"
    forward = forwarding_to(embedded.url)

    def delete_after_the_read(call, number):
        answer = forward(call, number)
        if call.method == "GET" and call.path == path:
            assert kube.delete(path).status_code == 200
        return answer

    with running_fake_upstream() as upstream:
        upstream.reset(delete_after_the_read)
        racing = create_app(BridgeConfig(upstream=upstream.url)).test_client()
        answer = racing.put(f"{SV.format(ns=tns)}/test-service", json=updated_body(tns))
    message = v1_error(answer, 404, 5)
    assert message.startswith("Service test-service not found: Update ray service failed.: NotFoundError: ")
    assert kube.get(path).status_code == 404


def test_put_path_name_must_match_the_body_name(bridge, kube, tns):
    create(bridge, tns)
    create(bridge, tns, name="second")
    message = "The name in the request path is different from the name in the service definition."
    answer = bridge.put(f"{SV.format(ns=tns)}/second", json=updated_body(tns))
    v1_error(answer, 400, 3, invalid(message, UPDATE_WRAP))
    assert "/fruits" not in kube.get(f"{RAY.format(ns=tns)}/test-service").json()["spec"]["serveConfigV2"]


def test_put_of_a_missing_service_is_404(bridge, tns):
    k8s = 'rayservices.ray.io "test-service" not found'
    lookup = "Update service fail, no service named: test-service "
    v1_error(
        bridge.put(f"{SV.format(ns=tns)}/test-service", json=updated_body(tns)),
        404,
        5,
        f"Service test-service not found: Update ray service failed.: {lookup}: "
        f"NotFoundError: Service test-service not found: {k8s}",
    )


def test_put_conversion_errors_are_400(bridge, tns):
    create(bridge, tns)
    body = updated_body(tns)
    body.pop("serveConfigV2")
    message = v1_error(bridge.put(f"{SV.format(ns=tns)}/test-service", json=body), 400, 3)
    assert message.startswith("Failed to create a Ray Service: Update ray service failed.: ")
    assert message.endswith("serve configuration is not defined")


# --- delete and errors ----------------------------------------------------------------------


def test_delete_removes_the_rayservice(bridge, kube, tns):
    create(bridge, tns)
    answer = bridge.delete(f"{SV.format(ns=tns)}/test-service")
    assert answer.status_code == 200 and answer.get_json() == {}
    assert kube.get(f"{RAY.format(ns=tns)}/test-service").status_code == 404


def test_missing_services_are_404_with_the_kubernetes_text(bridge, tns):
    k8s = 'rayservices.ray.io "foo" not found'
    for answer, wrap in (
        (bridge.get(f"{SV.format(ns=tns)}/foo"), "get ray service failed"),
        (bridge.delete(f"{SV.format(ns=tns)}/foo"), "delete ray service failure"),
    ):
        v1_error(
            answer, 404, 5, f"Service foo not found: {wrap}: NotFoundError: Service foo not found: {k8s}"
        )


def test_duplicate_service_is_409(bridge, tns):
    create(bridge, tns)
    v1_error(
        bridge.post(SV.format(ns=tns), json=service_body(tns)),
        409,
        6,
        f"Service test-service already exists in namespace {tns}: Create ray service failed.: "
        f"Already exist error: Service test-service already exists in namespace {tns}",
    )


def test_missing_compute_template_is_404(bridge, kube, ns):
    message = v1_error(bridge.post(SV.format(ns=ns), json=service_body(ns)), 404, 5)
    assert message.startswith("Compute template default-template not found: Create ray service failed.: ")
    assert kube.get(f"{RAY.format(ns=ns)}/test-service").status_code == 404


def test_a_missing_serve_config_is_400_after_the_templates(bridge, kube, tns):
    body = service_body(tns)
    body.pop("serveConfigV2")
    v1_error(
        bridge.post(SV.format(ns=tns), json=body),
        400,
        3,
        "Failed to create a Ray Service: Create ray service failed.: InvalidInputError: "
        "Failed to create a Ray Service: serve configuration is not defined",
    )
    body["clusterSpec"]["headGroupSpec"]["computeTemplate"] = "nowhere"
    assert bridge.post(SV.format(ns=tns), json=body).status_code == 404  # templates first, as Go


CREATE_WRAP = "Validate create service request failed."
UPDATE_WRAP = "Validate update service request failed."


def invalid(message: str, *wraps: str) -> str:
    return ": ".join([message, *wraps, f"Invalid input error: {message}"])


SPEC_RULES = [
    (lambda b: b.pop("clusterSpec"), "A ClusterSpec object is required. Please specify one."),
    (
        lambda b: b["clusterSpec"].pop("headGroupSpec"),
        "Cluster Spec Object requires HeadGroupSpec to be populated. Please specify one.",
    ),
    (
        lambda b: b["clusterSpec"]["headGroupSpec"].pop("computeTemplate"),
        "HeadGroupSpec compute template is empty. Please specify a valid value.",
    ),
    (
        lambda b: b["clusterSpec"]["headGroupSpec"].pop("rayStartParams"),
        "HeadGroupSpec RayStartParams is empty. Please specify values.",
    ),
    (
        lambda b: b["clusterSpec"]["headGroupSpec"].update(imagePullPolicy="Never"),
        "HeadGroupSpec unsupported value for Image pull policy. Please specify Always or IfNotPresent",
    ),
    (
        lambda b: b["clusterSpec"]["workerGroupSpec"][0].pop("groupName"),
        "WorkerNodeSpec 0 group name is empty. Please specify a valid value.",
    ),
    (
        lambda b: b["clusterSpec"]["workerGroupSpec"][0].pop("computeTemplate"),
        "WorkerNodeSpec 0 compute template is empty. Please specify a valid value.",
    ),
    (
        lambda b: b["clusterSpec"]["workerGroupSpec"][0].update(maxReplicas=0),
        "WorkerNodeSpec 0 MaxReplicas can not be 0. Please specify a valid value.",
    ),
    (
        lambda b: b["clusterSpec"]["workerGroupSpec"][0].update(minReplicas=9),
        "WorkerNodeSpec 0 MinReplica > MaxReplicas. Please specify a valid value.",
    ),
    (
        lambda b: b["clusterSpec"]["workerGroupSpec"][0].update(imagePullPolicy="never"),
        "Worker GroupSpec unsupported value for Image pull policy. Please specify Always or IfNotPresent",
    ),
]
NAMESPACE_MISMATCH = "The namespace in the request is different from the namespace in the service definition."


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda b: b.update(namespace="elsewhere"), NAMESPACE_MISMATCH),
        (lambda b: b.pop("name"), "Service name is empty. Please specify a valid value."),
        (lambda b: b.pop("user"), "User who created the Service is empty. Please specify a valid value."),
        *SPEC_RULES,
    ],
)
def test_every_create_validation_message_over_http(bridge, kube, ns, change, message):
    body = copy.deepcopy(service_body(ns))
    change(body)
    v1_error(bridge.post(SV.format(ns=ns), json=body), 400, 3, invalid(message, CREATE_WRAP))
    assert kube.get(f"{RAY.format(ns=ns)}/test-service").status_code == 404


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda b: b.update(namespace="elsewhere"), NAMESPACE_MISMATCH),
        (lambda b: b.pop("name"), "Service name is empty. Please specify a valid value."),
        (lambda b: b.pop("user"), "User who updated the Service is empty. Please specify a valid value."),
        *SPEC_RULES,
    ],
)
def test_every_update_validation_message_over_http(bridge, ns, change, message):
    body = copy.deepcopy(service_body(ns))
    change(body)
    v1_error(bridge.put(f"{SV.format(ns=ns)}/test-service", json=body), 400, 3, invalid(message, UPDATE_WRAP))


def test_empty_name_and_empty_namespace_segments(bridge, ns):
    empty = invalid("ray service name is empty. Please specify a valid value.")
    v1_error(bridge.get(f"{SV.format(ns=ns)}/"), 400, 3, empty)
    v1_error(bridge.delete(f"{SV.format(ns=ns)}/"), 400, 3, empty)
    v1_error(
        bridge.put(f"{SV.format(ns=ns)}/", json=service_body(ns)),
        400,
        3,
        invalid("Name is empty. Please specify a valid value.", UPDATE_WRAP),
    )
    for method in ("GET", "POST"):
        v1_error(bridge.open("/apis/v1/namespaces//services", method=method), 404, 5, "Not Found")
    v1_error(bridge.get("/apis/v1/namespaces//services/x"), 404, 5, "Not Found")
    v1_error(bridge.post(f"{SV.format(ns=ns)}/x", json={}), 501, 12, "Method Not Allowed")


def test_a_stale_v1_serve_spec_is_named_in_a_warning_and_fails_for_its_missing_config(bridge, tns):
    """KubeRay's ``serviceV1`` test request still sends ``serveDeploymentGraphSpec``, a field
    the proto lost: Go dropped it silently and failed on the missing serve config."""
    body = service_body(tns)
    body.pop("serveConfigV2")
    body["serveDeploymentGraphSpec"] = {"importPath": "fruit.deployment_graph"}
    answer = bridge.post(SV.format(ns=tns), json=body)
    assert v1_error(answer, 400, 3).endswith("serve configuration is not defined")
    assert '"unknown field \\"serveDeploymentGraphSpec\\""' in answer.headers.get("Warning", "")
    strict = bridge.post(SV.format(ns=tns), json=body, query_string={"strict": "true"})
    v1_error(strict, 400, 3, 'strict mode: unknown field "serveDeploymentGraphSpec"')


def test_every_answer_names_its_v2_successor(bridge, tns):
    answer = bridge.get(f"{SV.format(ns=tns)}/missing")
    links = answer.headers.get_all("Link")
    assert any(f"/apis/ray.io/v1/namespaces/{tns}/rayservices/missing" in link for link in links), links
    assert answer.headers.get("Deprecation")
