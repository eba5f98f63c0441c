"""RayCluster, RayJob and RayService fields v1 cannot show (set through v2, or from a newer
CRD): a v1 read drops them, as the Go server did, and says so in a ``Warning`` naming them and the v2 call."""

from __future__ import annotations

from tests.support.factories import cluster_body, create_template, job_body, service_body

MERGE = {"Content-Type": "application/merge-patch+json"}


def unshown_warnings(answer) -> list[str]:
    return [w for w in answer.headers.getlist("Warning") if "fields the v1 API cannot show" in w]


def test_a_v1_read_names_the_fields_it_leaves_out(bridge, ns):
    create_template(bridge, ns)
    assert (
        bridge.post(f"/apis/v1/namespaces/{ns}/clusters", json=cluster_body(ns, "plain")).status_code == 200
    )
    assert (
        bridge.post(f"/apis/v1/namespaces/{ns}/clusters", json=cluster_body(ns, "grown")).status_code == 200
    )
    plain = bridge.get(f"/apis/v1/namespaces/{ns}/clusters/plain")
    assert unshown_warnings(plain) == []
    patched = bridge.patch(
        f"/apis/ray.io/v1/namespaces/{ns}/rayclusters/grown",
        json={"spec": {"suspend": True, "managedBy": "ray.io/kuberay-operator"}},
        headers=MERGE,
    )
    assert patched.status_code == 200, patched.get_data(as_text=True)
    grown = bridge.get(f"/apis/v1/namespaces/{ns}/clusters/grown")
    assert grown.status_code == 200
    assert "suspend" not in str(grown.get_json())
    (warning,) = unshown_warnings(grown)
    assert f"RayCluster {ns}/grown has fields the v1 API cannot show: spec.managedBy, spec.suspend" in warning
    assert f"GET /apis/ray.io/v1/namespaces/{ns}/rayclusters/grown" in warning
    (listed,) = unshown_warnings(bridge.get(f"/apis/v1/namespaces/{ns}/clusters"))
    assert f"RayCluster {ns}/grown" in listed


def test_a_v1_job_read_names_the_job_fields_it_leaves_out(bridge, ns):
    create_template(bridge, ns)
    body = {key: value for key, value in job_body(ns, "job").items() if key != "activeDeadlineSeconds"}
    assert bridge.post(f"/apis/v1/namespaces/{ns}/jobs", json=body).status_code == 200
    assert unshown_warnings(bridge.get(f"/apis/v1/namespaces/{ns}/jobs/job")) == []
    patched = bridge.patch(
        f"/apis/ray.io/v1/namespaces/{ns}/rayjobs/job",
        json={"spec": {"backoffLimit": 3, "rayClusterSpec": {"suspend": True}}},
        headers=MERGE,
    )
    assert patched.status_code == 200, patched.get_data(as_text=True)
    (warning,) = unshown_warnings(bridge.get(f"/apis/v1/namespaces/{ns}/jobs/job"))
    assert (
        f"RayJob {ns}/job has fields the v1 API cannot show: spec.backoffLimit, spec.rayClusterSpec.suspend"
        in warning
    )
    assert f"GET /apis/ray.io/v1/namespaces/{ns}/rayjobs/job" in warning
    (listed,) = unshown_warnings(bridge.get(f"/apis/v1/namespaces/{ns}/jobs"))
    assert f"RayJob {ns}/job" in listed


def test_a_v1_job_with_a_deadline_says_a_v1_read_leaves_the_deadline_out(bridge, ns):
    create_template(bridge, ns)
    assert bridge.post(f"/apis/v1/namespaces/{ns}/jobs", json=job_body(ns, "deadline")).status_code == 200
    (warning,) = unshown_warnings(bridge.get(f"/apis/v1/namespaces/{ns}/jobs"))
    assert f"RayJob {ns}/deadline has fields the v1 API cannot show: spec.activeDeadlineSeconds;" in warning


def test_a_v1_service_read_names_the_service_fields_it_leaves_out(bridge, ns):
    create_template(bridge, ns)
    for name in ("plain", "grown"):
        assert (
            bridge.post(f"/apis/v1/namespaces/{ns}/services", json=service_body(ns, name)).status_code == 200
        )
    assert unshown_warnings(bridge.get(f"/apis/v1/namespaces/{ns}/services/plain")) == []
    patched = bridge.patch(
        f"/apis/ray.io/v1/namespaces/{ns}/rayservices/grown",
        json={"spec": {"excludeHeadPodFromServeSvc": True}},
        headers=MERGE,
    )
    assert patched.status_code == 200, patched.get_data(as_text=True)
    (warning,) = unshown_warnings(bridge.get(f"/apis/v1/namespaces/{ns}/services/grown"))
    assert (
        f"RayService {ns}/grown has fields the v1 API cannot show: spec.excludeHeadPodFromServeSvc;"
        in warning
    )
    assert f"GET /apis/ray.io/v1/namespaces/{ns}/rayservices/grown" in warning
    (listed,) = unshown_warnings(bridge.get(f"/apis/v1/namespaces/{ns}/services"))
    assert f"RayService {ns}/grown" in listed
