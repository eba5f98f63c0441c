"""v1 RayService -> RayService CR -> v1 RayService (§8), field by field, both ways."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from v1compat.convert import (
    ConversionError,
    MissingTemplateError,
    active_cluster_name,
    cluster_to_raycluster,
    rayservice_to_service,
    service_to_rayservice,
    unshown_service_spec_fields,
)
from v1compat.schemas import RayServiceSchema
from v1compat.schemas.base import InputReport, read_message

NOW = datetime(2025, 1, 1, 0, 0, 0, 123456, tzinfo=UTC)
NOW_TEXT = "2025-01-01 00:00:00.123456 +0000 UTC"
TEMPLATE = {"name": "t", "namespace": "ns", "cpu": 2, "memory": 4, "memory_unit": "Gi"}
TEMPLATES = {"t": TEMPLATE}
SERVE = "applications:\n  - name: app\n    import_path: a.b\n"
CLUSTER_SPEC = {
    "head_group_spec": {"compute_template": "t", "ray_start_params": {"dashboard-host": "0.0.0.0"}},
    "worker_group_spec": [
        {"group_name": "g", "compute_template": "t", "replicas": 1, "max_replicas": 3, "ray_start_params": {}}
    ],
}
SERVICE = {
    "name": "s",
    "namespace": "ns",
    "user": "u",
    "version": "2.46.0",
    "serve_config_V2": SERVE,
    "service_unhealthy_second_threshold": 900,
    "deployment_unhealthy_second_threshold": 300,
    "cluster_spec": CLUSTER_SPEC,
}


def build(service: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
    return service_to_rayservice(service or SERVICE, "ns", TEMPLATES, now=NOW, **kwargs)


# --- v1 -> CR ---------------------------------------------------------------------------------


def test_metadata_has_the_go_labels_and_the_creation_stamp_only():
    metadata = build()["metadata"]
    assert metadata == {
        "name": "s",
        "namespace": "ns",
        "labels": {
            "ray.io/user": "u",
            "app.kubernetes.io/name": "kuberay",
            "app.kubernetes.io/managed-by": "kuberay-apiserver",
        },
        "annotations": {"ray.io/creation-timestamp": NOW_TEXT},
    }


def test_an_update_is_stamped_with_the_update_time_instead():
    annotations = build(updating=True, now_nanosecond=7)["metadata"]["annotations"]
    assert annotations == {"ray.io/update-timestamp": "2025-01-01 00:00:00.000000007 +0000 UTC"}


def test_the_cluster_is_the_cluster_converters_with_serve_ports_and_no_envs():
    cr = build()
    as_cluster = {"name": "s", "user": "u", "version": "2.46.0", "cluster_spec": CLUSTER_SPEC}
    with_serve = {**as_cluster, "annotations": {"ray.io/enable-serve-service": "true"}}
    expected = cluster_to_raycluster(with_serve, "ns", TEMPLATES, now=NOW)["spec"]
    assert cr["spec"]["rayClusterConfig"] == expected
    ports = cr["spec"]["rayClusterConfig"]["headGroupSpec"]["template"]["spec"]["containers"][0]["ports"]
    assert {"name": "dashboard-agent", "containerPort": 52365} in ports
    assert {"name": "serve", "containerPort": 8000} in ports


@pytest.mark.parametrize(
    ("field", "key", "value", "written"),
    [
        ("serve_config_V2", "serveConfigV2", SERVE, SERVE),
        ("service_unhealthy_second_threshold", "serviceUnhealthySecondThreshold", 900, 900),
        ("service_unhealthy_second_threshold", "serviceUnhealthySecondThreshold", 0, None),
        ("service_unhealthy_second_threshold", "serviceUnhealthySecondThreshold", -1, None),
        ("deployment_unhealthy_second_threshold", "deploymentUnhealthySecondThreshold", 300, 300),
        ("deployment_unhealthy_second_threshold", "deploymentUnhealthySecondThreshold", 0, None),
    ],
)
def test_service_fields_go_into_the_spec(field: str, key: str, value: Any, written: Any):
    spec = build({**SERVICE, field: value})["spec"]
    assert spec.get(key) == written


def test_the_version_is_the_clusters_ray_version():
    assert build()["spec"]["rayClusterConfig"]["rayVersion"] == "2.46.0"
    assert "rayVersion" not in build({**SERVICE, "version": ""})["spec"]["rayClusterConfig"]


def test_a_service_without_serve_config_cannot_be_built():
    with pytest.raises(ConversionError, match="^serve configuration is not defined$"):
        build({**SERVICE, "serve_config_V2": ""})


def test_the_serve_config_is_checked_before_the_cluster():
    broken = {
        **SERVICE,
        "serve_config_V2": "",
        "cluster_spec": {"head_group_spec": {"compute_template": "x"}},
    }
    with pytest.raises(ConversionError, match="serve configuration"):
        build(broken)


def test_a_template_the_caller_did_not_resolve_is_reported_by_name():
    missing = copy.deepcopy(SERVICE)
    missing["cluster_spec"]["head_group_spec"]["compute_template"] = "nowhere"
    with pytest.raises(MissingTemplateError) as error:
        build(missing)
    assert error.value.name == "nowhere"


def test_building_is_pure():
    before = copy.deepcopy(SERVICE)
    assert build() == build()
    assert SERVICE == before


# --- CR -> v1 ---------------------------------------------------------------------------------


def stored(**status: Any) -> dict[str, Any]:
    """What Kubernetes answers for the built service, with server-set metadata and ``status``."""
    cr = build()
    cr["metadata"].update(creationTimestamp="2025-01-01T00:00:01Z", resourceVersion="5", uid="u-1")
    if status:
        cr["status"] = status
    return cr


def test_a_built_service_reads_back_as_sent_plus_output_fields():
    service = rayservice_to_service(stored())
    cluster_spec = service.pop("cluster_spec")
    assert service == {
        "name": "s",
        "namespace": "ns",
        "user": "u",
        "version": "2.46.0",
        "serve_config_V2": SERVE,
        "service_unhealthy_second_threshold": 900,
        "deployment_unhealthy_second_threshold": 300,
        "ray_service_status": {
            "ray_service_events": [],
            "ray_cluster_name": "",
            "ray_cluster_state": "",
            "service_endpoint": {},
            "serve_application_status": [],
        },
        "created_at": "2025-01-01T00:00:01Z",
        "delete_at": "1969-12-31T23:59:59Z",
    }
    assert cluster_spec["head_group_spec"]["compute_template"] == "t"
    assert [w["group_name"] for w in cluster_spec["worker_group_spec"]] == ["g"]


def test_a_service_being_deleted_says_when():
    cr = stored()
    cr["metadata"]["deletionTimestamp"] = "2025-02-03T04:05:06Z"
    assert rayservice_to_service(cr)["delete_at"] == "2025-02-03T04:05:06Z"


def test_missing_thresholds_read_back_as_zero():
    cr = stored()
    del cr["spec"]["serviceUnhealthySecondThreshold"], cr["spec"]["deploymentUnhealthySecondThreshold"]
    service = rayservice_to_service(cr)
    assert service["service_unhealthy_second_threshold"] == 0
    assert service["deployment_unhealthy_second_threshold"] == 0


ACTIVE = {
    "rayClusterName": "s-raycluster-x",
    "rayClusterStatus": {"state": "ready", "endpoints": {"dashboard": "8265"}},
    "applicationStatuses": {
        "app": {
            "status": "RUNNING",
            "message": "m",
            "serveDeploymentStatuses": {"D1": {"status": "HEALTHY", "message": "ok"}, "D2": {}},
        },
        "other": {},
    },
}


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("ray_cluster_name", "s-raycluster-x"),
        ("ray_cluster_state", "ready"),
        ("service_endpoint", {"dashboard": "8265"}),
        (
            "serve_application_status",
            [
                {
                    "name": "app",
                    "status": "RUNNING",
                    "message": "m",
                    "serve_deployment_status": [
                        {"deployment_name": "D1", "status": "HEALTHY", "message": "ok"},
                        {"deployment_name": "D2", "status": "", "message": ""},
                    ],
                },
                {"name": "other", "status": "", "message": "", "serve_deployment_status": []},
            ],
        ),
    ],
)
def test_the_active_status_reads_back(field: str, expected: Any):
    status = rayservice_to_service(stored(activeServiceStatus=ACTIVE))["ray_service_status"]
    assert status[field] == expected


def test_the_pending_cluster_is_not_shown():
    cr = stored(pendingServiceStatus={"rayClusterName": "next", "rayClusterStatus": {"state": "ready"}})
    status = rayservice_to_service(cr)["ray_service_status"]
    assert status["ray_cluster_name"] == "" and status["ray_cluster_state"] == ""
    assert active_cluster_name(cr) == ""
    assert active_cluster_name(stored(activeServiceStatus=ACTIVE)) == "s-raycluster-x"


def test_events_are_named_after_the_service():
    event = {
        "metadata": {"name": "e.1", "creationTimestamp": "2025-01-01T00:00:02Z"},
        "regarding": {"name": "s-raycluster-x"},
        "eventTime": "2025-01-01T00:00:03.5Z",
        "reason": "R",
        "note": "n",
        "type": "Warning",
        "deprecatedCount": 2,
    }
    (converted,) = rayservice_to_service(stored(), [event])["ray_service_status"]["ray_service_events"]
    assert converted == {
        "id": "e.1",
        "name": "s-e.1",
        "created_at": "2025-01-01T00:00:02Z",
        "first_timestamp": "2025-01-01T00:00:03Z",
        "last_timestamp": "2025-01-01T00:00:03Z",
        "reason": "R",
        "message": "n",
        "type": "Warning",
        "count": 2,
    }


def test_a_request_body_round_trips_through_the_schema_and_the_cr():
    """The JSON a client sends, loaded, built, read back and dumped, is what it sent (plus the
    output fields and the empty environments every group reads back with)."""
    body = {
        "name": "s",
        "namespace": "ns",
        "user": "u",
        "version": "2.46.0",
        "serveConfigV2": SERVE,
        "serviceUnhealthySecondThreshold": 900,
        "deploymentUnhealthySecondThreshold": 300,
        "clusterSpec": {
            "headGroupSpec": {"computeTemplate": "t", "rayStartParams": {"dashboard-host": "0.0.0.0"}},
            "workerGroupSpec": [
                {"groupName": "g", "computeTemplate": "t", "replicas": 1, "minReplicas": 1, "maxReplicas": 3}
            ],
        },
    }
    schema = RayServiceSchema()
    message = read_message(schema, body, InputReport())
    cr = service_to_rayservice(message, "ns", TEMPLATES, now=NOW)
    cr["metadata"]["creationTimestamp"] = "2025-01-01T00:00:01Z"
    answer = schema.dump(rayservice_to_service(cr))
    expected = copy.deepcopy(body)
    expected["clusterSpec"]["headGroupSpec"]["environment"] = {}
    expected["clusterSpec"]["workerGroupSpec"][0]["environment"] = {}
    expected.update(createdAt="2025-01-01T00:00:01Z", deleteAt="1969-12-31T23:59:59Z", rayServiceStatus={})
    assert answer == expected


def test_unshown_service_fields_are_those_a_v1_service_does_not_carry():
    service = read_message(
        RayServiceSchema(),
        {
            "name": "s",
            "namespace": "ns",
            "user": "u",
            "serveConfigV2": SERVE,
            "clusterSpec": CLUSTER_SPEC,
            "serviceUnhealthySecondThreshold": 9,
            "deploymentUnhealthySecondThreshold": 9,
        },
        InputReport(),
    )
    rayservice = service_to_rayservice(service, "ns", TEMPLATES, now=NOW)
    assert unshown_service_spec_fields(rayservice) == []
    rayservice["spec"].update(upgradeStrategy={"type": "None"}, excludeHeadPodFromServeSvc=True)
    rayservice["spec"]["rayClusterConfig"]["suspend"] = False
    assert unshown_service_spec_fields(rayservice) == [
        "spec.excludeHeadPodFromServeSvc",
        "spec.upgradeStrategy",
        "spec.rayClusterConfig.suspend",
    ]
    assert unshown_service_spec_fields({}) == []
