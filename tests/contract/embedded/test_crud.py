"""Create, get, update, delete over plain HTTP, with the metadata the API server owns."""

from __future__ import annotations

import ipaddress
import re

import yaml

from tests.support.asserts import assert_status
from tests.support.factories import RAY, raycluster, rayjob


def test_create_sets_server_metadata_and_get_returns_it(api, namespace):
    created = api.post(
        f"{RAY}/namespaces/{namespace}/rayclusters", json=raycluster("alpha", enableInTreeAutoscaling=True)
    )
    assert created.status_code == 201
    body = created.json()
    meta = body["metadata"]
    assert body["apiVersion"] == "ray.io/v1" and body["kind"] == "RayCluster"
    assert meta["namespace"] == namespace and meta["generation"] == 1
    assert re.fullmatch(r"[0-9a-f-]{36}", meta["uid"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", meta["creationTimestamp"])
    assert meta["resourceVersion"].isdigit()

    fetched = api.get(f"{RAY}/namespaces/{namespace}/rayclusters/alpha")
    assert fetched.status_code == 200
    assert fetched.json() == body


def test_resource_versions_increase_across_kinds(api, namespace):
    first = api.post(f"{RAY}/namespaces/{namespace}/rayclusters", json=raycluster("a")).json()
    second = api.post(f"/api/v1/namespaces/{namespace}/configmaps", json={"metadata": {"name": "b"}}).json()
    assert int(second["metadata"]["resourceVersion"]) > int(first["metadata"]["resourceVersion"])


def test_create_twice_is_already_exists(api, namespace):
    path = f"{RAY}/namespaces/{namespace}/rayjobs"
    job = rayjob("j")
    assert api.post(path, json=job).status_code == 201
    assert_status(
        api.post(path, json=job),
        409,
        "AlreadyExists",
        {"name": "j", "group": "ray.io", "kind": "rayjobs"},
        'rayjobs.ray.io "j" already exists',
    )


def test_generate_name_appends_five_kubernetes_characters(api, namespace):
    body = {"metadata": {"generateName": "cfg-"}, "data": {"a": "b"}}
    names = {
        api.post(f"/api/v1/namespaces/{namespace}/configmaps", json=body).json()["metadata"]["name"]
        for _ in range(3)
    }
    assert len(names) == 3
    assert all(re.fullmatch(r"cfg-[bcdfghjklmnpqrstvwxz2456789]{5}", name) for name in names)


def test_generated_name_that_is_taken_is_drawn_again(api, namespace, monkeypatch):
    """Kubernetes retries a create whose generated name exists (RetryGenerateName) instead of
    answering AlreadyExists; a name the client chose is never replaced."""
    from bridge.embedded import objects

    draws = iter("bbbbb" + "bbbbb" + "ccccc")
    monkeypatch.setattr(objects.secrets, "choice", lambda alphabet: next(draws))
    path = f"/api/v1/namespaces/{namespace}/configmaps"
    body = {"metadata": {"generateName": "g-"}}
    assert api.post(path, json=body).json()["metadata"]["name"] == "g-bbbbb"
    second = api.post(path, json=body)
    assert second.status_code == 201, second.text
    assert second.json()["metadata"]["name"] == "g-ccccc"
    assert_status(
        api.post(path, json={"metadata": {"name": "g-bbbbb", "generateName": "g-"}}), 409, "AlreadyExists"
    )


def test_yaml_body_is_accepted(api, namespace):
    manifest = yaml.safe_dump(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "from-yaml"}, "data": {"k": "v"}}
    )
    created = api.post(
        f"/api/v1/namespaces/{namespace}/configmaps",
        data=manifest,
        headers={"Content-Type": "application/yaml"},
    )
    assert created.status_code == 201
    assert created.json()["data"] == {"k": "v"}


def test_yaml_scalars_are_read_as_kubernetes_reads_them(api, namespace):
    """Unquoted timestamps stay strings (PyYAML's datetimes answered 500) and map keys become
    strings, ``1`` and ``on`` (true) each their own, as sigs.k8s.io/yaml reads YAML."""
    body = (
        'metadata:\n  name: when\n  annotations: {at: 2024-01-01, "1": one}\n'
        "involvedObject: {name: x}\nreason: R\neventTime: 2024-01-01T00:00:00.000000Z\n"
    )
    created = api.post(
        f"/api/v1/namespaces/{namespace}/events", data=body, headers={"Content-Type": "application/yaml"}
    )
    assert created.status_code == 201, created.text
    assert created.json()["eventTime"] == "2024-01-01T00:00:00.000000Z"
    assert created.json()["metadata"]["annotations"] == {"at": "2024-01-01", "1": "one"}
    keys = api.post(
        f"/api/v1/namespaces/{namespace}/configmaps",
        data="metadata: {name: keys}\ndata: {1: a, on: b, 2001-01-01: c}\n",
        headers={"Content-Type": "application/yaml"},
    )
    assert keys.status_code == 201, keys.text
    assert keys.json()["data"] == {"1": "a", "true": "b", "2001-01-01": "c"}


def test_body_without_content_type_is_json(api, namespace):
    created = api.post(f"/api/v1/namespaces/{namespace}/configmaps", data=b'{"metadata":{"name":"plain"}}')
    assert created.status_code == 201, created.text


def test_chunked_request_body_is_read(api, namespace):
    def chunks():
        yield b'{"metadata":{"name":"chunked"},'
        yield b'"data":{"a":"1"}}'

    created = api.post(
        f"/api/v1/namespaces/{namespace}/configmaps",
        data=chunks(),
        headers={"Content-Type": "application/json"},
    )
    assert created.status_code == 201, created.text
    assert created.json()["data"] == {"a": "1"}


def test_update_moves_generation_only_on_spec_change(api, namespace):
    path = f"{RAY}/namespaces/{namespace}/rayclusters/gen"
    obj = api.post(f"{RAY}/namespaces/{namespace}/rayclusters", json=raycluster("gen")).json()
    obj["metadata"]["labels"] = {"team": "a"}
    relabelled = api.put(path, json=obj).json()
    assert relabelled["metadata"]["generation"] == 1
    assert relabelled["metadata"]["labels"] == {"team": "a"}
    relabelled["spec"]["rayVersion"] = "2.10.0"
    changed = api.put(path, json=relabelled).json()
    assert changed["metadata"]["generation"] == 2
    assert int(changed["metadata"]["resourceVersion"]) > int(relabelled["metadata"]["resourceVersion"])
    assert changed["metadata"]["uid"] == obj["metadata"]["uid"]
    assert changed["metadata"]["creationTimestamp"] == obj["metadata"]["creationTimestamp"]


def test_a_change_the_schema_prunes_away_moves_nothing(api, namespace):
    """Generation is counted on the pruned object: an unknown spec field (dropped with a
    warning) is no spec change, so generation and resourceVersion stay."""
    path = f"{RAY}/namespaces/{namespace}/rayclusters/pruned"
    obj = api.post(f"{RAY}/namespaces/{namespace}/rayclusters", json=raycluster("pruned")).json()
    patched = api.patch(
        path, json={"spec": {"notInTheSchema": 1}}, headers={"Content-Type": "application/merge-patch+json"}
    )
    assert 'unknown field \\"spec.notInTheSchema\\"' in patched.headers["Warning"]
    assert patched.json()["metadata"]["generation"] == 1
    assert patched.json()["metadata"]["resourceVersion"] == obj["metadata"]["resourceVersion"]
    obj["spec"]["notInTheSchema"] = 2
    assert api.put(path, json=obj).json()["metadata"]["generation"] == 1


def test_update_with_stale_resource_version_is_conflict(api, namespace):
    path = f"/api/v1/namespaces/{namespace}/configmaps/cm"
    obj = api.post(f"/api/v1/namespaces/{namespace}/configmaps", json={"metadata": {"name": "cm"}}).json()
    obj["data"] = {"v": "1"}
    assert api.put(path, json=obj).status_code == 200
    obj["data"] = {"v": "2"}
    assert_status(
        api.put(path, json=obj),
        409,
        "Conflict",
        {"name": "cm", "kind": "configmaps"},
        'Operation cannot be fulfilled on configmaps "cm": the object has been modified; '
        "please apply your changes to the latest version and try again",
    )
    assert api.get(path).json()["data"] == {"v": "1"}


def test_custom_resource_update_needs_a_resource_version(api, namespace):
    obj = api.post(f"{RAY}/namespaces/{namespace}/rayclusters", json=raycluster("norv")).json()
    del obj["metadata"]["resourceVersion"]
    status = assert_status(
        api.put(f"{RAY}/namespaces/{namespace}/rayclusters/norv", json=obj),
        422,
        "Invalid",
        {"name": "norv", "group": "ray.io", "kind": "RayCluster"},
    )
    assert status["details"]["causes"] == [
        {
            "reason": "FieldValueInvalid",
            "field": "metadata.resourceVersion",
            "message": "Invalid value: 0x0: must be specified for an update",
        }
    ]


def test_configmap_update_without_resource_version_is_unconditional(api, namespace):
    api.post(f"/api/v1/namespaces/{namespace}/configmaps", json={"metadata": {"name": "u"}})
    updated = api.put(
        f"/api/v1/namespaces/{namespace}/configmaps/u", json={"metadata": {"name": "u"}, "data": {"x": "y"}}
    )
    assert updated.status_code == 200 and updated.json()["data"] == {"x": "y"}


def test_update_of_missing_object_is_not_found(api, namespace):
    assert_status(
        api.put(f"{RAY}/namespaces/{namespace}/rayclusters/ghost", json=raycluster("ghost")),
        404,
        "NotFound",
        {"name": "ghost", "group": "ray.io", "kind": "rayclusters"},
    )


def test_delete_custom_resource_returns_the_object(api, namespace):
    created = api.post(f"{RAY}/namespaces/{namespace}/rayclusters", json=raycluster("bye")).json()
    deleted = api.delete(f"{RAY}/namespaces/{namespace}/rayclusters/bye")
    assert deleted.status_code == 200
    assert deleted.json()["metadata"]["uid"] == created["metadata"]["uid"]
    assert_status(
        api.get(f"{RAY}/namespaces/{namespace}/rayclusters/bye"),
        404,
        "NotFound",
        {"name": "bye", "group": "ray.io", "kind": "rayclusters"},
    )


def test_delete_configmap_returns_success_status(api, namespace):
    created = api.post(f"/api/v1/namespaces/{namespace}/configmaps", json={"metadata": {"name": "c"}}).json()
    deleted = api.delete(f"/api/v1/namespaces/{namespace}/configmaps/c")
    assert deleted.status_code == 200
    assert deleted.json() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": {"name": "c", "kind": "configmaps", "uid": created["metadata"]["uid"]},
    }


def test_delete_precondition_mismatch_is_conflict(api, namespace):
    api.post(f"/api/v1/namespaces/{namespace}/configmaps", json={"metadata": {"name": "p"}})
    answer = api.delete(
        f"/api/v1/namespaces/{namespace}/configmaps/p", json={"preconditions": {"uid": "not-the-uid"}}
    )
    assert_status(answer, 409, "Conflict", {"name": "p", "kind": "configmaps"})
    assert api.get(f"/api/v1/namespaces/{namespace}/configmaps/p").status_code == 200


def test_delete_collection_honours_label_selector(api, namespace):
    path = f"{RAY}/namespaces/{namespace}/rayclusters"
    for name, team in (("a", "x"), ("b", "x"), ("c", "y")):
        body = raycluster(name)
        body["metadata"]["labels"] = {"team": team}
        api.post(path, json=body)
    deleted = api.delete(path, params={"labelSelector": "team=x"})
    assert deleted.status_code == 200
    assert deleted.json()["kind"] == "RayClusterList"
    assert sorted(i["metadata"]["name"] for i in deleted.json()["items"]) == ["a", "b"]
    assert [i["metadata"]["name"] for i in api.get(path).json()["items"]] == ["c"]


def test_dry_run_stores_nothing(api, namespace):
    path = f"{RAY}/namespaces/{namespace}/rayclusters"
    before = api.get(path).json()["metadata"]["resourceVersion"]
    dry = api.post(path, params={"dryRun": "All"}, json=raycluster("dry"))
    assert dry.status_code == 201
    assert dry.json()["metadata"]["name"] == "dry"
    assert api.get(f"{path}/dry").status_code == 404
    obj = api.post(path, json=raycluster("wet")).json()
    obj["spec"]["rayVersion"] = "9.9.9"
    assert api.put(f"{path}/wet", params={"dryRun": "All"}, json=obj).json()["spec"]["rayVersion"] == "9.9.9"
    assert api.delete(f"{path}/wet", params={"dryRun": "All"}).status_code == 200
    stored = api.get(f"{path}/wet").json()
    assert stored["spec"]["rayVersion"] == "2.9.0"
    assert stored["metadata"]["resourceVersion"] == obj["metadata"]["resourceVersion"]
    assert int(before) < int(obj["metadata"]["resourceVersion"])


def test_dry_run_in_delete_options_body_stores_nothing(api, namespace):
    """``DeleteOptions.dryRun`` (how kubectl and the Python client send it) counts as the query."""
    path = f"{RAY}/namespaces/{namespace}/rayclusters"
    obj = api.post(path, json=raycluster("kept")).json()
    options = {"kind": "DeleteOptions", "apiVersion": "v1", "dryRun": ["All"]}
    assert api.delete(f"{path}/kept", json=options).status_code == 200
    assert api.delete(path, json=options).json()["items"][0]["metadata"]["name"] == "kept"
    stored = api.get(f"{path}/kept").json()
    assert stored["metadata"]["resourceVersion"] == obj["metadata"]["resourceVersion"]
    assert_status(api.delete(f"{path}/kept", json={"dryRun": ["Some"]}), 400, "BadRequest")
    assert_status(api.delete(f"{path}/kept", json={"dryRun": "All"}), 400, "BadRequest")
    assert api.get(f"{path}/kept").status_code == 200


def test_namespace_lifecycle_and_cascade(api):
    assert api.post("/api/v1/namespaces", json={"metadata": {"name": "cascade-me"}}).status_code == 201
    ns = api.get("/api/v1/namespaces/cascade-me").json()
    assert ns["status"] == {"phase": "Active"}
    assert ns["metadata"]["labels"]["kubernetes.io/metadata.name"] == "cascade-me"
    api.post(f"{RAY}/namespaces/cascade-me/rayclusters", json=raycluster("inside"))
    deleted = api.delete("/api/v1/namespaces/cascade-me")
    assert deleted.status_code == 200 and deleted.json()["kind"] == "Namespace"
    assert api.get("/api/v1/namespaces/cascade-me").status_code == 404
    assert api.get(f"{RAY}/namespaces/cascade-me/rayclusters/inside").status_code == 404
    # Re-creating the namespace does not bring old objects back.
    api.post("/api/v1/namespaces", json={"metadata": {"name": "cascade-me"}})
    assert api.get(f"{RAY}/namespaces/cascade-me/rayclusters").json()["items"] == []
    api.delete("/api/v1/namespaces/cascade-me")


def test_initial_namespaces_exist(api):
    names = {ns["metadata"]["name"] for ns in api.get("/api/v1/namespaces").json()["items"]}
    assert {"default", "kube-system", "kube-public", "kube-node-lease"} <= names
    assert "ray-system" not in names


def test_service_gets_defaults(api, namespace):
    created = api.post(
        f"/api/v1/namespaces/{namespace}/services",
        json={"metadata": {"name": "dash"}, "spec": {"ports": [{"name": "http", "port": 8265}]}},
    ).json()
    assert created["spec"]["type"] == "ClusterIP"
    assert created["spec"]["ports"] == [{"name": "http", "port": 8265, "protocol": "TCP", "targetPort": 8265}]
    allocated = ipaddress.IPv4Address(created["spec"]["clusterIP"])
    assert allocated in ipaddress.IPv4Network("10.96.0.0/12")
    assert created["spec"]["clusterIPs"] == [created["spec"]["clusterIP"]]


def test_service_keeps_a_given_cluster_ip_and_headless(api, namespace):
    path = f"/api/v1/namespaces/{namespace}/services"
    given = api.post(
        path, json={"metadata": {"name": "loop"}, "spec": {"clusterIP": "127.0.0.1", "ports": [{"port": 80}]}}
    ).json()
    assert given["spec"]["clusterIP"] == "127.0.0.1"
    headless = api.post(
        path, json={"metadata": {"name": "headless"}, "spec": {"clusterIP": "None", "ports": [{"port": 80}]}}
    ).json()
    assert headless["spec"]["clusterIP"] == "None" and headless["spec"]["clusterIPs"] == ["None"]
    external = api.post(
        path,
        json={"metadata": {"name": "ext"}, "spec": {"type": "ExternalName", "externalName": "example.com"}},
    ).json()
    assert "clusterIP" not in external["spec"]


def test_event_update_creates_when_missing(api, namespace):
    event = {
        "metadata": {"name": "ev"},
        "reason": "R",
        "message": "m",
        "involvedObject": {"kind": "RayJob", "name": "j", "namespace": namespace},
    }
    created = api.put(f"/api/v1/namespaces/{namespace}/events/ev", json=event)
    assert created.status_code == 201
    assert api.get(f"/api/v1/namespaces/{namespace}/events/ev").json()["message"] == "m"


def test_yaml_answer_when_asked(api, namespace):
    api.post(
        f"/api/v1/namespaces/{namespace}/configmaps", json={"metadata": {"name": "y"}, "data": {"a": "b"}}
    )
    answer = api.get(f"/api/v1/namespaces/{namespace}/configmaps/y", headers={"Accept": "application/yaml"})
    assert answer.headers["Content-Type"] == "application/yaml"
    assert yaml.safe_load(answer.text)["data"] == {"a": "b"}


def test_answers_keep_the_api_servers_key_order(api, namespace):
    """Custom resources are Go maps (keys sorted); built-in kinds follow their struct."""
    body = raycluster("order")
    body["metadata"]["labels"] = {"z": "1", "a": "2"}
    created = api.post(f"{RAY}/namespaces/{namespace}/rayclusters", json=body)
    assert created.text.startswith(
        '{"apiVersion":"ray.io/v1","kind":"RayCluster","metadata":{"creationTimestamp":'
    )
    assert '"labels":{"a":"2","z":"1"}' in created.text
    cm = api.post(
        f"/api/v1/namespaces/{namespace}/configmaps",
        json={"data": {"k": "v"}, "metadata": {"labels": {"x": "y"}, "name": "order"}},
    )
    assert cm.text.startswith(
        f'{{"kind":"ConfigMap","apiVersion":"v1","metadata":{{"name":"order","namespace":"{namespace}","uid":'
    )
    assert cm.text.index('"labels"') > cm.text.index('"creationTimestamp"')
    listed = api.get(f"{RAY}/namespaces/{namespace}/rayclusters")
    assert listed.text.startswith('{"apiVersion":"ray.io/v1","items":[{"apiVersion":"ray.io/v1"')
    missing = api.get(f"/api/v1/namespaces/{namespace}/configmaps/none")
    assert missing.text.index('"details"') < missing.text.index('"code"')


def test_service_cluster_ip_is_kept_and_immutable(api, namespace):
    path = f"/api/v1/namespaces/{namespace}/services"
    created = api.post(path, json={"metadata": {"name": "s"}, "spec": {"ports": [{"port": 80}]}}).json()
    replaced = api.put(
        f"{path}/s", json={"metadata": {"name": "s"}, "spec": {"ports": [{"port": 81}]}}
    ).json()
    assert replaced["spec"]["clusterIP"] == created["spec"]["clusterIP"]
    assert replaced["spec"]["type"] == "ClusterIP"
    status = assert_status(
        api.patch(
            f"{path}/s",
            json={"spec": {"clusterIP": "10.96.0.9", "clusterIPs": None}},
            headers={"Content-Type": "application/merge-patch+json"},
        ),
        422,
        "Invalid",
        {"name": "s", "kind": "Service"},
    )
    assert status["details"]["causes"][0]["field"] == "spec.clusterIP"


def test_health_endpoints_answer_ok(api):
    for path in ("/healthz", "/livez", "/readyz"):
        answer = api.get(path)
        assert answer.status_code == 200 and answer.text == "ok"
