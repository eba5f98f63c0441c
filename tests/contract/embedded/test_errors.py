"""Every error is a Kubernetes Status with the code, reason and details clients switch on."""

from __future__ import annotations

import json
import socket

import requests

from tests.support.asserts import assert_status
from tests.support.factories import RAY, raycluster
from tests.support.sessions import Api


def test_unknown_path_is_not_found(api):
    assert_status(
        api.get("/api/v1/pods"), 404, "NotFound", {}, "the server could not find the requested resource"
    )
    assert_status(api.get("/apis/ray.io/v1/namespaces/default/rayclusters/x/scale"), 404, "NotFound")
    assert_status(api.get("/nothing/here"), 404, "NotFound")


def test_wrong_method_is_method_not_allowed(api, namespace):
    assert_status(
        api.post(f"{RAY}/namespaces/{namespace}/rayclusters/x", json=raycluster("x")), 405, "MethodNotAllowed"
    )
    # Namespaces have no deletecollection, and nobody POSTs to an all-namespaces collection.
    assert_status(api.delete("/api/v1/namespaces"), 405, "MethodNotAllowed")
    assert_status(api.post(f"{RAY}/rayclusters", json=raycluster("x")), 405, "MethodNotAllowed")


def test_create_in_missing_namespace_is_not_found(api):
    assert_status(
        api.post(f"{RAY}/namespaces/no-such-ns/rayclusters", json=raycluster("x")),
        404,
        "NotFound",
        {"name": "no-such-ns", "kind": "namespaces"},
        'namespaces "no-such-ns" not found',
    )


def test_invalid_name_is_invalid_with_cause(api, namespace):
    status = assert_status(
        api.post(f"{RAY}/namespaces/{namespace}/rayclusters", json=raycluster("Not_Valid")),
        422,
        "Invalid",
        {"name": "Not_Valid", "group": "ray.io", "kind": "RayCluster"},
    )
    [cause] = status["details"]["causes"]
    assert cause["field"] == "metadata.name" and cause["reason"] == "FieldValueInvalid"
    assert cause["message"].startswith('Invalid value: "Not_Valid": a lowercase RFC 1123 subdomain')
    assert status["message"].startswith('RayCluster.ray.io "Not_Valid" is invalid: metadata.name: ')


def test_namespace_name_must_be_a_dns_label(api):
    status = assert_status(
        api.post("/api/v1/namespaces", json={"metadata": {"name": "a.b"}}),
        422,
        "Invalid",
        {"name": "a.b", "kind": "Namespace"},
    )
    assert "RFC 1123 label" in status["details"]["causes"][0]["message"]


def test_missing_name_is_invalid(api, namespace):
    status = assert_status(
        api.post(f"/api/v1/namespaces/{namespace}/configmaps", json={"data": {}}),
        422,
        "Invalid",
        {"kind": "ConfigMap"},
    )
    assert status["details"]["causes"] == [
        {
            "reason": "FieldValueRequired",
            "field": "metadata.name",
            "message": "Required value: name or generateName is required",
        }
    ]


def test_malformed_json_is_bad_request(api, namespace):
    status = assert_status(
        api.post(
            f"/api/v1/namespaces/{namespace}/configmaps",
            data=b"{nope",
            headers={"Content-Type": "application/json"},
        ),
        400,
        "BadRequest",
    )
    assert "json parse error" in status["message"]


def test_non_object_body_is_bad_request(api, namespace):
    assert_status(api.post(f"/api/v1/namespaces/{namespace}/configmaps", json=[1, 2]), 400, "BadRequest")


def test_unknown_body_media_type_is_unsupported(api, namespace):
    assert_status(
        api.post(
            f"/api/v1/namespaces/{namespace}/configmaps",
            data=b"x",
            headers={"Content-Type": "application/cbor"},
        ),
        415,
        "UnsupportedMediaType",
    )


def test_body_for_another_api_is_bad_request(api, namespace):
    body = raycluster("x")
    body["apiVersion"] = "ray.io/v1alpha1"
    status = assert_status(
        api.post(f"{RAY}/namespaces/{namespace}/rayclusters", json=body), 400, "BadRequest"
    )
    assert status["message"] == (
        "the API version in the data (ray.io/v1alpha1) does not match the expected API version (ray.io/v1)"
    )
    body = raycluster("x")
    body["kind"] = "RayJob"
    assert_status(api.post(f"{RAY}/namespaces/{namespace}/rayclusters", json=body), 400, "BadRequest")


def test_namespace_mismatch_is_bad_request(api, namespace):
    body = raycluster("x")
    body["metadata"]["namespace"] = "elsewhere"
    assert_status(
        api.post(f"{RAY}/namespaces/{namespace}/rayclusters", json=body),
        400,
        "BadRequest",
        message="the namespace of the provided object does not match the namespace sent on the request",
    )


def test_name_mismatch_on_update_is_bad_request(api, namespace):
    obj = api.post(f"/api/v1/namespaces/{namespace}/configmaps", json={"metadata": {"name": "one"}}).json()
    obj["metadata"]["name"] = "two"
    assert_status(
        api.put(f"/api/v1/namespaces/{namespace}/configmaps/one", json=obj),
        400,
        "BadRequest",
        message="the name of the object (two) does not match the name on the URL (one)",
    )


def test_body_over_three_mebibytes_is_rejected(api, namespace):
    big = {"metadata": {"name": "big"}, "data": {"blob": "x" * (3 * 1024 * 1024)}}
    assert_status(
        api.post(f"/api/v1/namespaces/{namespace}/configmaps", json=big),
        413,
        "RequestEntityTooLarge",
        message="Request entity too large: limit is 3145728",
    )
    assert api.get(f"/api/v1/namespaces/{namespace}/configmaps/big").status_code == 404


def test_bad_dry_run_value_is_bad_request(api, namespace):
    assert_status(
        api.post(
            f"/api/v1/namespaces/{namespace}/configmaps",
            params={"dryRun": "Some"},
            json={"metadata": {"name": "d"}},
        ),
        400,
        "BadRequest",
    )


def test_failed_write_leaves_nothing_behind(api, namespace):
    path = f"{RAY}/namespaces/{namespace}/rayclusters"
    before = api.get(path).json()["metadata"]["resourceVersion"]
    api.post(path, json=raycluster("Bad_Name"))
    api.post(path, json={**raycluster("x"), "kind": "RayJob"})
    after = api.get(path).json()
    assert after["items"] == [] and after["metadata"]["resourceVersion"] == before


def test_system_namespaces_cannot_be_deleted(api):
    assert_status(
        api.delete("/api/v1/namespaces/default"),
        403,
        "Forbidden",
        {"name": "default", "kind": "namespaces"},
        'namespaces "default" is forbidden: this namespace may not be deleted',
    )
    assert api.get("/api/v1/namespaces/default").status_code == 200


def test_invalid_labels_are_invalid(api, namespace):
    status = assert_status(
        api.post(
            f"/api/v1/namespaces/{namespace}/configmaps",
            json={"metadata": {"name": "l", "labels": {"bad key!": "ok", "good": "bad value"}}},
        ),
        422,
        "Invalid",
        {"name": "l", "kind": "ConfigMap"},
    )
    messages = [cause["message"] for cause in status["details"]["causes"]]
    assert messages[0].startswith('Invalid value: "bad key!": name part must consist')
    assert messages[1].startswith('Invalid value: "bad value": a valid label must be')
    assert {cause["field"] for cause in status["details"]["causes"]} == {"metadata.labels"}


def test_update_with_another_uid_is_conflict(api, namespace):
    obj = api.post(f"/api/v1/namespaces/{namespace}/configmaps", json={"metadata": {"name": "u"}}).json()
    obj["metadata"]["uid"] = "00000000-0000-0000-0000-000000000000"
    assert_status(
        api.put(f"/api/v1/namespaces/{namespace}/configmaps/u", json=obj),
        409,
        "Conflict",
        {"name": "u", "kind": "configmaps"},
    )


def test_internal_failure_is_a_status_not_a_page(monkeypatch):
    from bridge.embedded import start

    with start() as server, Api(server.url) as api:

        def broken(*args, **kwargs):
            raise RuntimeError("disk on fire")

        monkeypatch.setattr(server.app.store, "get", broken)
        assert_status(
            api.get("/api/v1/namespaces/default/configmaps/x"),
            500,
            "InternalError",
            message="Internal error occurred: disk on fire",
        )


def test_yaml_alias_bomb_is_refused(api, namespace):
    levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        levels.append(f"l{i}: &l{i} [{', '.join(['*' + ('a' if i == 1 else f'l{i - 1}')] * 10)}]")
    bomb = "metadata: {name: bomb}\ndata:\n" + "\n".join("  " + line for line in levels) + "\n"
    status = assert_status(
        api.post(
            f"/api/v1/namespaces/{namespace}/configmaps",
            data=bomb,
            headers={"Content-Type": "application/yaml"},
        ),
        400,
        "BadRequest",
    )
    assert "excessive aliasing" in status["message"]


def test_configmap_values_must_be_strings(api, namespace):
    assert_status(
        api.post(
            f"/api/v1/namespaces/{namespace}/configmaps",
            json={"metadata": {"name": "typed"}, "data": {"n": 1}},
        ),
        400,
        "BadRequest",
        message='ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot '
        "unmarshal number into Go struct field ConfigMap.data of type string",
    )


def test_deeply_nested_body_is_refused(api, namespace):
    deep = '{"metadata":{"name":"deep"},"data":' + "[" * 5000 + "]" * 5000 + "}"
    status = assert_status(
        api.post(
            f"/api/v1/namespaces/{namespace}/configmaps",
            data=deep,
            headers={"Content-Type": "application/json"},
        ),
        400,
        "BadRequest",
    )
    assert "depth" in status["message"]
    api.post(f"/api/v1/namespaces/{namespace}/configmaps", json={"metadata": {"name": "deep"}})
    patch = '{"spec":' * 300 + "1" + "}" * 300
    assert_status(
        api.patch(
            f"/api/v1/namespaces/{namespace}/configmaps/deep",
            data=patch,
            headers={"Content-Type": "application/merge-patch+json"},
        ),
        400,
        "BadRequest",
    )


def test_metadata_fields_of_the_wrong_type_are_bad_request(api, namespace):
    """ObjectMeta is typed: a number for a name (or a string for finalizers) is a 400 naming
    the field, on create, update and patch alike, and nothing is stored."""
    path = f"{RAY}/namespaces/{namespace}/rayclusters"
    for meta in (
        {"name": 1},
        {"generateName": ["x"]},
        {"name": "t", "resourceVersion": 5},
        {"name": "t", "annotations": ["x"]},
        {"name": "t", "annotations": {"a": 1}},
        {"name": "t", "finalizers": "x"},
        {"name": "t", "finalizers": [1]},
    ):
        body = {**raycluster("t"), "metadata": meta}
        status = assert_status(api.post(path, json=body), 400, "BadRequest")
        field = next(iter(meta)) if len(meta) == 1 else list(meta)[1]
        assert f"ObjectMeta.metadata.{field} of type" in status["message"], status
    assert_status(api.post("/api/v1/namespaces", json={"metadata": {"name": 7}}), 400, "BadRequest")
    api.post(path, json=raycluster("t"))
    assert_status(
        api.patch(
            f"{path}/t",
            json={"metadata": {"finalizers": {"a": "b"}}},
            headers={"Content-Type": "application/merge-patch+json"},
        ),
        400,
        "BadRequest",
    )
    assert [item["metadata"]["name"] for item in api.get(path).json()["items"]] == ["t"]


def test_nan_and_infinity_are_not_json(api, namespace):
    """Python's json reads NaN/Infinity; stored, they made every later answer unparsable."""
    path = f"{RAY}/namespaces/{namespace}/rayclusters"
    for text in (
        '{"metadata":{"name":"n"},"spec":{"x":NaN}}',
        '{"metadata":{"name":"n"},"spec":{"x":1e999}}',
    ):
        assert_status(
            api.post(path, data=text, headers={"Content-Type": "application/json"}), 400, "BadRequest"
        )
    assert_status(
        api.post(
            path, data="metadata: {name: n}\nspec: {x: .inf}\n", headers={"Content-Type": "application/yaml"}
        ),
        400,
        "BadRequest",
    )
    assert api.get(path).json()["items"] == []


def test_generate_name_is_validated_as_a_prefix(api, namespace):
    path = f"/api/v1/namespaces/{namespace}/configmaps"
    status = assert_status(api.post(path, json={"metadata": {"generateName": "a" * 300}}), 422, "Invalid")
    [cause] = status["details"]["causes"]
    assert cause["field"] == "metadata.generateName"
    assert "must be no more than 253 characters" in cause["message"]
    assert api.post(path, json={"metadata": {"generateName": "a" * 100 + "-"}}).status_code == 201
    assert len(api.get(path).json()["items"]) == 1


def _raw(embedded, request: bytes) -> tuple[str, dict, bytes]:
    """Send bytes no HTTP library would send; the status line, headers and body."""
    host, port = embedded.url.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=20) as conn:
        conn.sendall(request)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)}
    return status_line, headers, body


def test_errors_before_the_app_runs_are_statuses_not_html(embedded):
    """http.server answered a URL over 64 KiB or a garbled request line with an HTML page."""
    status_line, headers, body = _raw(embedded, b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status_line.startswith("HTTP/1.1 414")
    assert headers["content-type"] == "application/json"
    assert json.loads(body) == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "Request-URI Too Long",
        "reason": "",
        "code": 414,
    }
    status_line, headers, body = _raw(embedded, b"GET / HTTP/1.1\r\n" + b"X: y\r\n" * 200 + b"\r\n")
    assert status_line.startswith("HTTP/1.1 431") and headers["content-type"] == "application/json"
    assert json.loads(body)["message"] == "Too many headers"
    garbled, _, _ = _raw(embedded, b"GARBAGE\r\n\r\n")  # HTTP/0.9: a body, no status line
    assert json.loads(garbled)["reason"] == "BadRequest"


def test_malformed_chunked_body_is_bad_request_and_stores_nothing(api, embedded, namespace):
    status_line, _, body = _raw(
        embedded,
        (
            f"POST /api/v1/namespaces/{namespace}/configmaps HTTP/1.1\r\nHost: x\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nxx\r\n0\r\n\r\n"
        ).encode(),
    )
    assert status_line.startswith("HTTP/1.1 400")
    status = json.loads(body)
    assert status["reason"] == "BadRequest" and "request body" in status["message"]
    assert api.get(f"/api/v1/namespaces/{namespace}/configmaps").json()["items"] == []


def test_built_in_kinds_are_decoded_with_their_types(api, namespace):
    """A Service ``spec`` that is a string was a 500; an Event whose ``involvedObject`` was a
    string was stored and then broke every ``involvedObject.*`` field selector (500)."""

    def refused(path: str, body: dict, go_field: str, go_type: str, method: str = "post") -> None:
        headers = {"Content-Type": "application/merge-patch+json"} if method == "patch" else {}
        status = assert_status(getattr(api, method)(path, json=body, headers=headers), 400, "BadRequest")
        assert f"into Go struct field {go_field} of type {go_type}" in status["message"], status

    services = f"/api/v1/namespaces/{namespace}/services"
    refused(services, {"metadata": {"name": "s"}, "spec": "x"}, "Service.spec", "v1.ServiceSpec")
    refused(
        services,
        {"metadata": {"name": "s"}, "spec": {"ports": [{"port": "80"}]}},
        "Service.spec.ports.port",
        "int32",
    )
    refused(
        services, {"metadata": {"name": "s"}, "spec": {"clusterIP": 5}}, "Service.spec.clusterIP", "string"
    )
    refused(
        "/api/v1/namespaces",
        {"metadata": {"name": f"{namespace}-x"}, "spec": {"finalizers": "x"}},
        "Namespace.spec.finalizers",
        "[]string",
    )
    events = f"/api/v1/namespaces/{namespace}/events"
    refused(
        events,
        {"metadata": {"name": "e"}, "involvedObject": "x"},
        "Event.involvedObject",
        "v1.ObjectReference",
    )
    refused(
        f"/apis/events.k8s.io/v1/namespaces/{namespace}/events",
        {"metadata": {"name": "e"}, "regarding": {"name": 5}},
        "Event.regarding.name",
        "string",
    )
    assert (
        api.post(events, json={"metadata": {"name": "ok"}, "involvedObject": {"name": "c"}}).status_code
        == 201
    )
    refused(f"{events}/ok", {"count": "2"}, "Event.count", "int32", method="patch")
    listed = api.get(events, params={"fieldSelector": "involvedObject.name=c"})
    assert [item["metadata"]["name"] for item in listed.json()["items"]] == ["ok"]
    assert api.get(services).json()["items"] == []


def test_field_selector_skips_a_malformed_event_stored_by_an_older_version():
    """Data written before typed decoding existed may hold ``involvedObject: "x"``: a list
    with an ``involvedObject.*`` selector must still answer, not 500."""
    from bridge.embedded import start

    with start() as server:
        bad = {
            "apiVersion": "v1",
            "kind": "Event",
            "involvedObject": "x",
            "metadata": {"name": "old", "namespace": "default"},
        }
        server.app.store.write("v1/events", "default", "old", lambda current: bad)
        listed = requests.get(
            server.url + "/api/v1/namespaces/default/events",
            params={"fieldSelector": "involvedObject.name=x"},
            timeout=20,
        )
        assert listed.status_code == 200, listed.text
        assert listed.json()["items"] == []


def test_configmap_binary_data_must_be_base64(api, namespace):
    path = f"/api/v1/namespaces/{namespace}/configmaps"
    status = assert_status(
        api.post(path, json={"metadata": {"name": "b"}, "binaryData": {"k": "!!!"}}), 400, "BadRequest"
    )
    assert "illegal base64 data in ConfigMap.binaryData" in status["message"]
    assert_status(api.post(path, json={"metadata": {"name": "b"}, "binaryData": {"k": 1}}), 400, "BadRequest")
    assert api.post(path, json={"metadata": {"name": "b"}, "binaryData": {"k": "AAE="}}).status_code == 201


def test_a_lone_surrogate_is_refused_with_400_and_nothing_is_stored(api, namespace):
    configmaps = f"/api/v1/namespaces/{namespace}/configmaps"
    for body in (
        '{"metadata": {"name": "a"}, "data": {"k": "\\ud800"}}',
        '{"metadata": {"name": "a\\udc00"}}',
    ):
        assert_status(
            api.post(configmaps, data=body, headers={"Content-Type": "application/json"}), 400, "BadRequest"
        )
    assert api.get(configmaps).json()["items"] == []


def test_a_yaml_integer_of_thousands_of_digits_is_a_400(api, namespace):
    body = "metadata: {name: a}\ndata: {k: v}\nextra: " + "9" * 5000 + "\n"
    response = api.post(
        f"/api/v1/namespaces/{namespace}/configmaps", data=body, headers={"Content-Type": "application/yaml"}
    )
    assert_status(response, 400, "BadRequest")
