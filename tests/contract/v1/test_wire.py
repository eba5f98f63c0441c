"""What any v1 call does with its input and its path, whatever the resource: JSON parsing
with grpc-gateway's habits and Go's wording, unknown input as warnings (or 400 in strict
mode), body limits, unknown paths and wrong methods in the v1 error format."""

from __future__ import annotations

import pytest

from bridge.core.config import BridgeConfig
from tests.support.asserts import v1_error
from tests.support.factories import cluster_body, create_template, template_body

CT = "/apis/v1/namespaces/{ns}/compute_templates"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b'{"name": x}', "invalid character 'x' looking for beginning of value"),
        (b"{name: 1}", "invalid character 'n' looking for beginning of object key string"),
        (b'{"name" 1}', "invalid character '1' after object key"),
        (b'{"a": 1 "b": 2}', "invalid character '\"' after object key:value pair"),
        (b'{"a": [1 2]}', "invalid character '2' after array element"),
        (b'{"a": 1}}', "invalid character '}' after top-level value"),
        (b'{"name": "t"', "unexpected EOF"),
        (b"null", "proto: syntax error (line 1:1): unexpected token null"),
        (b"[1]", "proto: syntax error (line 1:1): unexpected token ["),
        (b'{"name": "a", "name": "b"}', 'proto: duplicate field "name"'),
        (b'{"cpu": "two"}', 'proto: invalid value for uint32 field cpu: "two"'),
        (b'{"cpu": NaN}', "invalid character 'N' looking for beginning of value"),
        (b'{"cpu": Infinity}', "invalid character 'I' looking for beginning of value"),
        (b'{"cpu": -Infinity}', "invalid character 'I' in numeric literal"),
        (b"[" * 100_000, "exceeded max depth"),  # was a RecursionError: 500
        (b'{"a":' * 5000 + b"1" + b"}" * 5000, "exceeded max depth"),
    ],
)
def test_bad_bodies_are_400_in_go_words(bridge, ns, raw, message):
    answer = bridge.post(CT.format(ns=ns), data=raw, content_type="application/json")
    v1_error(answer, 400, 3, message)


def test_content_type_is_ignored_and_numbers_may_be_strings(bridge, ns):
    raw = f'{{"name": "t", "namespace": "{ns}", "cpu": "2", "memory": "4"}}'
    answer = bridge.post(CT.format(ns=ns), data=raw, content_type="text/plain")
    assert answer.status_code == 200 and answer.get_json()["cpu"] == 2


def test_snake_case_bodies_and_enum_numbers_work_like_camel_case_and_names(bridge, ns):
    create_template(bridge, ns)
    body = {
        "name": "snake",
        "namespace": ns,
        "user": "u",
        "environment": 2,
        "cluster_spec": {
            "head_group_spec": {
                "compute_template": "default-template",
                "ray_start_params": {"a": "b"},
                "volumes": [
                    {
                        "name": "v",
                        "mount_path": "/m",
                        "volume_type": "HOST_PATH",
                        "source": "/h",
                        "host_path_type": 1,
                    }
                ],
            },
            "worker_group_spec": [
                {
                    "group_name": "g",
                    "compute_template": "default-template",
                    "replicas": "2",
                    "max_replicas": 3,
                    # the Go client (apiserver/pkg/http) sends proto names: this one was dropped
                    "security_context": {"capabilities": {"add": ["SYS_PTRACE"]}},
                }
            ],
        },
    }
    answer = bridge.post(f"/apis/v1/namespaces/{ns}/clusters", json=body)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert [w for w in answer.headers.getlist("Warning") if "unknown" in w] == []
    cluster = answer.get_json()
    worker = cluster["clusterSpec"]["workerGroupSpec"][0]
    assert worker["securityContext"] == {"capabilities": {"add": ["SYS_PTRACE"]}}
    assert cluster["environment"] == 2
    assert cluster["clusterSpec"]["headGroupSpec"]["volumes"] == [
        {"mountPath": "/m", "volumeType": 1, "name": "v", "source": "/h", "hostPathType": 1}
    ]
    assert cluster["clusterSpec"]["workerGroupSpec"][0]["replicas"] == 2


def test_unknown_fields_and_enum_names_are_accepted_with_one_warning_each(bridge, ns):
    create_template(bridge, ns)
    body = cluster_body(ns)
    body["environment"] = "PROD"
    body["clusterSpec"]["workerGroupSpec"][0]["gpu accelerator"] = "x"
    body["colour"] = "blue"
    answer = bridge.post(f"/apis/v1/namespaces/{ns}/clusters", json=body)
    assert answer.status_code == 200
    assert "environment" not in answer.get_json()  # stays DEV, as in Go
    warnings = answer.headers.getlist("Warning")
    assert sorted(warnings[:3]) == [  # in body order; the test client sorts keys
        '299 - "unknown enum value \\"PROD\\" for field \\"environment\\""',
        '299 - "unknown field \\"clusterSpec.workerGroupSpec[0].gpu accelerator\\""',
        '299 - "unknown field \\"colour\\""',
    ]
    assert warnings[3].startswith('299 - "KubeRay APIServer v1 is deprecated')


def test_strict_mode_rejects_unknown_input_and_writes_nothing(bridge, kube, ns):
    body = template_body(ns, storageClass="fast", memoryUnit="Gi")
    body["cpu"] = 3
    answer = bridge.post(CT.format(ns=ns) + "?strict=true", json=body)
    v1_error(answer, 400, 3, 'strict mode: unknown field "storageClass"')
    assert kube.get(f"/api/v1/namespaces/{ns}/configmaps/default-template").status_code == 404
    assert bridge.post(CT.format(ns=ns), json=body).status_code == 200


def test_the_strict_setting_applies_to_every_request(embedded, ns):
    from bridge.app import create_app

    strict = create_app(BridgeConfig(upstream=embedded.url, v1_strict=True)).test_client()
    answer = strict.post(CT.format(ns=ns), json=template_body(ns, flavour="x", volumeType="NOPE"))
    message = v1_error(answer, 400, 3)
    assert message == 'strict mode: unknown field "flavour"; unknown field "volumeType"'
    assert strict.post(CT.format(ns=ns), json=template_body(ns)).status_code == 200


def test_a_body_over_the_limit_is_413_in_v1_form(embedded, ns):
    from bridge.app import create_app

    small = create_app(BridgeConfig(upstream=embedded.url, max_body_bytes=1024)).test_client()
    body = template_body(ns, gpuAccelerator="x" * 4000)
    answer = small.post(CT.format(ns=ns), json=body)
    v1_error(answer, 413, 8)
    assert "Deprecation" in answer.headers


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/apis/v1"),
        ("GET", "/apis/v1/"),
        ("GET", "/apis/v1/namespaces/ns/image_templates"),
        ("POST", "/apis/v1/image_templates"),
        ("GET", "/apis/v1/namespaces/ns/clusters/c/extra"),
        ("GET", "/apis/v1//clusters"),
        ("GET", "/apis/v1/compute_templates/"),
    ],
)
def test_unknown_v1_paths_are_404_not_found(bridge, method, path):
    v1_error(bridge.open(path, method=method), 404, 5, "Not Found")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", "/apis/v1/namespaces/ns/clusters/c"),
        ("PATCH", "/apis/v1/namespaces/ns/compute_templates/t"),
        ("POST", "/apis/v1/clusters"),
        ("DELETE", "/apis/v1/namespaces/ns/clusters"),
        ("OPTIONS", "/apis/v1/compute_templates"),
    ],
)
def test_known_paths_with_another_method_are_501(bridge, method, path):
    v1_error(bridge.open(path, method=method), 501, 12, "Method Not Allowed")


def test_head_on_a_get_route_answers_like_get_without_a_body(bridge, ns):
    answer = bridge.head(CT.format(ns=ns))
    assert answer.status_code == 200 and answer.get_data() == b""
    assert "Deprecation" in answer.headers


def forbid_rayclusters(request, call_next):
    """A user middleware standing in for Kubernetes RBAC saying no."""
    from v2proxy.messages import status_response

    if "/rayclusters" in request.path:
        return status_response(
            403, "Forbidden", 'rayclusters.ray.io is forbidden: User "alice" cannot list resource'
        )
    return call_next(request)


def test_kubernetes_refusals_keep_their_meaning(embedded, ns):
    """Go answered every unclassified Kubernetes error with 500; a 403 stays a 403 (code 7)."""
    from bridge.app import create_app

    guarded = create_app(BridgeConfig(upstream=embedded.url), middlewares=[forbid_rayclusters]).test_client()
    v1_error(
        guarded.get(f"/apis/v1/namespaces/{ns}/clusters"),
        403,
        7,
        f"List clusters failed.: List RayCluster failed in {ns}: "
        'rayclusters.ray.io is forbidden: User "alice" cannot list resource',
    )
    assert guarded.get(CT.format(ns=ns)).status_code == 200  # the middleware only guards rayclusters


def test_a_caller_without_a_token_gets_401_in_v1_form(embedded, ns, tmp_path):
    from bridge.app import create_app

    tokens = tmp_path / "tokens"
    tokens.write_text("s3cret\n")
    locked = create_app(
        BridgeConfig(upstream=embedded.url, auth_mode="token", token_file=str(tokens))
    ).test_client()
    answer = locked.get(CT.format(ns=ns))
    v1_error(answer, 401, 16, "a bearer token is required (Authorization: Bearer <token>)")
    assert "Deprecation" in answer.headers
    assert locked.get(CT.format(ns=ns), headers={"Authorization": "Bearer s3cret"}).status_code == 200


def forbid_configmap_writes(request, call_next):
    from v2proxy.messages import status_response

    if "/configmaps" in request.path and request.method in ("POST", "DELETE"):
        return status_response(
            403, "Forbidden", 'configmaps is forbidden: User "alice" cannot create resource'
        )
    return call_next(request)


def test_refused_writes_keep_their_meaning_too(embedded, ns):
    from bridge.app import create_app

    guarded = create_app(
        BridgeConfig(upstream=embedded.url), middlewares=[forbid_configmap_writes]
    ).test_client()
    v1_error(
        guarded.post(CT.format(ns=ns), json=template_body(ns)),
        403,
        7,
        f"Failed to create a compute runtime for ({ns}/default-template): Create compute template failed.: "
        'configmaps is forbidden: User "alice" cannot create resource',
    )


def test_a_write_404_is_not_found_only_when_the_namespace_is_missing():
    """A missing namespace is the caller's mistake; a missing RayCluster CRD is the server's."""
    from v1compat.wire import write_failure

    missing_ns = {
        "kind": "Status",
        "code": 404,
        "reason": "NotFound",
        "message": 'namespaces "x" not found',
        "details": {"name": "x", "kind": "namespaces"},
    }
    assert write_failure(404, missing_ns, "Failed to create a cluster for (x/c)").code == 5
    no_crd = {
        "kind": "Status",
        "code": 404,
        "reason": "NotFound",
        "message": "the server could not find the requested resource",
        "details": {},
    }
    error = write_failure(404, no_crd, "Failed to create a cluster for (x/c)", "Create Cluster failed.")
    assert (error.code, error.message) == (
        13,
        "Internal Server Error: Create Cluster failed.: InternalServerError: Failed to create a cluster for "
        "(x/c): the server could not find the requested resource",
    )
