"""Clusters over v1 HTTP against the embedded Kubernetes API: the answer field by field, the
RayCluster it leaves behind (seen through v2), read-back of v2-made objects, events,
pagination, list-all across namespaces, and every error message."""

from __future__ import annotations

import copy
import re

import pytest

from tests.support.asserts import v1_error
from tests.support.factories import cluster_body, create_template, example

CL = "/apis/v1/namespaces/{ns}/clusters"
RAY = "/apis/ray.io/v1/namespaces/{ns}/rayclusters"
GO_TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d*[1-9])? \+0000 UTC$")
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


@pytest.fixture
def tns(bridge, ns) -> str:
    """A namespace holding ``default-template`` (cpu 2, memory 4Gi)."""
    create_template(bridge, ns)
    return ns


def create(bridge, ns, body=None, **kwargs):
    answer = bridge.post(CL.format(ns=ns), json=body or cluster_body(ns, **kwargs))
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()


def managed_raycluster(name: str, **labels: str) -> dict:
    return {
        "apiVersion": "ray.io/v1",
        "kind": "RayCluster",
        "metadata": {"name": name, "labels": {"app.kubernetes.io/managed-by": "kuberay-apiserver", **labels}},
        "spec": {
            "rayVersion": "2.46.0",
            "headGroupSpec": {
                "serviceType": "ClusterIP",
                "rayStartParams": {"dashboard-host": "0.0.0.0"},
                "template": {
                    "metadata": {"annotations": {"ray.io/compute-template": "default-template"}},
                    "spec": {
                        "containers": [
                            {
                                "name": "ray-head",
                                "image": "rayproject/ray:2.46.0",
                                "env": [{"name": "MY_POD_IP", "value": "x"}, {"name": "MODE", "value": "v2"}],
                            }
                        ]
                    },
                },
            },
        },
    }


def test_create_answers_the_cluster_as_the_go_server_reads_it_back(bridge, tns):
    answer = bridge.post(CL.format(ns=tns), json=cluster_body(tns))
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/json"
    cluster = answer.get_json()
    created_at = cluster.pop("createdAt")
    stamp = cluster["annotations"].pop("ray.io/creation-timestamp")
    assert RFC3339.match(created_at) and GO_TIME.match(stamp), (created_at, stamp)
    assert cluster == {
        "name": "test-cluster",
        "namespace": tns,
        "user": "3cpo",
        "version": "2.46.0",
        # environment DEV (0) is omitted, like every zero value
        "clusterSpec": {
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
                    "minReplicas": 1,  # Go: minReplicas 0 becomes replicas
                    "maxReplicas": 5,
                    "rayStartParams": {"node-ip-address": "$MY_POD_IP"},
                    "environment": {},
                }
            ],
        },
        "annotations": {},
    }


def test_the_cluster_is_a_correct_raycluster_through_v2(bridge, tns):
    create(bridge, tns)
    answer = bridge.get(f"{RAY.format(ns=tns)}/test-cluster")
    assert answer.status_code == 200 and "Deprecation" not in answer.headers
    cr = answer.get_json()
    assert cr["metadata"]["labels"] == {
        "ray.io/cluster-name": "test-cluster",
        "ray.io/user": "3cpo",
        "ray.io/version": "2.46.0",
        "ray.io/environment": "DEV",
        "app.kubernetes.io/name": "kuberay",
        "app.kubernetes.io/managed-by": "kuberay-apiserver",
    }
    assert GO_TIME.match(cr["metadata"]["annotations"]["ray.io/creation-timestamp"])
    spec = cr["spec"]
    assert spec["rayVersion"] == "2.46.0"
    head = spec["headGroupSpec"]
    assert head["serviceType"] == "NodePort"
    assert head["template"]["metadata"]["annotations"] == {
        "ray.io/compute-template": "default-template",
        "ray.io/compute-image": "rayproject/ray:2.46.0",
    }
    container = head["template"]["spec"]["containers"][0]
    assert container["name"] == "ray-head" and container["imagePullPolicy"] == "IfNotPresent"
    assert container["resources"] == {
        "limits": {"cpu": "2", "memory": "4Gi"},
        "requests": {"cpu": "2", "memory": "4Gi"},
    }
    assert [(p.get("name"), p["containerPort"]) for p in container["ports"]] == [
        ("redis", 6379),
        ("head", 10001),
        ("dashboard", 8265),
        ("metrics", 8080),
    ]
    worker = spec["workerGroupSpecs"][0]
    assert (worker["groupName"], worker["replicas"], worker["minReplicas"], worker["maxReplicas"]) == (
        "small-wg",
        1,
        1,
        5,
    )
    worker_container = worker["template"]["spec"]["containers"][0]
    assert worker_container["image"] == "rayproject/ray:2.46.0"  # default image from version
    assert worker_container["lifecycle"] == {"preStop": {"exec": {"command": ["/bin/sh", "-c", "ray stop"]}}}
    assert [env["name"] for env in worker_container["env"]] == [
        "RAY_DISABLE_DOCKER_CPU_WARNING",
        "TYPE",
        "CPU_REQUEST",
        "CPU_LIMITS",
        "MEMORY_REQUESTS",
        "MEMORY_LIMITS",
        "MY_POD_NAME",
        "MY_POD_IP",
    ]


def test_get_reads_back_what_create_answered(bridge, tns):
    created = create(bridge, tns)
    answer = bridge.get(f"{CL.format(ns=tns)}/test-cluster")
    assert answer.status_code == 200
    assert answer.get_json() == created


def test_a_kuberay_example_round_trips(bridge, tns):
    body = example("ha_clusters.json")
    body["namespace"] = tns
    cluster = create(bridge, tns, body)
    head = cluster["clusterSpec"]["headGroupSpec"]
    assert head["environment"] == {
        "values": {"RAY_REDIS_ADDRESS": "redis.default.svc.cluster.local:6379"},
        "valuesFrom": {"REDIS_PASSWORD": {"source": 1, "name": "redis-password-secret", "key": "password"}},
    }
    assert head["volumes"] == [
        {
            "mountPath": "/home/ray/samples",
            "volumeType": 3,
            "name": "code-sample",
            "source": "ray-example",
            "items": {
                "detached_actor.py": "detached_actor.py",
                "increment_counter.py": "increment_counter.py",
            },
        },
    ]
    assert cluster["annotations"]["ray.io/ft-enabled"] == "true"


def test_a_managed_raycluster_made_through_v2_reads_back_through_v1(bridge, kube, tns):
    posted = bridge.post(
        RAY.format(ns=tns),
        json=managed_raycluster("from-v2", **{"ray.io/user": "ops", "ray.io/environment": "PRODUCTION"}),
    )
    assert posted.status_code == 201, posted.get_data(as_text=True)
    stored = posted.get_json()
    stored["status"] = {"state": "ready", "endpoints": {"dashboard": "8265", "head": "10001"}}
    assert kube.put(f"{RAY.format(ns=tns)}/from-v2/status", json=stored).status_code == 200
    cluster = bridge.get(f"{CL.format(ns=tns)}/from-v2").get_json()
    assert cluster["user"] == "ops" and cluster["environment"] == 3
    assert cluster["clusterState"] == "ready"
    assert cluster["serviceEndpoint"] == {"dashboard": "8265", "head": "10001"}
    assert cluster["clusterSpec"]["headGroupSpec"] == {
        "computeTemplate": "default-template",
        "serviceType": "ClusterIP",
        "rayStartParams": {"dashboard-host": "0.0.0.0"},
        "environment": {"values": {"MODE": "v2"}},
    }
    assert "from-v2" in [c["name"] for c in bridge.get(CL.format(ns=tns)).get_json()["clusters"]]


def test_unmanaged_rayclusters_are_invisible_to_v1(bridge, kube, tns):
    raycluster = managed_raycluster("foreign")
    del raycluster["metadata"]["labels"]
    assert bridge.post(RAY.format(ns=tns), json=raycluster).status_code == 201
    assert bridge.get(CL.format(ns=tns)).get_json() == {"clusters": []}
    not_managed = (
        "Cluster foreign not found: {}: NotFoundError: Cluster foreign not found: "
        "RayCluster with name foreign not managed by kuberay-apiserver"
    )
    v1_error(bridge.get(f"{CL.format(ns=tns)}/foreign"), 404, 5, not_managed.format("Get cluster failed."))
    v1_error(bridge.delete(f"{CL.format(ns=tns)}/foreign"), 404, 5, not_managed.format("Get cluster failure"))
    assert kube.get(f"{RAY.format(ns=tns)}/foreign").status_code == 200


def event(name: str, about: str, namespace: str, **fields) -> dict:
    return {
        "apiVersion": "events.k8s.io/v1",
        "kind": "Event",
        "metadata": {"name": name},
        "eventTime": "2026-01-02T03:04:05.000000Z",
        "reportingController": "ray-operator",
        "reportingInstance": "op-1",
        "action": "Create",
        "reason": "CreatedService",
        "note": f"note for {about}",
        "type": "Normal",
        "regarding": {"apiVersion": "ray.io/v1", "kind": "RayCluster", "name": about, "namespace": namespace},
        **fields,
    }


def test_events_are_attached_from_events_k8s_io(bridge, kube, tns):
    create(bridge, tns)
    series = {"count": 4, "lastObservedTime": "2026-01-02T05:00:00.000000Z"}
    for item in (event("test-cluster.1", "test-cluster", tns, series=series), event("other.1", "other", tns)):
        assert kube.post(f"/apis/events.k8s.io/v1/namespaces/{tns}/events", json=item).status_code == 201
    events = bridge.get(f"{CL.format(ns=tns)}/test-cluster").get_json()["events"]
    assert len(events) == 1
    attached = events[0]
    assert RFC3339.match(attached.pop("createdAt"))
    assert attached == {
        "id": "test-cluster.1",
        "name": "test-cluster-test-cluster.1",
        "firstTimestamp": "2026-01-02T03:04:05Z",
        "lastTimestamp": "2026-01-02T05:00:00Z",
        "reason": "CreatedService",
        "message": "note for test-cluster",
        "type": "Normal",
        "count": 4,
    }
    listed = bridge.get(CL.format(ns=tns)).get_json()["clusters"][0]
    assert [e["id"] for e in listed["events"]] == ["test-cluster.1"]


def test_list_all_keeps_same_named_clusters_and_their_events_apart(bridge, kube, tns):
    other = kube.create_namespace(f"{tns}-b")
    create_template(bridge, other)
    create(bridge, tns)
    create(bridge, other)
    kube.post(f"/apis/events.k8s.io/v1/namespaces/{other}/events", json=event("b.1", "test-cluster", other))
    everywhere = bridge.get("/apis/v1/clusters").get_json()["clusters"]
    mine = {c["namespace"]: c for c in everywhere if c["namespace"] in (tns, other)}
    assert set(mine) == {tns, other}
    assert "events" not in mine[tns]
    assert [e["id"] for e in mine[other]["events"]] == ["b.1"]


def collect_pages(bridge, path: str, limit: int) -> list[list[tuple[str, str]]]:
    """Follow ``continue`` to the end; each page as (namespace, name) pairs."""
    pages, token = [], None
    while True:
        query = f"?limit={limit}" + (f"&continue={token}" if token else "")
        body = bridge.get(path + query).get_json()
        pages.append([(c["namespace"], c["name"]) for c in body["clusters"]])
        token = body.get("continue")
        if not token:
            return pages


def test_pagination_walks_every_page_once(bridge, tns):
    names = [f"c{i}" for i in range(5)]
    for name in names:
        create(bridge, tns, name=name)
    pages = collect_pages(bridge, CL.format(ns=tns), 2)
    assert [len(page) for page in pages] == [2, 2, 1]
    assert sorted(name for _, name in sum(pages, [])) == names
    everything = bridge.get(CL.format(ns=tns)).get_json()
    assert "continue" not in everything and len(everything["clusters"]) == 5


def test_list_all_paginates_across_namespaces(bridge, kube, tns):
    other = kube.create_namespace(f"{tns}-p")
    create_template(bridge, other)
    create(bridge, tns, name="p1")
    create(bridge, other, name="p2")
    pages = collect_pages(bridge, "/apis/v1/clusters", 1)
    seen = sum(pages, [])
    assert all(len(page) == 1 for page in pages)
    assert {(tns, "p1"), (other, "p2")} <= set(seen)
    assert len(seen) == len(set(seen))  # no cluster on two pages


def test_bad_limit_and_bad_continue_token_are_400(bridge, tns):
    for bad in ("ten", "1_0", " 1", "1.5", ""):
        v1_error(
            bridge.get(CL.format(ns=tns), query_string={"limit": bad}),
            400,
            3,
            f'parsing field "limit": strconv.ParseInt: parsing "{bad}": invalid syntax',
        )
    v1_error(
        bridge.get("/apis/v1/clusters?limit=1&limit=2"),
        400,
        3,
        'too many values for field "limit": 1, 2',
    )
    answer = bridge.get(CL.format(ns=tns) + "?limit=1&continue=garbage")
    message = v1_error(answer, 400, 3)  # malformed (Kubernetes 400); only an expired one is 9
    assert message.startswith(f"List clusters failed.: List RayCluster failed in {tns}: ")


def test_delete_removes_the_raycluster(bridge, kube, tns):
    create(bridge, tns)
    answer = bridge.delete(f"{CL.format(ns=tns)}/test-cluster")
    assert answer.status_code == 200 and answer.get_json() == {}
    assert kube.get(f"{RAY.format(ns=tns)}/test-cluster").status_code == 404


def test_missing_clusters_are_404_with_the_kubernetes_text(bridge, tns):
    k8s = 'rayclusters.ray.io "foo" not found'
    v1_error(
        bridge.get(f"{CL.format(ns=tns)}/foo"),
        404,
        5,
        f"Cluster foo not found: Get cluster failed.: NotFoundError: Cluster foo not found: {k8s}",
    )
    v1_error(
        bridge.delete(f"{CL.format(ns=tns)}/foo"),
        404,
        5,
        f"Cluster foo not found: Get cluster failure: NotFoundError: Cluster foo not found: {k8s}",
    )


def test_duplicate_cluster_is_409(bridge, tns):
    create(bridge, tns)
    v1_error(
        bridge.post(CL.format(ns=tns), json=cluster_body(tns)),
        409,
        6,
        f"Cluster test-cluster already exists in namespace {tns}: Create Cluster failed.: "
        f"Already exist error: Cluster test-cluster already exists in namespace {tns}",
    )


def test_missing_compute_template_is_404_with_the_go_chain(bridge, kube, tns):
    body = cluster_body(tns, template="default-template")
    body["clusterSpec"]["workerGroupSpec"][0]["computeTemplate"] = "tpl"
    v1_error(
        bridge.post(CL.format(ns=tns), json=body),
        404,
        5,
        f"Compute template tpl not found: Create Cluster failed.: Failed to populate compute template "
        f"for ({tns}/test-cluster): Cannot get compute template for name 'tpl' in namespace '{tns}', "
        'error: NotFoundError: Compute template tpl not found: configmaps "tpl" not found',
    )
    assert kube.get(f"{RAY.format(ns=tns)}/test-cluster").status_code == 404


def test_a_plain_configmap_is_no_template_for_a_cluster(bridge, kube, tns):
    plain = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "kube-root-ca.crt"}}
    kube.post(f"/api/v1/namespaces/{tns}/configmaps", json=plain)
    message = v1_error(
        bridge.post(CL.format(ns=tns), json=cluster_body(tns, template="kube-root-ca.crt")), 404, 5
    )
    assert message.startswith("Compute template kube-root-ca.crt not found: Create Cluster failed.: ")


def test_conversion_errors_are_400_with_the_go_cause(bridge, kube, tns):
    body = cluster_body(tns)
    body["clusterSpec"]["headGroupSpec"]["volumes"] = [
        {"name": "scratch", "mountPath": "/tmp/x", "volumeType": "EPHEMERAL"}
    ]
    v1_error(
        bridge.post(CL.format(ns=tns), json=body),
        400,
        3,
        "Failed to create a Ray cluster: Create Cluster failed.: InvalidInputError: "
        "Failed to create a Ray cluster: storage for ephemeral volume is empty",
    )
    assert kube.get(f"{RAY.format(ns=tns)}/test-cluster").status_code == 404


def test_kubernetes_rejecting_the_object_is_400_not_500(bridge, tns):
    body = cluster_body(tns)
    body["user"] = "not a label value!"
    message = v1_error(bridge.post(CL.format(ns=tns), json=body), 400, 3)
    assert message.startswith(
        f"Failed to create a cluster for ({tns}/test-cluster): Create Cluster failed.: InvalidInputError: "
    )


WRAP = "Validate create cluster request failed."


def invalid(message: str, *wraps: str) -> str:
    return ": ".join([message, *wraps, f"Invalid input error: {message}"])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda b: b.update(namespace="elsewhere"),
            "The namespace in the request is different from the namespace in the cluster definition.",
        ),
        (lambda b: b.pop("name"), "Cluster name is empty. Please specify a valid value."),
        (lambda b: b.pop("user"), "User who create the cluster is empty. Please specify a valid value."),
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
    ],
)
def test_every_validation_message_over_http(bridge, kube, ns, change, message):
    body = copy.deepcopy(cluster_body(ns))
    change(body)
    v1_error(bridge.post(CL.format(ns=ns), json=body), 400, 3, invalid(message, WRAP))
    assert kube.get(f"{RAY.format(ns=ns)}/test-cluster").status_code == 404


def test_empty_name_and_empty_namespace_segments(bridge, ns):
    empty = invalid("Cluster name is empty. Please specify a valid value.")
    v1_error(bridge.get(f"{CL.format(ns=ns)}/"), 400, 3, empty)
    v1_error(bridge.delete(f"{CL.format(ns=ns)}/"), 400, 3, empty)
    for method in ("GET", "POST"):
        v1_error(bridge.open("/apis/v1/namespaces//clusters", method=method), 404, 5, "Not Found")
    v1_error(bridge.get("/apis/v1/namespaces//clusters/x"), 404, 5, "Not Found")
    v1_error(bridge.post(f"{CL.format(ns=ns)}/", json={}), 501, 12, "Method Not Allowed")
    v1_error(bridge.get("/apis/v1/clusters/"), 404, 5, "Not Found")
