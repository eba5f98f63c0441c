"""Unit tests of the pure parts of compute templates on PATCH: which patches name a template
(only those cost extra upstream calls), which pin a resourceVersion, and taking a template off
a group."""

from __future__ import annotations

import pytest

from bridge.kube.patch import APPLY, JSON_PATCH, MERGE
from v2proxy.compute_template import apply_templates, remove_template
from v2proxy.template_patch import (
    has_resource_version_precondition,
    patch_names_a_template,
)

SMALL = {"name": "small", "cpu": 1, "memory": 2, "tolerations": [{"key": "pool", "operator": "Exists"}]}


@pytest.mark.parametrize("kind, patch, expected", [
    (MERGE, {"spec": {"headGroupSpec": {"computeTemplate": "small"}}}, True),
    (MERGE, {"spec": {"workerGroupSpecs": [{"groupName": "w", "computeTemplate": None}]}}, True),
    (MERGE, {"spec": {"rayClusterSpec": {"headGroupSpec": {"computeTemplate": "small"}}}}, True),
    (MERGE, {"metadata": {"annotations": {"note": "computeTemplate"}}}, False),
    (MERGE, {"metadata": {"labels": {"computeTemplate": "x"}}}, False),
    (MERGE, None, False),
    (APPLY, {"spec": {"headGroupSpec": {"computeTemplate": "small"}}}, True),
    (APPLY, {"spec": {"suspend": True}}, False),
    (JSON_PATCH, [{"op": "add", "path": "/spec/workerGroupSpecs/0/computeTemplate", "value": "s"}], True),
    (JSON_PATCH, [{"op": "add", "path": "/spec/workerGroupSpecs/-",
                   "value": {"groupName": "w", "computeTemplate": "s"}}], True),
    (JSON_PATCH, [{"op": "move", "from": "/spec/headGroupSpec/computeTemplate", "path": "/x"}], True),
    (JSON_PATCH, [{"op": "replace", "path": "/spec/workerGroupSpecs/0/replicas", "value": 2}], False),
    (JSON_PATCH, [{"op": "add", "path": "/metadata/labels/computeTemplateish", "value": "x"}], False),
    (JSON_PATCH, {"op": "add"}, False),
])  # fmt: skip
def test_patch_names_a_template(kind, patch, expected):
    assert patch_names_a_template(kind, patch) is expected


@pytest.mark.parametrize("kind, patch, expected", [
    (MERGE, {"metadata": {"resourceVersion": "7"}}, True),
    (MERGE, {"metadata": {"labels": {"a": "b"}}}, False),
    (JSON_PATCH, [{"op": "test", "path": "/metadata/resourceVersion", "value": "7"}], True),
    (JSON_PATCH, [{"op": "add", "path": "/spec/headGroupSpec/computeTemplate", "value": "s"}], False),
])  # fmt: skip
def test_resource_version_precondition(kind, patch, expected):
    assert has_resource_version_precondition(kind, patch) is expected


def cluster(extra_limits: dict | None = None) -> dict:
    container = {"name": "ray-head", "image": "ray"}
    if extra_limits:
        container["resources"] = {"limits": dict(extra_limits)}
    return {
        "spec": {
            "headGroupSpec": {"computeTemplate": "small", "template": {"spec": {"containers": [container]}}}
        }
    }


def test_remove_template_undoes_apply_templates():
    expanded = apply_templates(cluster(), {"small": SMALL})
    group = expanded["spec"]["headGroupSpec"]
    remove_template(group, SMALL, "head")
    assert group == {
        "template": {
            "metadata": {},
            "spec": {"containers": [{"name": "ray-head", "image": "ray"}], "tolerations": []},
        }
    }


def test_remove_template_keeps_values_someone_else_set():
    expanded = apply_templates(cluster(), {"small": SMALL})
    group = expanded["spec"]["headGroupSpec"]
    limits = group["template"]["spec"]["containers"][0]["resources"]["limits"]
    limits.update({"cpu": "3", "example.com/fpga": 1})
    remove_template(group, SMALL, "head")
    assert group["template"]["spec"]["containers"][0]["resources"] == {
        "limits": {"cpu": "3", "example.com/fpga": 1}
    }


def test_remove_a_template_that_is_gone_drops_only_its_annotation():
    expanded = apply_templates(cluster(), {"small": SMALL})
    group = expanded["spec"]["headGroupSpec"]
    remove_template(group, None, "head")
    assert "metadata" in group["template"] and "annotations" not in group["template"]["metadata"]
    assert group["template"]["spec"]["containers"][0]["resources"]["limits"] == {"cpu": "1", "memory": "2Gi"}
