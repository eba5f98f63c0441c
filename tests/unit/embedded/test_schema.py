"""CRD schemas prune, default and validate custom resources as the Kubernetes API server does."""

from __future__ import annotations

import copy
import textwrap

import pytest

from bridge.embedded.errors import ApiError
from bridge.embedded.resources import lookup
from bridge.embedded.schema import SchemaRegistry
from tests.support.factories import rayjob
from tests.support.repo import CRD_DIR

RAYCLUSTERS = lookup("ray.io", "v1", "rayclusters")
RAYJOBS = lookup("ray.io", "v1", "rayjobs")
CONFIGMAPS = lookup("", "v1", "configmaps")


@pytest.fixture(scope="module")
def registry() -> SchemaRegistry:
    return SchemaRegistry(str(CRD_DIR))


def complete_raycluster() -> dict:
    """A complete RayCluster that sets every field the CRD defaults."""
    container = {
        "name": "ray-worker",
        "image": "rayproject/ray:2.9.0",
        "ports": [{"containerPort": 8265, "name": "dashboard", "protocol": "TCP"}],
        "resources": {"limits": {"cpu": "1", "memory": "2Gi"}, "requests": {"cpu": 1}},
    }
    return {
        "apiVersion": "ray.io/v1",
        "kind": "RayCluster",
        "metadata": {"name": "demo", "namespace": "default", "labels": {"team": "ml"}},
        "spec": {
            "rayVersion": "2.9.0",
            "headGroupSpec": {
                "rayStartParams": {"dashboard-host": "0.0.0.0"},
                "template": {
                    "metadata": {"labels": {"role": "head"}},
                    "spec": {"containers": [{**container, "name": "ray-head"}]},
                },
            },
            "workerGroupSpecs": [
                {
                    "groupName": "small",
                    "replicas": 1,
                    "minReplicas": 1,
                    "maxReplicas": 3,
                    "numOfHosts": 1,
                    "priority": 0,
                    "rayStartParams": {},
                    "template": {"spec": {"containers": [container]}},
                }
            ],
        },
    }


def invalid(registry: SchemaRegistry, obj: dict, **kwargs) -> ApiError:
    with pytest.raises(ApiError) as raised:
        registry.admit(RAYCLUSTERS, obj, **kwargs)
    return raised.value


# -- pruning --------------------------------------------------------------------------------


def test_valid_object_is_admitted_unchanged_without_warnings(registry):
    obj = complete_raycluster()
    admitted, warnings = registry.admit(RAYCLUSTERS, obj)
    assert admitted == complete_raycluster()
    assert warnings == []


def test_unknown_fields_are_pruned_with_kubernetes_warnings(registry):
    obj = complete_raycluster()
    obj["spec"]["foo"] = "bar"
    obj["spec"]["workerGroupSpecs"][0]["template"]["spec"]["containers"][0]["colour"] = "blue"
    obj["spec"]["headGroupSpec"]["template"]["metadata"]["generateName"] = "head-"
    obj["metadata"]["bogus"] = 1

    admitted, warnings = registry.admit(RAYCLUSTERS, obj)

    assert warnings == [  # sorted, like the API server
        'unknown field "metadata.bogus"',
        'unknown field "spec.foo"',
        'unknown field "spec.headGroupSpec.template.metadata.generateName"',
        'unknown field "spec.workerGroupSpecs[0].template.spec.containers[0].colour"',
    ]
    assert admitted == complete_raycluster()
    assert obj["spec"]["foo"] == "bar", "the caller's object is not modified"


def test_root_type_and_object_meta_are_kept(registry):
    obj = complete_raycluster()
    obj["metadata"].update(
        {
            "annotations": {"a": "b"},
            "finalizers": ["x/y"],
            "uid": "u",
            "resourceVersion": "3",
            "generation": 2,
            "creationTimestamp": "2026-11-21T00:00:00Z",
            "ownerReferences": [{"apiVersion": "v1", "kind": "Pod", "name": "p", "uid": "q"}],
        }
    )
    admitted, warnings = registry.admit(RAYCLUSTERS, obj)
    assert warnings == []
    assert admitted["metadata"] == obj["metadata"]
    assert admitted["apiVersion"] == "ray.io/v1" and admitted["kind"] == "RayCluster"


def test_ray_start_params_is_a_map_of_strings(registry):
    obj = complete_raycluster()
    obj["spec"]["headGroupSpec"]["rayStartParams"] = {"num-cpus": "0", "any-key-at-all": "x"}
    admitted, warnings = registry.admit(RAYCLUSTERS, obj)
    assert warnings == []
    assert admitted["spec"]["headGroupSpec"]["rayStartParams"] == {"num-cpus": "0", "any-key-at-all": "x"}

    obj["spec"]["headGroupSpec"]["rayStartParams"]["num-cpus"] = 0
    error = invalid(registry, obj)
    assert error.details["causes"] == [
        {
            "reason": "FieldValueTypeInvalid",
            "message": 'Invalid value: "integer": spec.headGroupSpec.rayStartParams.num-cpus in body '
            'must be of type string: "integer"',
            "field": "spec.headGroupSpec.rayStartParams.num-cpus",
        }
    ]


def test_strict_validation_refuses_unknown_fields(registry):
    obj = complete_raycluster()
    obj["spec"]["foo"] = 1
    obj["spec"]["workerGroupSpecs"][0]["bar"] = 2
    error = invalid(registry, obj, field_validation="Strict")
    assert (error.code, error.reason) == (400, "BadRequest")
    assert error.message == (
        'RayCluster in version "v1" cannot be handled as a RayCluster: strict decoding error: '
        'unknown field "spec.foo", unknown field "spec.workerGroupSpecs[0].bar"'
    )


def test_ignore_prunes_silently(registry):
    obj = complete_raycluster()
    obj["spec"]["foo"] = 1
    admitted, warnings = registry.admit(RAYCLUSTERS, obj, field_validation="Ignore")
    assert warnings == []
    assert "foo" not in admitted["spec"]


def test_unknown_directive_is_a_bad_request(registry):
    error = invalid(registry, complete_raycluster(), field_validation="Loose")
    assert (error.code, error.reason) == (400, "BadRequest")
    assert error.message == (
        'fieldValidation: Unsupported value: "Loose": supported values: "Ignore", "Strict", "Warn"'
    )


# -- defaulting ----------------------------------------------------------------------------


def test_declared_defaults_are_filled_in(registry):
    obj = complete_raycluster()
    group = obj["spec"]["workerGroupSpecs"][0]
    for key in ("replicas", "minReplicas", "maxReplicas", "numOfHosts", "priority"):
        del group[key]
    del group["template"]["spec"]["containers"][0]["ports"][0]["protocol"]

    admitted, _ = registry.admit(RAYCLUSTERS, obj)

    defaulted = admitted["spec"]["workerGroupSpecs"][0]
    assert (
        defaulted["replicas"],
        defaulted["minReplicas"],
        defaulted["maxReplicas"],
        defaulted["numOfHosts"],
        defaulted["priority"],
    ) == (0, 0, 2147483647, 1, 0)
    assert defaulted["template"]["spec"]["containers"][0]["ports"][0]["protocol"] == "TCP"


def test_nulls_become_defaults_or_disappear(registry):
    obj = complete_raycluster()
    obj["spec"]["workerGroupSpecs"][0]["replicas"] = None  # has a default
    obj["spec"]["suspend"] = None  # has none, and is not nullable
    admitted, _ = registry.admit(RAYCLUSTERS, obj)
    assert admitted["spec"]["workerGroupSpecs"][0]["replicas"] == 0
    assert "suspend" not in admitted["spec"]


def test_defaults_can_be_switched_off():
    plain = SchemaRegistry(str(CRD_DIR), apply_defaults=False)
    obj = complete_raycluster()
    del obj["spec"]["workerGroupSpecs"][0]["numOfHosts"]
    admitted, _ = plain.admit(RAYCLUSTERS, obj)
    assert "numOfHosts" not in admitted["spec"]["workerGroupSpecs"][0]


# -- validation ----------------------------------------------------------------------------


def test_missing_required_field(registry):
    obj = complete_raycluster()
    del obj["spec"]["headGroupSpec"]
    error = invalid(registry, obj)
    assert (error.code, error.reason) == (422, "Invalid")
    assert error.message == 'RayCluster.ray.io "demo" is invalid: spec.headGroupSpec: Required value'
    assert error.details == {
        "name": "demo",
        "group": "ray.io",
        "kind": "RayCluster",
        "causes": [
            {"reason": "FieldValueRequired", "message": "Required value", "field": "spec.headGroupSpec"}
        ],
    }
    assert error.status()["code"] == 422


def test_wrong_type(registry):
    obj = complete_raycluster()
    obj["spec"]["workerGroupSpecs"][0]["replicas"] = "two"
    error = invalid(registry, obj)
    assert error.message == (
        'RayCluster.ray.io "demo" is invalid: spec.workerGroupSpecs[0].replicas: Invalid value: "string": '
        'spec.workerGroupSpecs[0].replicas in body must be of type integer: "string"'
    )
    assert error.details["causes"][0]["reason"] == "FieldValueTypeInvalid"


def test_invalid_enum(registry):
    obj = complete_raycluster()
    obj["spec"]["autoscalerOptions"] = {"upscalingMode": "Eager"}
    error = invalid(registry, obj)
    assert error.details["causes"] == [
        {
            "reason": "FieldValueNotSupported",
            "message": 'Unsupported value: "Eager": supported values: '
            '"Default", "Aggressive", "Conservative"',
            "field": "spec.autoscalerOptions.upscalingMode",
        }
    ]


def test_int_or_string_and_its_pattern(registry):
    obj = complete_raycluster()
    limits = obj["spec"]["headGroupSpec"]["template"]["spec"]["containers"][0]["resources"]["limits"]
    limits["cpu"] = True
    limits["memory"] = "lots"
    error = invalid(registry, obj)
    prefix = "spec.headGroupSpec.template.spec.containers[0].resources.limits"
    messages = {cause["field"]: cause["message"] for cause in error.details["causes"]}
    assert messages[f"{prefix}.cpu"] == (
        f'Invalid value: "boolean": {prefix}.cpu in body must be of type integer,string: "boolean"'
    )
    assert messages[f"{prefix}.memory"].startswith(
        f'Invalid value: "lots": {prefix}.memory in body should match \'^(\\+|-)?(([0-9]+'
    )


def test_several_errors_are_listed_in_brackets(registry):
    obj = complete_raycluster()
    del obj["spec"]["headGroupSpec"]
    obj["spec"]["rayVersion"] = 2
    error = invalid(registry, obj)
    assert error.message == (
        'RayCluster.ray.io "demo" is invalid: [spec.headGroupSpec: Required value, spec.rayVersion: '
        'Invalid value: "integer": spec.rayVersion in body must be of type string: "integer"]'
    )
    assert len(error.details["causes"]) == 2


def condition(**fields) -> dict:
    base = {
        "type": "Ready",
        "status": "True",
        "lastTransitionTime": "2026-11-21T10:00:00Z",
        "reason": "AllGood",
        "message": "ok",
    }
    return {**base, **fields}


def test_status_is_validated_only_on_status_writes(registry):
    obj = complete_raycluster()
    obj["status"] = {"conditions": [condition(status="Maybe", observedGeneration=-1, reason="")]}

    admitted, _ = registry.admit(RAYCLUSTERS, obj)  # main resource: status is not its business
    assert admitted["status"]["conditions"][0]["status"] == "Maybe"

    with pytest.raises(ApiError) as raised:
        registry.admit(RAYCLUSTERS, obj, subresource="status")
    causes: dict[str, list[str]] = {}
    for cause in raised.value.details["causes"]:
        causes.setdefault(cause["field"], []).append(cause["message"])
    assert causes["status.conditions[0].status"] == [
        'Unsupported value: "Maybe": supported values: "True", "False", "Unknown"'
    ]
    assert causes["status.conditions[0].observedGeneration"] == [
        "Invalid value: -1: status.conditions[0].observedGeneration in body should be greater than "
        "or equal to 0"
    ]
    assert causes["status.conditions[0].reason"] == [
        'Invalid value: "": status.conditions[0].reason in body should be at least 1 chars long',
        'Invalid value: "": status.conditions[0].reason in body should match '
        "'^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$'",
    ]


def test_status_formats_and_lengths(registry):
    obj = complete_raycluster()
    obj["status"] = {"conditions": [condition(lastTransitionTime="yesterday", type="x" * 317)]}
    with pytest.raises(ApiError) as raised:
        registry.admit(RAYCLUSTERS, obj, subresource="status")
    causes = {cause["field"]: cause for cause in raised.value.details["causes"]}
    assert causes["status.conditions[0].lastTransitionTime"]["message"] == (
        'Invalid value: "yesterday": status.conditions[0].lastTransitionTime in body must be of type '
        'date-time: "yesterday"'
    )
    assert causes["status.conditions[0].type"] == {
        "reason": "FieldValueTooLong",
        "message": "Too long: may not be more than 316 bytes",
        "field": "status.conditions[0].type",
    }

    obj["status"] = {"conditions": [condition()], "state": "ready"}
    admitted, _ = registry.admit(RAYCLUSTERS, obj, subresource="status")
    assert admitted["status"]["state"] == "ready"


def test_other_custom_resources_use_their_own_schema(registry):
    job = rayjob("j", entrypointNumCpus=1)
    admitted, _ = registry.admit(RAYJOBS, job)
    assert admitted["spec"]["submissionMode"] == "K8sJobMode"  # RayJob's own default
    job["spec"]["entrypointNumCpus"] = "two"
    with pytest.raises(ApiError) as raised:
        registry.admit(RAYJOBS, job)
    assert raised.value.message == (
        'RayJob.ray.io "j" is invalid: spec.entrypointNumCpus: Invalid value: "string": '
        'spec.entrypointNumCpus in body must be of type number: "string"'
    )


def test_resources_without_a_crd_pass_through(registry):
    configmap = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "c"},
        "data": {"a": "b"},
        "anything": {"goes": True},
    }
    assert registry.admit(CONFIGMAPS, configmap) == (configmap, [])
    assert SchemaRegistry(None).admit(RAYCLUSTERS, {"spec": {"foo": 1}}) == ({"spec": {"foo": 1}}, [])


# -- schema features the KubeRay CRDs do not use -----------------------------------------------

WIDGET_CRD = """\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              free:
                type: object
                x-kubernetes-preserve-unknown-fields: true
                properties:
                  strict: {type: object, properties: {kept: {type: string}}}
              pod:
                type: object
                x-kubernetes-embedded-resource: true
                properties:
                  spec: {type: object, properties: {image: {type: string}}}
              size: {type: integer, minimum: 1, maximum: 10}
              name: {type: string, nullable: true}
"""


@pytest.fixture(scope="module")
def widgets(tmp_path_factory):
    directory = tmp_path_factory.mktemp("crds")
    (directory / "widgets.yaml").write_text(textwrap.dedent(WIDGET_CRD))
    (directory / "notes.txt").write_text("not a CRD")
    from bridge.embedded.resources import Resource

    return SchemaRegistry(str(directory)), Resource("example.com", "v1", "widgets", "Widget", "widget")


def test_preserve_unknown_fields_still_prunes_declared_children(widgets):
    registry, resource = widgets
    obj = {
        "apiVersion": "example.com/v1",
        "kind": "Widget",
        "metadata": {"name": "w"},
        "spec": {"free": {"anything": [1, {"x": 2}], "strict": {"kept": "yes", "dropped": 1}}},
    }
    admitted, warnings = registry.admit(resource, obj)
    assert admitted["spec"]["free"] == {"anything": [1, {"x": 2}], "strict": {"kept": "yes"}}
    assert warnings == ['unknown field "spec.free.strict.dropped"']


def test_embedded_resource_keeps_type_and_object_meta(widgets):
    registry, resource = widgets
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "generateName": "p-", "labels": {"a": "b"}, "colour": "red"},
        "spec": {"image": "busybox", "command": ["sh"]},
    }
    obj = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {"pod": pod}}
    admitted, warnings = registry.admit(resource, obj)
    assert admitted["spec"]["pod"] == {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "generateName": "p-", "labels": {"a": "b"}},
        "spec": {"image": "busybox"},
    }
    assert warnings == ['unknown field "spec.pod.metadata.colour"', 'unknown field "spec.pod.spec.command"']


def test_minimum_maximum_and_nullable(widgets):
    registry, resource = widgets
    base = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    admitted, _ = registry.admit(resource, {**base, "spec": {"size": 10, "name": None}})
    assert admitted["spec"] == {"size": 10, "name": None}
    with pytest.raises(ApiError) as raised:
        registry.admit(resource, {**base, "spec": {"size": 11}})
    assert raised.value.message == (
        'Widget.example.com "w" is invalid: spec.size: Invalid value: 11: '
        "spec.size in body should be less than or equal to 10"
    )
    with pytest.raises(ApiError) as raised:
        registry.admit(resource, {**base, "spec": {"size": 0}})
    assert raised.value.details["causes"][0]["message"] == (
        "Invalid value: 0: spec.size in body should be greater than or equal to 1"
    )
    assert copy.deepcopy(base) == base
