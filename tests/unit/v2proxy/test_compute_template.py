"""Unit tests of the compute-template middleware: the pure mutation rule by rule, body decoding,
and the middleware against fake lookups (no network)."""

from __future__ import annotations

import copy
import json

import pytest
from werkzeug.datastructures import Headers

from v2proxy.bodies import body_format
from v2proxy.compute_template import (
    apply_templates,
    compute_templates,
    template_references,
    template_resources,
)
from v2proxy.messages import ProxyRequest, ProxyResponse
from v2proxy.templates import configmap_to_template, template_to_configmap

SMALL = {
    "name": "small",
    "namespace": "ns",
    "cpu": 2,
    "memory": 4,
    "gpu": 0,
    "gpu_accelerator": "",
    "memory_unit": "Gi",
}


def tpl(**fields) -> dict:
    return {**SMALL, **fields}


def group(*containers: dict, **extra) -> dict:
    return {
        "computeTemplate": "small",
        "rayStartParams": {},
        "template": {"spec": {"containers": list(containers)}},
        **extra,
    }


def cluster(head: dict | None = None, *workers: dict) -> dict:
    spec: dict = {}
    if head is not None:
        spec["headGroupSpec"] = head
    if workers:
        spec["workerGroupSpecs"] = list(workers)
    return {"apiVersion": "ray.io/v1", "kind": "RayCluster", "metadata": {"name": "c"}, "spec": spec}


def container(name: str, **resources) -> dict:
    out: dict = {"name": name, "image": "rayproject/ray:2.41.0"}
    if resources:
        out["resources"] = resources
    return out


def head_of(body: dict) -> dict:
    return body["spec"]["headGroupSpec"]


def containers_of(grp: dict) -> list[dict]:
    return grp["template"]["spec"]["containers"]


# --- resources -------------------------------------------------------------------------------

RESOURCE_CASES = [
    pytest.param(tpl(), {"cpu": "2", "memory": "4Gi"}, id="cpu-string-memory-gi"),
    pytest.param(tpl(memory_unit="Mi", memory=512), {"cpu": "2", "memory": "512Mi"}, id="explicit-unit"),
    pytest.param(
        {k: v for k, v in tpl().items() if k != "memory_unit"},
        {"cpu": "2", "memory": "4Gi"},
        id="legacy-map-defaults-to-gi",
    ),
    pytest.param(tpl(memory_unit=""), {"cpu": "2", "memory": "4Gi"}, id="empty-unit-defaults-to-gi"),
    pytest.param(
        tpl(gpu=1), {"cpu": "2", "memory": "4Gi", "nvidia.com/gpu": 1}, id="gpu-default-accelerator"
    ),
    pytest.param(
        tpl(gpu=2, gpu_accelerator="amd.com/gpu"),
        {"cpu": "2", "memory": "4Gi", "amd.com/gpu": 2},
        id="custom-accelerator",
    ),
    pytest.param(
        tpl(gpu_accelerator="amd.com/gpu"), {"cpu": "2", "memory": "4Gi"}, id="accelerator-without-gpus"
    ),
    pytest.param(
        tpl(extended_resources={"vpc.amazonaws.com/efa": 32}),
        {"cpu": "2", "memory": "4Gi", "vpc.amazonaws.com/efa": 32},
        id="extended-resources",
    ),
]


@pytest.mark.parametrize(("template", "expected"), RESOURCE_CASES)
def test_template_resources(template, expected):
    assert template_resources(template) == expected


@pytest.mark.parametrize(("template", "expected"), RESOURCE_CASES)
def test_head_ray_container_gets_limits_and_requests(template, expected):
    body = cluster(group(container("ray-head")))
    result = apply_templates(body, {"small": template})
    assert containers_of(head_of(result))[0]["resources"] == {"limits": expected, "requests": expected}


def test_gpu_is_a_json_number_and_cpu_a_string():
    result = apply_templates(cluster(group(container("ray-head"))), {"small": tpl(gpu=1)})
    encoded = json.dumps(containers_of(head_of(result))[0]["resources"]["limits"])
    assert '"nvidia.com/gpu": 1' in encoded and '"cpu": "2"' in encoded


def test_worker_groups_use_ray_worker_container():
    worker = group(container("ray-worker"), groupName="gpu", replicas=1)
    result = apply_templates(cluster(None, worker), {"small": tpl(gpu=1)})
    limits = containers_of(result["spec"]["workerGroupSpecs"][0])[0]["resources"]["limits"]
    assert limits == {"cpu": "2", "memory": "4Gi", "nvidia.com/gpu": 1}


def test_each_worker_group_gets_its_own_template():
    a = group(container("ray-worker"), groupName="a")
    b = {**group(container("ray-worker"), groupName="b"), "computeTemplate": "big"}
    result = apply_templates(cluster(None, a, b), {"small": tpl(), "big": tpl(name="big", cpu=8, memory=32)})
    workers = result["spec"]["workerGroupSpecs"]
    assert containers_of(workers[0])[0]["resources"]["limits"] == {"cpu": "2", "memory": "4Gi"}
    assert containers_of(workers[1])[0]["resources"]["limits"] == {"cpu": "8", "memory": "32Gi"}
    assert workers[1]["template"]["metadata"]["annotations"] == {"ray.io/compute-template": "big"}


def test_sidecars_are_left_alone():
    body = cluster(group(container("fluent-bit", limits={"cpu": "100m"}), container("ray-head")))
    result = apply_templates(body, {"small": tpl(gpu=1)})
    sidecar, ray = containers_of(head_of(result))
    assert sidecar == container("fluent-bit", limits={"cpu": "100m"})
    assert ray["resources"]["requests"]["cpu"] == "2"


def test_first_container_is_the_ray_container_when_none_has_the_ray_name():
    body = cluster(group(container("ray"), container("sidecar")))
    result = apply_templates(body, {"small": tpl(gpu=1)})
    ray, sidecar = containers_of(head_of(result))
    assert ray["resources"]["limits"] == {"cpu": "2", "memory": "4Gi", "nvidia.com/gpu": 1}
    assert "resources" not in sidecar


def test_ray_worker_name_in_head_group_is_not_the_head_container():
    body = cluster(group(container("main"), container("ray-worker")))
    result = apply_templates(body, {"small": tpl()})
    main, other = containers_of(head_of(result))
    assert main["resources"]["limits"]["cpu"] == "2"
    assert "resources" not in other


def test_other_resource_keys_are_kept_and_template_keys_overwritten():
    ray = container(
        "ray-head",
        limits={"cpu": "1", "ephemeral-storage": "10Gi"},
        requests={"memory": "1Gi", "hugepages-2Mi": "1Gi"},
        claims=[{"name": "gpu"}],
    )
    result = apply_templates(cluster(group(ray)), {"small": tpl()})
    resources = containers_of(head_of(result))[0]["resources"]
    assert resources == {
        "limits": {"cpu": "2", "memory": "4Gi", "ephemeral-storage": "10Gi"},
        "requests": {"cpu": "2", "memory": "4Gi", "hugepages-2Mi": "1Gi"},
        "claims": [{"name": "gpu"}],
    }


# --- annotation, removal of the field --------------------------------------------------------


def test_annotation_added_and_existing_metadata_kept():
    head = group(container("ray-head"))
    head["template"]["metadata"] = {"labels": {"team": "a"}, "annotations": {"x": "y"}}
    result = apply_templates(cluster(head), {"small": tpl()})
    assert head_of(result)["template"]["metadata"] == {
        "labels": {"team": "a"},
        "annotations": {"x": "y", "ray.io/compute-template": "small"},
    }


def test_compute_template_field_is_removed():
    result = apply_templates(cluster(group(container("ray-head"))), {"small": tpl()})
    assert "computeTemplate" not in head_of(result)
    assert head_of(result)["rayStartParams"] == {}


@pytest.mark.parametrize("pod_template", [None, "a string", ["list"]], ids=["missing", "string", "list"])
def test_group_template_not_an_object_changes_nothing_but_the_field(pod_template):
    head = {"computeTemplate": "small", "rayStartParams": {}}
    if pod_template is not None:
        head["template"] = pod_template
    result = apply_templates(cluster(head), {"small": tpl(tolerations=[{"key": "k"}])})
    expected = {"rayStartParams": {}}
    if pod_template is not None:
        expected["template"] = pod_template
    assert head_of(result) == expected


def test_pod_spec_missing_still_annotates():
    head = {"computeTemplate": "small", "template": {"metadata": {}}}
    result = apply_templates(cluster(head), {"small": tpl()})
    assert head_of(result)["template"] == {"metadata": {"annotations": {"ray.io/compute-template": "small"}}}


def test_unknown_template_name_leaves_group_untouched():
    body = cluster(group(container("ray-head")))
    assert apply_templates(body, {}) == body


@pytest.mark.parametrize("value", [7, None, {"name": "small"}], ids=["number", "null", "object"])
def test_non_string_compute_template_is_not_a_reference(value):
    body = cluster({**group(container("ray-head")), "computeTemplate": value})
    assert template_references(body) == []
    assert apply_templates(body, {"small": tpl()}) == body


def test_input_is_not_modified():
    body = cluster(group(container("ray-head")), group(container("ray-worker")))
    before = copy.deepcopy(body)
    apply_templates(body, {"small": tpl(tolerations=[{"key": "k"}])})
    assert body == before


# --- tolerations -----------------------------------------------------------------------------

GPU_TOLERATION = {"key": "nvidia.com/gpu", "operator": "Exists", "value": "", "effect": "NoSchedule"}


def test_tolerations_appended_with_all_four_keys():
    head = group(container("ray-head"))
    head["template"]["spec"]["tolerations"] = [{"key": "a", "operator": "Equal", "value": "1"}]
    template = tpl(tolerations=[{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}])
    result = apply_templates(cluster(head), {"small": template})
    assert head_of(result)["template"]["spec"]["tolerations"] == [
        {"key": "a", "operator": "Equal", "value": "1"},
        GPU_TOLERATION,
    ]


def test_identical_toleration_already_present_is_not_duplicated():
    head = group(container("ray-head"))
    head["template"]["spec"]["tolerations"] = [
        {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}
    ]
    result = apply_templates(cluster(head), {"small": tpl(tolerations=[GPU_TOLERATION])})
    assert head_of(result)["template"]["spec"]["tolerations"] == [
        {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}
    ]


def test_toleration_differing_in_one_field_is_appended():
    head = group(container("ray-head"))
    existing = {**GPU_TOLERATION, "effect": "NoExecute"}
    head["template"]["spec"]["tolerations"] = [existing]
    result = apply_templates(cluster(head), {"small": tpl(tolerations=[GPU_TOLERATION])})
    assert head_of(result)["template"]["spec"]["tolerations"] == [existing, GPU_TOLERATION]


def test_toleration_with_seconds_is_not_the_same_toleration():
    head = group(container("ray-head"))
    existing = {**GPU_TOLERATION, "effect": "NoExecute", "tolerationSeconds": 30}
    template = tpl(tolerations=[{**GPU_TOLERATION, "effect": "NoExecute"}])
    head["template"]["spec"]["tolerations"] = [existing]
    result = apply_templates(cluster(head), {"small": template})
    assert len(head_of(result)["template"]["spec"]["tolerations"]) == 2


def test_tolerations_repeated_inside_the_template_are_added_once():
    result = apply_templates(
        cluster(group(container("ray-head"))), {"small": tpl(tolerations=[GPU_TOLERATION] * 2)}
    )
    assert head_of(result)["template"]["spec"]["tolerations"] == [GPU_TOLERATION]


def test_no_tolerations_key_when_template_has_none():
    result = apply_templates(cluster(group(container("ray-head"))), {"small": tpl()})
    assert "tolerations" not in head_of(result)["template"]["spec"]


# --- group location --------------------------------------------------------------------------


def test_rayjob_groups_are_under_ray_cluster_spec():
    body = {
        "kind": "RayJob",
        "spec": {
            "entrypoint": "python -c 1",
            "rayClusterSpec": {
                "headGroupSpec": group(container("ray-head")),
                "workerGroupSpecs": [group(container("ray-worker"))],
            },
        },
    }
    refs = template_references(body)
    assert [r.field for r in refs] == [
        "spec.rayClusterSpec.headGroupSpec.computeTemplate",
        "spec.rayClusterSpec.workerGroupSpecs[0].computeTemplate",
    ]
    result = apply_templates(body, {"small": tpl()})
    cluster_spec = result["spec"]["rayClusterSpec"]
    assert containers_of(cluster_spec["headGroupSpec"])[0]["resources"]["limits"]["cpu"] == "2"
    assert containers_of(cluster_spec["workerGroupSpecs"][0])[0]["resources"]["limits"]["cpu"] == "2"
    assert result["spec"]["entrypoint"] == "python -c 1"


def test_rayservice_groups_are_under_ray_cluster_config():
    body = {
        "kind": "RayService",
        "spec": {"serveConfigV2": "x", "rayClusterConfig": {"headGroupSpec": group(container("ray-head"))}},
    }
    assert [r.field for r in template_references(body)] == [
        "spec.rayClusterConfig.headGroupSpec.computeTemplate"
    ]
    result = apply_templates(body, {"small": tpl()})
    assert "computeTemplate" not in result["spec"]["rayClusterConfig"]["headGroupSpec"]


def test_ray_cluster_spec_wins_over_top_level_groups():
    body = {"spec": {"rayClusterSpec": {}, "headGroupSpec": group(container("ray-head"))}}
    assert template_references(body) == []


def test_worker_entries_that_are_not_objects_are_skipped_but_keep_their_index():
    body = cluster(None, "junk", group(container("ray-worker")))
    assert [r.field for r in template_references(body)] == ["spec.workerGroupSpecs[1].computeTemplate"]


@pytest.mark.parametrize("body", [{}, {"spec": "x"}, {"spec": None}, {"spec": {"headGroupSpec": []}}])
def test_bodies_without_groups_have_no_references(body):
    assert template_references(body) == []
    assert apply_templates(body, {"small": tpl()}) == body


def test_template_read_from_the_go_configmap_format():
    configmap = template_to_configmap(
        {
            "name": "gpu",
            "cpu": 4,
            "memory": 16,
            "gpu": 1,
            "extended_resources": {"vpc.amazonaws.com/efa": 2},
            "tolerations": [{"key": "gpu", "operator": "Exists", "effect": "NoSchedule"}],
        },
        "ns",
    )
    body = cluster({**group(container("ray-head")), "computeTemplate": "gpu"})
    result = apply_templates(body, {"gpu": configmap_to_template(configmap)})
    head = head_of(result)
    assert containers_of(head)[0]["resources"]["requests"] == {
        "cpu": "4",
        "memory": "16Gi",
        "nvidia.com/gpu": 1,
        "vpc.amazonaws.com/efa": 2,
    }
    assert head["template"]["spec"]["tolerations"] == [
        {"key": "gpu", "operator": "Exists", "value": "", "effect": "NoSchedule"}
    ]


# --- media types -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        (None, "json"),
        ("", "json"),
        ("application/json", "json"),
        ("application/json; charset=utf-8", "json"),
        ("Application/JSON", "json"),
        ("application/yaml", "yaml"),
        ("application/x-yaml", "yaml"),
        ("text/yaml", "yaml"),
        ("text/x-yaml; charset=utf-8", "yaml"),
        ("application/vnd.example+yaml", "yaml"),
        ("application/vnd.kubernetes.protobuf", None),
        ("text/plain", None),
        ("application/json-patch+json", None),
    ],
)
def test_body_format(content_type, expected):
    assert body_format(content_type) == expected


# --- the middleware with fake lookups --------------------------------------------------------

TEMPLATE_LABELS = {"ray.io/config-type": "compute-template", "ray.io/compute-template": "small"}


def configmap(name: str = "small", labels: dict | None = TEMPLATE_LABELS, **data) -> dict:
    metadata: dict = {"name": name, "namespace": "ns"}
    if labels is not None:
        metadata["labels"] = labels
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata,
        "data": {
            "name": name,
            "namespace": "ns",
            "cpu": "2",
            "memory": "4",
            "memory_unit": "Gi",
            "gpu": "0",
            **data,
        },
    }


def not_found(name: str) -> dict:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "reason": "NotFound",
        "code": 404,
        "message": f'configmaps "{name}" not found',
    }


class FakeLookup:
    """Answers ConfigMap GETs from a dict (name -> (status, payload)) and records them."""

    def __init__(self, answers: dict[str, tuple[int, object]]):
        self.answers = answers
        self.requests: list[ProxyRequest] = []

    def __call__(self, request: ProxyRequest) -> ProxyResponse:
        self.requests.append(request)
        name = request.path.rsplit("/", 1)[1]
        status, payload = self.answers.get(name, (404, not_found(name)))
        return ProxyResponse.from_json(status, payload)


class Upstream:
    """The next handler: keeps what reached it."""

    def __init__(self):
        self.request: ProxyRequest | None = None
        self.body: bytes | None = None

    def __call__(self, request: ProxyRequest) -> ProxyResponse:
        self.request = request
        self.body = request.read_body()
        return ProxyResponse.from_json(201, {"kind": "RayCluster"})


def post(body: bytes, content_type: str | None = "application/json", **headers) -> ProxyRequest:
    request_headers = Headers(headers)
    if content_type is not None:
        request_headers["Content-Type"] = content_type
    request_headers["Content-Length"] = str(len(body))
    return ProxyRequest(
        method="POST",
        path="/apis/ray.io/v1/namespaces/ns/rayclusters",
        headers=request_headers,
        body=body,
        params={"namespace": "ns", "plural": "rayclusters"},
    )


def run(request: ProxyRequest, answers: dict | None = None) -> tuple[ProxyResponse, Upstream, FakeLookup]:
    lookup = FakeLookup({"small": (200, configmap())} if answers is None else answers)
    upstream = Upstream()
    response = compute_templates(lookup)(request, upstream)
    return response, upstream, lookup


CLUSTER_YAML = b"""\
apiVersion: ray.io/v1
kind: RayCluster
metadata:
  name: c
  creationTimestamp: 2026-11-21T10:00:00Z
spec:
  headGroupSpec:
    computeTemplate: small
    rayStartParams: {}
    template:
      spec:
        containers:
        - name: ray-head
          image: rayproject/ray:2.41.0
"""


@pytest.mark.parametrize(
    "content_type", ["application/yaml", "text/yaml", "application/x-yaml", "application/vnd.x+yaml"]
)
def test_yaml_body_is_expanded_and_forwarded_as_json(content_type):
    response, upstream, _ = run(post(CLUSTER_YAML, content_type))
    assert response.status == 201
    assert upstream.request.headers["Content-Type"] == "application/json"
    assert upstream.request.headers["Content-Length"] == str(len(upstream.body))
    sent = json.loads(upstream.body)
    assert sent["metadata"]["creationTimestamp"] == "2026-11-21T10:00:00Z"
    assert containers_of(head_of(sent))[0]["resources"]["limits"] == {"cpu": "2", "memory": "4Gi"}
    assert "computeTemplate" not in head_of(sent)


def test_yaml_with_document_markers_is_one_document():
    response, upstream, _ = run(post(b"---\n" + CLUSTER_YAML + b"---\n", "application/yaml"))
    assert response.status == 201
    assert "computeTemplate" not in head_of(json.loads(upstream.body))


def test_json_without_content_type_is_expanded():
    body = json.dumps(cluster(group(container("ray-head")))).encode()
    response, upstream, _ = run(post(body, content_type=None))
    assert response.status == 201
    assert upstream.request.headers["Content-Type"] == "application/json"
    assert head_of(json.loads(upstream.body))["template"]["metadata"]["annotations"] == {
        "ray.io/compute-template": "small"
    }


def test_json_without_template_is_forwarded_byte_for_byte():
    body = b'{"kind": "RayCluster",  "spec": {"headGroupSpec": {"rayStartParams": {}}}, "n": 1.50}'
    response, upstream, lookup = run(post(body, "application/json; charset=utf-8"))
    assert upstream.body == body
    assert upstream.request.headers["Content-Type"] == "application/json; charset=utf-8"
    assert lookup.requests == []


def test_yaml_without_template_is_forwarded_as_json():
    _, upstream, lookup = run(post(b"kind: RayCluster\nspec:\n  headGroupSpec: {}\n", "text/yaml"))
    assert json.loads(upstream.body) == {"kind": "RayCluster", "spec": {"headGroupSpec": {}}}
    assert upstream.request.headers["Content-Type"] == "application/json"
    assert lookup.requests == []


def test_big_integers_survive_reencoding():
    body = cluster(group(container("ray-head")))
    body["metadata"]["annotations"] = {"n": "x"}
    body["spec"]["big"] = 2**63 + 1
    _, upstream, _ = run(post(json.dumps(body).encode()))
    assert b'"big":9223372036854775809' in upstream.body


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"[1, 2]", "application/json"),
        (b'"text"', None),
        (b'{"spec": "nope"}', "application/json"),
        (b"", None),
        (b"- a\n- b\n", "application/yaml"),
        (b"\x08\x00binary", "application/vnd.kubernetes.protobuf"),
    ],
    ids=["json-list", "json-string", "spec-not-object", "empty", "yaml-list", "protobuf"],
)
def test_bodies_the_middleware_does_not_handle_go_on_untouched(body, content_type):
    request = post(body, content_type)
    headers_before = list(request.headers.items())
    response, upstream, lookup = run(request)
    assert response.status == 201
    assert upstream.body == body
    assert list(upstream.request.headers.items()) == headers_before
    assert lookup.requests == []


@pytest.mark.parametrize(
    ("body", "content_type", "fragment"),
    [
        (b'{"spec": ', "application/json", "invalid JSON body"),
        (b"{'single': 'quotes'}", None, "invalid JSON body"),
        (b"spec: [unclosed\n", "application/yaml", "invalid YAML body"),
        (b"kind: A\n---\nkind: B\n", "application/yaml", "2 documents"),
        (b"\xff\xfe", "application/json", "invalid JSON body"),
    ],
    ids=["truncated-json", "not-json", "bad-yaml", "multi-document", "bad-utf8"],
)
def test_unparsable_body_is_400_status(body, content_type, fragment):
    response, upstream, _ = run(post(body, content_type))
    assert response.status == 400
    status = response.json()
    assert status["kind"] == "Status" and status["reason"] == "BadRequest" and status["code"] == 400
    assert fragment in status["message"]
    assert upstream.request is None


def test_yaml_value_json_cannot_carry_is_400():
    yaml_body = CLUSTER_YAML + b"  x: .nan\n"
    response, upstream, _ = run(post(yaml_body, "application/yaml"))
    assert response.status == 400 and upstream.request is None


def test_missing_template_is_422_naming_it_and_the_field():
    body = cluster(
        None, group(container("ray-worker")), {**group(container("ray-worker")), "computeTemplate": "nope"}
    )
    response, upstream, _ = run(post(json.dumps(body).encode()))
    assert response.status == 422
    status = response.json()
    assert status["reason"] == "Invalid"
    assert status["message"] == 'compute template "nope" not found in namespace "ns"'
    assert status["details"]["kind"] == "RayCluster"
    assert status["details"]["name"] == "c"
    assert [(c["field"], c["reason"]) for c in status["details"]["causes"]] == [
        ("spec.workerGroupSpecs[1].computeTemplate", "FieldValueNotFound")
    ]
    assert upstream.request is None


def test_every_missing_template_is_listed():
    body = cluster(
        {**group(container("ray-head")), "computeTemplate": "a"},
        {**group(container("ray-worker")), "computeTemplate": "b"},
    )
    response, _, _ = run(post(json.dumps(body).encode()))
    status = response.json()
    assert status["message"] == 'compute templates "a", "b" not found in namespace "ns"'
    assert len(status["details"]["causes"]) == 2


def test_configmap_without_template_label_is_not_a_template():
    response, upstream, _ = run(
        post(CLUSTER_YAML, "application/yaml"), {"small": (200, configmap(labels={"app": "x"}))}
    )
    assert response.status == 422
    assert 'compute template "small" not found in namespace "ns"' == response.json()["message"]
    assert upstream.request is None


@pytest.mark.parametrize("name", ["../secrets/x", "UPPER", "", "a/b"])
def test_names_that_cannot_be_configmaps_are_not_looked_up(name):
    body = cluster({**group(container("ray-head")), "computeTemplate": name})
    response, _, lookup = run(post(json.dumps(body).encode()))
    assert response.status == 422
    assert lookup.requests == []


@pytest.mark.parametrize(
    ("code", "reason"),
    [(403, "Forbidden"), (401, "Unauthorized"), (500, "InternalError"), (503, "ServiceUnavailable")],
)
def test_other_lookup_failures_keep_the_upstream_status(code, reason):
    upstream_status = {
        "kind": "Status",
        "status": "Failure",
        "code": code,
        "reason": reason,
        "message": 'configmaps "small" is forbidden: User "bob" cannot get',
    }
    response, upstream, _ = run(post(CLUSTER_YAML, "application/yaml"), {"small": (code, upstream_status)})
    assert response.status == code
    status = response.json()
    assert status["kind"] == "Status" and status["reason"] == reason
    assert status["message"].startswith('cannot get compute template "small" in namespace "ns": ')
    assert upstream.request is None


def test_lookup_failure_without_status_body_names_the_code():
    response, _, _ = run(post(CLUSTER_YAML, "application/yaml"), {"small": (502, "<html>bad gateway</html>")})
    assert response.status == 502
    assert (
        response.json()["message"]
        == 'cannot get compute template "small" in namespace "ns" (upstream answered 502)'
    )


def test_each_template_is_fetched_once_with_the_callers_credentials():
    body = cluster(
        group(container("ray-head")), group(container("ray-worker")), group(container("ray-worker"))
    )
    request = post(json.dumps(body).encode(), Authorization="Bearer user-token", **{"X-Request-Id": "req-1"})
    request.dialect = "v1"
    _, upstream, lookup = run(request)
    assert len(lookup.requests) == 1
    sent = lookup.requests[0]
    assert (sent.method, sent.path) == ("GET", "/api/v1/namespaces/ns/configmaps/small")
    assert sent.headers["Authorization"] == "Bearer user-token"
    assert sent.headers["X-Request-Id"] == "req-1"
    assert sent.dialect == "v1"
    assert upstream.request.headers["Authorization"] == "Bearer user-token"
