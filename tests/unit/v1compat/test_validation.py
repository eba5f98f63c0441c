"""Request validation: the Go rules in the Go order with the Go messages (spec §3.4)."""

from __future__ import annotations

import copy

import pytest

from tests.support.factories import cluster_body
from v1compat.errors import V1Error
from v1compat.schemas import ClusterSchema, InputReport, read_message
from v1compat.validation import (
    require_cluster_name,
    require_job_name,
    require_job_namespace,
    require_template_name,
    validate_create_cluster,
    validate_create_job,
    validate_create_template,
)


def cluster(**changes):
    body = copy.deepcopy(cluster_body("ns"))
    message = read_message(ClusterSchema(), body, InputReport())
    message.update(changes)
    return message


def spec_with(**head_or_worker):
    message = cluster()
    spec = message["cluster_spec"]
    for key, value in head_or_worker.items():
        group, field = key.split("__")
        target = spec["head_group_spec"] if group == "head" else spec["worker_group_spec"][0]
        if value is None:
            target.pop(field, None)
        else:
            target[field] = value
    return message


def rejected(call, *args) -> str:
    with pytest.raises(V1Error) as caught:
        call(*args)
    assert caught.value.http_status == 400 and caught.value.code == 3
    return caught.value.message


CREATE = "Validate create cluster request failed."


def go(message: str, *wraps: str) -> str:
    return ": ".join([message, *wraps, f"Invalid input error: {message}"])


@pytest.mark.parametrize(
    ("namespace", "message", "expected"),
    [
        ("", cluster(), "Namespace is empty. Please specify a valid value."),
        (
            "ns",
            cluster(namespace="other"),
            "The namespace in the request is different from the namespace in the cluster definition.",
        ),
        (
            "ns",
            {k: v for k, v in cluster().items() if k != "namespace"},
            "The namespace in the request is different from the namespace in the cluster definition.",
        ),
        ("ns", cluster(name=""), "Cluster name is empty. Please specify a valid value."),
        ("ns", cluster(user=""), "User who create the cluster is empty. Please specify a valid value."),
        (
            "ns",
            {k: v for k, v in cluster().items() if k != "cluster_spec"},
            "A ClusterSpec object is required. Please specify one.",
        ),
        (
            "ns",
            cluster(cluster_spec={}),
            "Cluster Spec Object requires HeadGroupSpec to be populated. Please specify one.",
        ),
        (
            "ns",
            spec_with(head__compute_template=None),
            "HeadGroupSpec compute template is empty. Please specify a valid value.",
        ),
        (
            "ns",
            spec_with(head__ray_start_params={}),
            "HeadGroupSpec RayStartParams is empty. Please specify values.",
        ),
        (
            "ns",
            spec_with(head__imagePullPolicy="always"),
            "HeadGroupSpec unsupported value for Image pull policy. Please specify Always or IfNotPresent",
        ),
        (
            "ns",
            spec_with(worker__group_name=""),
            "WorkerNodeSpec 0 group name is empty. Please specify a valid value.",
        ),
        (
            "ns",
            spec_with(worker__compute_template=""),
            "WorkerNodeSpec 0 compute template is empty. Please specify a valid value.",
        ),
        (
            "ns",
            spec_with(worker__max_replicas=None),
            "WorkerNodeSpec 0 MaxReplicas can not be 0. Please specify a valid value.",
        ),
        (
            "ns",
            spec_with(worker__min_replicas=6),
            "WorkerNodeSpec 0 MinReplica > MaxReplicas. Please specify a valid value.",
        ),
        (
            "ns",
            spec_with(worker__imagePullPolicy="Never"),
            "Worker GroupSpec unsupported value for Image pull policy. Please specify Always or IfNotPresent",
        ),
    ],
)
def test_create_cluster_rules_and_messages(namespace, message, expected):
    assert rejected(validate_create_cluster, namespace, message) == go(expected, CREATE)


def test_first_failing_rule_wins():
    message = spec_with(head__compute_template=None, worker__group_name="")
    message["user"] = ""
    assert rejected(validate_create_cluster, "ns", message) == go(
        "User who create the cluster is empty. Please specify a valid value.", CREATE
    )


def test_a_valid_cluster_passes_and_unchecked_fields_stay_unchecked():
    message = spec_with(worker__ray_start_params=None, head__imagePullPolicy="IfNotPresent")
    message["cluster_spec"]["worker_group_spec"][0]["replicas"] = 99  # not checked against max
    validate_create_cluster("ns", message)


TEMPLATE = "Validate compute template runtime request failed."


@pytest.mark.parametrize(
    ("namespace", "template", "expected"),
    [
        (
            "",
            {"name": "t", "namespace": "", "cpu": 1, "memory": 1},
            "Namespace is empty. Please specify a valid value.",
        ),
        (
            "ns",
            {"name": "t", "cpu": 1, "memory": 1},
            "The namespace in the request is different from the namespace defined in the compute template.",
        ),
        (
            "ns",
            {"namespace": "ns", "cpu": 1, "memory": 1},
            "Compute template name is empty. Please specify a valid value.",
        ),
        (
            "ns",
            {"name": "t", "namespace": "ns", "memory": 1},
            "Cpu amount is zero. Please specify a valid value.",
        ),
        (
            "ns",
            {"name": "t", "namespace": "ns", "cpu": 1},
            "Memory amount is zero. Please specify a valid value.",
        ),
    ],
)
def test_create_template_rules_and_messages(namespace, template, expected):
    assert rejected(validate_create_template, namespace, template) == go(expected, TEMPLATE)


def test_get_and_delete_check_the_name_before_the_namespace():
    assert rejected(require_cluster_name, "", "") == go(
        "Cluster name is empty. Please specify a valid value."
    )
    assert rejected(require_cluster_name, "", "c") == go("Namespace is empty. Please specify a valid value.")
    assert rejected(require_template_name, "ns", "") == go(
        "Compute template name is empty. Please specify a valid value."
    )


JOB = "Validate job request failed."


def test_job_get_delete_and_list_use_the_job_servers_lower_case_messages():
    assert rejected(require_job_name, "", "") == go("job name is empty. Please specify a valid value.")
    assert rejected(require_job_name, "", "j") == go("job namespace is empty. Please specify a valid value.")
    assert rejected(require_job_namespace, "") == go("job namespace is empty. Please specify a valid value.")


@pytest.mark.parametrize(
    ("namespace", "job", "expected"),
    [
        ("", {"namespace": ""}, "Namespace is empty. Please specify a valid value."),
        (
            "ns",
            {"namespace": "x", "name": "j", "user": "u"},
            "The namespace in the request is different from the namespace in the job definition.",
        ),
        ("ns", {"namespace": "ns", "user": "u"}, "Job name is empty. Please specify a valid value."),
        (
            "ns",
            {"namespace": "ns", "name": "j"},
            "User who create the job is empty. Please specify a valid value.",
        ),
        (
            "ns",
            {"namespace": "ns", "name": "j", "user": "u"},
            "A ClusterSpec object is required. Please specify one.",
        ),
    ],
)
def test_create_job_rules_and_messages(namespace, job, expected):
    assert rejected(validate_create_job, namespace, job) == go(expected, JOB)


def test_a_cluster_selector_alone_needs_no_cluster_spec():
    validate_create_job("ns", {"namespace": "ns", "name": "j", "user": "u", "cluster_selector": {"a": "b"}})
