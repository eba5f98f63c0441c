"""The v1 wire format: what a legacy client may send and what it gets back (spec §2)."""

from __future__ import annotations

import pytest

from tests.support.factories import example
from v1compat.convert.proto import VOLUME_TYPES, enum_name
from v1compat.schemas import (
    BodyError,
    ClusterSchema,
    ComputeTemplateSchema,
    InputReport,
    ListClustersResponseSchema,
    ListComputeTemplatesResponseSchema,
    read_message,
)
from v1compat.schemas.volumes import VolumeSchema


def load(schema, body):
    report = InputReport()
    return read_message(schema, body, report), report.unknown


def test_snake_case_and_camel_case_load_to_the_same_message():
    camel, _ = load(
        ClusterSchema(),
        {"clusterSpec": {"headGroupSpec": {"computeTemplate": "t", "rayStartParams": {"a": "b"}}}},
    )
    snake, _ = load(
        ClusterSchema(),
        {"cluster_spec": {"head_group_spec": {"compute_template": "t", "ray_start_params": {"a": "b"}}}},
    )
    assert (
        camel
        == snake
        == {"cluster_spec": {"head_group_spec": {"compute_template": "t", "ray_start_params": {"a": "b"}}}}
    )


def test_enums_load_from_names_and_numbers_as_value_names():
    by_name, _ = load(VolumeSchema(), {"volumeType": "CONFIGMAP", "accessMode": "RWX"})
    by_number, _ = load(VolumeSchema(), {"volume_type": 3, "accessMode": 2})
    assert by_name == by_number == {"volume_type": "CONFIGMAP", "accessMode": "RWX"}


def test_numbers_may_be_numeric_strings_and_null_means_unset():
    message, _ = load(ComputeTemplateSchema(), {"cpu": "2", "memory": 4.0, "gpu": None})
    assert message == {"cpu": 2, "memory": 4}


def test_the_kuberay_examples_load_without_surprises():
    for name in ("ha_clusters.json", "autoscaling_clusters.json", "jobsubmission_clusters.json"):
        message, unknown = load(ClusterSchema(), example(name))
        assert unknown == [], name
        assert message["cluster_spec"]["head_group_spec"]["compute_template"]
    message, unknown = load(ComputeTemplateSchema(), example("compute_template.json"))
    assert message == {"name": "default-template", "namespace": "default", "cpu": 2, "memory": 4}


def test_unknown_fields_and_enum_values_are_reported_with_their_path_and_dropped():
    body = {
        "name": "c",
        "environment": "PROD",
        "clusterSpec": {
            "foo": 1,
            "workerGroupSpec": [{"groupName": "g", "volumes": [{"volumeType": 9, "storageClass": "x"}]}],
        },
    }
    message, unknown = load(ClusterSchema(), body)
    assert unknown == [
        'unknown enum value "PROD" for field "environment"',
        'unknown field "clusterSpec.foo"',
        'unknown enum value 9 for field "clusterSpec.workerGroupSpec[0].volumes[0].volumeType"',
        'unknown field "clusterSpec.workerGroupSpec[0].volumes[0].storageClass"',
    ]
    assert "environment" not in message
    assert message["cluster_spec"]["worker_group_spec"][0]["volumes"] == [{}]


@pytest.mark.parametrize(
    ("schema", "body", "message"),
    [
        (ComputeTemplateSchema(), {"cpu": "two"}, 'proto: invalid value for uint32 field cpu: "two"'),
        (ComputeTemplateSchema(), {"cpu": -1}, "proto: invalid value for uint32 field cpu: -1"),
        (ComputeTemplateSchema(), {"memory": 1.5}, "proto: invalid value for uint32 field memory: 1.5"),
        (ComputeTemplateSchema(), {"name": 7}, "proto: invalid value for string field name: 7"),
        (
            ComputeTemplateSchema(),
            {"extendedResources": {"efa": "x"}},
            'proto: invalid value for uint32 field extendedResources["efa"]: "x"',
        ),
        (
            ClusterSchema(),
            {"clusterSpec": {"workerGroupSpec": [{"replicas": "a"}]}},
            'proto: invalid value for int32 field clusterSpec.workerGroupSpec[0].replicas: "a"',
        ),
        (
            ClusterSchema(),
            {"clusterSpec": {"enableInTreeAutoscaling": "yes"}},
            'proto: invalid value for bool field clusterSpec.enableInTreeAutoscaling: "yes"',
        ),
        (
            ClusterSchema(),
            {"clusterSpec": "big"},
            'proto: invalid value for message field clusterSpec: "big"',
        ),
        (ClusterSchema(), {"environment": True}, "proto: invalid value for enum field environment: true"),
        (
            ClusterSchema(),
            {"environment": 2147483648},
            "proto: invalid value for enum field environment: 2147483648",
        ),
        (ClusterSchema(), {"environment": 1.5}, "proto: invalid value for enum field environment: 1.5"),
        (ClusterSchema(), {"cluster_spec": {}, "clusterSpec": {}}, 'proto: duplicate field "clusterSpec"'),
        (ClusterSchema(), [], "proto: syntax error (line 1:1): unexpected token ["),
        (ClusterSchema(), None, "proto: syntax error (line 1:1): unexpected token null"),
        (
            ClusterSchema(),
            {"annotations": {"a": None}},
            'proto: invalid value for string field annotations["a"]: null',
        ),
        (
            ComputeTemplateSchema(),
            {"extendedResources": {"efa": None}},
            'proto: invalid value for uint32 field extendedResources["efa"]: null',
        ),
    ],
)
def test_wrong_types_are_rejected_naming_the_field(schema, body, message):
    with pytest.raises(BodyError) as caught:
        load(schema, body)
    assert str(caught.value) == message


def test_output_is_camel_case_with_enum_numbers_and_zero_values_omitted():
    cluster = {
        "name": "c",
        "namespace": "ns",
        "user": "",
        "environment": "PRODUCTION",
        "cluster_state": "",
        "annotations": {},
        "events": [],
        "cluster_spec": {
            "head_group_spec": {"compute_template": "t", "enableIngress": False, "environment": {}},
            "worker_group_spec": [
                {
                    "group_name": "g",
                    "replicas": 0,
                    "min_replicas": 1,
                    "max_replicas": 5,
                    "volumes": [{"name": "v", "volume_type": "PERSISTENT_VOLUME_CLAIM", "read_only": True}],
                    "security_context": {"privileged": False, "capabilities": {}},
                },
            ],
        },
        "created_at": "2023-09-25T10:48:35Z",
    }
    assert ClusterSchema().dump(cluster) == {
        "name": "c",
        "namespace": "ns",
        "environment": 3,
        "clusterSpec": {
            # a set-but-empty message is emitted as {} (read-back always sets environment)
            "headGroupSpec": {"computeTemplate": "t", "environment": {}},
            "workerGroupSpec": [
                {
                    "groupName": "g",
                    "minReplicas": 1,
                    "maxReplicas": 5,
                    # volumeType is always present: clients index it (it is 0 for a PVC)
                    "volumes": [{"name": "v", "volumeType": 0, "readOnly": True}],
                    # proto3 optional bool: emitted whenever set
                    "securityContext": {"privileged": False, "capabilities": {}},
                },
            ],
        },
        "createdAt": "2023-09-25T10:48:35Z",
    }


def test_list_keys_are_always_present_and_continue_only_with_a_next_page():
    assert ListClustersResponseSchema().dump({"clusters": [], "continue_": ""}) == {"clusters": []}
    assert ListClustersResponseSchema().dump({"clusters": [], "continue_": "tok"}) == {
        "clusters": [],
        "continue": "tok",
    }
    assert ListComputeTemplatesResponseSchema().dump({"compute_templates": []}) == {"computeTemplates": []}


def test_template_output_keeps_memory_unit_and_tolerations():
    template = {
        "name": "t",
        "namespace": "ns",
        "cpu": 2,
        "memory": 4,
        "gpu": 0,
        "gpu_accelerator": "",
        "memory_unit": "Gi",
        "extended_resources": {"vpc.amazonaws.com/efa": 32},
        "tolerations": [{"key": "k", "operator": "Exists", "value": "", "effect": "NoExecute"}],
    }
    assert ComputeTemplateSchema().dump(template) == {
        "name": "t",
        "namespace": "ns",
        "cpu": 2,
        "memory": 4,
        "tolerations": [{"key": "k", "operator": "Exists", "effect": "NoExecute"}],
        "extendedResources": {"vpc.amazonaws.com/efa": 32},
        "memoryUnit": "Gi",
    }


def test_map_entries_are_written_in_key_order_like_protojson():
    cluster = {
        "name": "c",
        "annotations": {"b": "2", "a": "1", "B": "0"},
        "cluster_spec": {"head_group_spec": {"environment": {"values": {"ZED": "z", "ALPHA": "a"}}}},
    }
    dumped = ClusterSchema().dump(cluster)
    assert list(dumped["annotations"]) == ["B", "a", "b"]
    assert list(dumped["clusterSpec"]["headGroupSpec"]["environment"]["values"]) == ["ALPHA", "ZED"]


def test_an_enum_number_may_be_written_with_a_zero_fraction_or_an_exponent():
    """protojson reads 3.0 and 3e0 as the number 3 (normalizeToIntString)."""
    assert load(ClusterSchema(), {"environment": 3.0}) == ({"environment": "PRODUCTION"}, [])
    assert load(ClusterSchema(), {"environment": 2e0}) == ({"environment": "STAGING"}, [])


@pytest.mark.parametrize("number", range(6))
def test_a_volume_type_number_loads_to_the_name_the_converter_builds_from(number):
    """The schema (wire numbers) and the converters (message names) read one enum table."""
    message, unknown = load(VolumeSchema(), {"volumeType": number})
    assert unknown == [] and message["volume_type"] == enum_name(number, VOLUME_TYPES)
    assert VolumeSchema().dump(message)["volumeType"] == number
