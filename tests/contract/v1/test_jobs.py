"""RayJobs over v1 HTTP against the embedded Kubernetes API: the answer field by field, the
RayJob it leaves behind (seen through v2), read-back of v2-made and operator-updated objects,
pagination, list-all across namespaces, and every error message."""

from __future__ import annotations

import copy
import re

import pytest

from tests.support.asserts import v1_error
from tests.support.factories import RUNTIME_ENV, create_template, job_body, rayjob

JOBS = "/apis/v1/namespaces/{ns}/jobs"
RAY = "/apis/ray.io/v1/namespaces/{ns}/rayjobs"
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
MANAGED = {"app.kubernetes.io/managed-by": "kuberay-apiserver"}


@pytest.fixture
def tns(bridge, ns) -> str:
    """A namespace holding ``default-template`` (cpu 2, memory 4Gi)."""
    create_template(bridge, ns)
    return ns


def create(bridge, ns, body=None, **kwargs):
    answer = bridge.post(JOBS.format(ns=ns), json=body or job_body(ns, **kwargs))
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()


def selector_body(ns: str, name: str = "on-shared") -> dict:
    """A job for an existing cluster: a selector and a submitter, no cluster spec."""
    return {
        "name": name,
        "namespace": ns,
        "user": "3cpo",
        "entrypoint": "python -c 'print(1)'",
        "clusterSelector": {"ray.io/cluster": "shared"},
        "jobSubmitter": {"image": "rayproject/ray:2.46.0"},
    }


# --- create, and what it leaves behind ------------------------------------------------------------


def test_create_answers_the_job_as_the_go_server_reads_it_back(bridge, tns):
    answer = bridge.post(JOBS.format(ns=tns), json=job_body(tns))
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/json"
    job = answer.get_json()
    assert RFC3339.match(job.pop("createdAt"))
    assert job == {
        "name": "test-job",
        "namespace": tns,
        "user": "3cpo",
        "version": "2.46.0",
        "entrypoint": "python /home/ray/samples/sample_code.py",
        "metadata": {"purpose": "contract"},
        "runtimeEnv": RUNTIME_ENV,
        "shutdownAfterJobFinishes": True,
        "clusterSpec": {
            "headGroupSpec": {
                "computeTemplate": "default-template",
                "image": "rayproject/ray:2.46.0",
                "serviceType": "ClusterIP",
                "rayStartParams": {"dashboard-host": "0.0.0.0"},
                "environment": {},
            },
            "workerGroupSpec": [
                {
                    "groupName": "small-wg",
                    "computeTemplate": "default-template",
                    "replicas": 1,
                    "minReplicas": 1,
                    "maxReplicas": 2,
                    "rayStartParams": {"node-ip-address": "$MY_POD_IP"},
                    "environment": {},
                }
            ],
        },
        "ttlSecondsAfterFinished": 10,
        "jobSubmitter": {"image": "rayproject/ray:2.46.0", "cpu": "500m"},
        "entrypointNumCpus": 0.5,
        "entrypointNumGpus": 1,  # Go dropped it; the bridge keeps it
        "entrypointResources": '{"custom_resource": 1}',
        # activeDeadlineSeconds is not read back (as in Go); no status yet
    }


def test_the_job_is_a_correct_rayjob_through_v2(bridge, tns):
    create(bridge, tns)
    answer = bridge.get(f"{RAY.format(ns=tns)}/test-job")
    assert answer.status_code == 200 and "Deprecation" not in answer.headers
    cr = answer.get_json()
    assert cr["metadata"]["labels"] == {
        "ray.io/cluster-name": "test-job",
        "ray.io/user": "3cpo",
        "app.kubernetes.io/name": "kuberay",
        "app.kubernetes.io/managed-by": "kuberay-apiserver",
    }
    assert cr["metadata"]["annotations"] == {"purpose": "contract"}
    spec = cr["spec"]
    assert {key: spec[key] for key in spec if key not in ("rayClusterSpec", "submitterPodTemplate")} == {
        "entrypoint": "python /home/ray/samples/sample_code.py",
        "metadata": {"purpose": "contract"},
        "runtimeEnvYAML": RUNTIME_ENV,
        "shutdownAfterJobFinishes": True,
        "ttlSecondsAfterFinished": 10,
        "activeDeadlineSeconds": 120,
        "entrypointNumCpus": 0.5,
        "entrypointNumGpus": 1,
        "entrypointResources": '{"custom_resource": 1}',
        "backoffLimit": 0,  # the CRD's defaults
        "submissionMode": "K8sJobMode",
    }
    assert spec["submitterPodTemplate"]["spec"] == {
        "containers": [
            {
                "name": "ray-job-submitter",
                "image": "rayproject/ray:2.46.0",
                "resources": {
                    "limits": {"cpu": "500m", "memory": "1Gi"},
                    "requests": {"cpu": "500m", "memory": "1Gi"},
                },
            }
        ],
        "restartPolicy": "Never",
    }
    cluster = spec["rayClusterSpec"]
    assert cluster["rayVersion"] == "2.46.0"
    head = cluster["headGroupSpec"]["template"]["spec"]["containers"][0]
    assert head["resources"]["limits"] == {"cpu": "2", "memory": "4Gi"}
    assert [port["name"] for port in head["ports"]] == ["redis", "head", "dashboard", "metrics"]
    assert [env["name"] for env in head["env"]] == ["MY_POD_IP"]
    assert cluster["workerGroupSpecs"][0]["groupName"] == "small-wg"


def test_get_reads_back_what_create_answered(bridge, tns):
    created = create(bridge, tns)
    answer = bridge.get(f"{JOBS.format(ns=tns)}/test-job")
    assert answer.status_code == 200
    assert answer.get_json() == created


def test_a_job_shaped_like_kuberays_job_script_round_trips(bridge, tns):
    """KubeRay's ``apiserver/test/job/job`` request shape: ConfigMap volumes as enum names on both
    groups, ``minReplicas: 0``; read back as its ``query`` sample shows (enums as numbers,
    ``minReplicas`` = ``replicas``)."""
    volume = {
        "name": "code",
        "mountPath": "/home/ray/samples",
        "volumeType": "CONFIGMAP",
        "source": "job-code",
        "items": {"main.py": "main.py"},
    }
    body = job_body(tns, name="script-shaped")
    body["clusterSpec"]["headGroupSpec"]["volumes"] = [volume]
    worker = body["clusterSpec"]["workerGroupSpec"][0]
    worker.update(minReplicas=0, maxReplicas=5, volumes=[volume])
    job = create(bridge, tns, body)
    read_back = {**volume, "volumeType": 3}
    assert job["clusterSpec"]["headGroupSpec"]["volumes"] == [read_back]
    worker_back = job["clusterSpec"]["workerGroupSpec"][0]
    assert worker_back["volumes"] == [read_back]
    assert (worker_back["replicas"], worker_back["minReplicas"], worker_back["maxReplicas"]) == (1, 1, 5)
    assert bridge.get(f"{JOBS.format(ns=tns)}/script-shaped").get_json() == job


def test_snake_case_bodies_and_enum_strings_make_the_same_job(bridge, tns):
    body = {
        "name": "snake",
        "namespace": tns,
        "user": "u",
        "entrypoint": "python a.py",
        "runtime_env": "a: 1\n",
        "shutdown_after_job_finishes": True,
        "ttl_seconds_after_finished": "5",
        "cluster_spec": {
            "head_group_spec": {
                "compute_template": "default-template",
                "ray_start_params": {"a": "b"},
                "volumes": [{"name": "v", "mount_path": "/v", "volume_type": "EMPTY_DIR"}],
            }
        },
    }
    job = create(bridge, tns, body)
    assert (job["runtimeEnv"], job["shutdownAfterJobFinishes"], job["ttlSecondsAfterFinished"]) == (
        "a: 1\n",
        True,
        5,
    )
    assert job["clusterSpec"]["headGroupSpec"]["volumes"] == [
        {"mountPath": "/v", "volumeType": 5, "name": "v"}
    ]


def test_a_cluster_selector_job_needs_no_cluster_spec_and_no_template(bridge, kube, ns):
    job = create(bridge, ns, selector_body(ns))
    assert job["clusterSelector"] == {"ray.io/cluster": "shared"}
    assert job["jobSubmitter"] == {"image": "rayproject/ray:2.46.0"}
    assert "clusterSpec" not in job and "version" not in job
    spec = kube.get(f"{RAY.format(ns=ns)}/on-shared").json()["spec"]
    assert "rayClusterSpec" not in spec and spec["clusterSelector"] == {"ray.io/cluster": "shared"}


def test_unknown_fields_are_warned_about_and_dropped(bridge, tns):
    body = job_body(tns)
    body["numGpus"] = 1
    answer = bridge.post(JOBS.format(ns=tns), json=body)
    assert answer.status_code == 200
    assert 'unknown field \\"numGpus\\"' in " ".join(answer.headers.get_all("Warning"))


# --- read-back of objects v1 did not write --------------------------------------------------------


def test_a_managed_rayjob_made_through_v2_and_run_by_the_operator_reads_back_through_v1(bridge, kube, ns):
    made = rayjob("from-v2", entrypoint="python y.py", jobId="spec-id", activeDeadlineSeconds=30)
    made["metadata"]["labels"] = {**MANAGED, "ray.io/user": "ops"}
    posted = bridge.post(RAY.format(ns=ns), json=made)
    assert posted.status_code == 201, posted.get_data(as_text=True)
    stored = posted.get_json()
    stored["status"] = {
        "jobId": "raysubmit_x1",
        "jobStatus": "SUCCEEDED",
        "jobDeploymentStatus": "Complete",
        "message": "Job finished successfully.",
        "startTime": "2026-01-02T03:04:05Z",
        "endTime": "2026-01-02T03:09:00Z",
        "rayClusterName": "from-v2-raycluster-abcde",
    }
    assert kube.put(f"{RAY.format(ns=ns)}/from-v2/status", json=stored).status_code == 200
    job = bridge.get(f"{JOBS.format(ns=ns)}/from-v2").get_json()
    assert RFC3339.match(job.pop("createdAt"))
    assert job == {
        "name": "from-v2",
        "namespace": ns,
        "user": "ops",
        "entrypoint": "python y.py",
        "jobId": "raysubmit_x1",
        "jobStatus": "SUCCEEDED",
        "jobDeploymentStatus": "Complete",
        "message": "Job finished successfully.",
        "startTime": "2026-01-02T03:04:05Z",
        "endTime": "2026-01-02T03:09:00Z",
        "rayClusterName": "from-v2-raycluster-abcde",
    }
    listed = bridge.get(JOBS.format(ns=ns)).get_json()["jobs"]
    assert [j["name"] for j in listed] == ["from-v2"] and listed[0]["jobStatus"] == "SUCCEEDED"


def test_unmanaged_rayjobs_are_invisible_to_v1(bridge, kube, ns):
    assert bridge.post(RAY.format(ns=ns), json=rayjob("foreign")).status_code == 201
    assert bridge.get(JOBS.format(ns=ns)).get_json() == {"jobs": []}
    assert "foreign" not in [j["name"] for j in bridge.get("/apis/v1/jobs").get_json()["jobs"]]
    not_managed = (
        "Job foreign not found: {}: NotFoundError: Job foreign not found: "
        "RayJob with name foreign not managed by kuberay-apiserver"
    )
    v1_error(bridge.get(f"{JOBS.format(ns=ns)}/foreign"), 404, 5, not_managed.format("Get cluster failed."))
    v1_error(bridge.delete(f"{JOBS.format(ns=ns)}/foreign"), 404, 5, not_managed.format("Get job failure"))
    assert kube.get(f"{RAY.format(ns=ns)}/foreign").status_code == 200


# --- lists ----------------------------------------------------------------------------------------


def test_an_empty_namespace_lists_an_empty_jobs_array(bridge, ns):
    answer = bridge.get(JOBS.format(ns=ns))
    assert answer.status_code == 200 and answer.get_json() == {"jobs": []}


def collect_pages(bridge, path: str, limit: int) -> list[list[tuple[str, str]]]:
    """Follow ``continue`` to the end; each page as (namespace, name) pairs."""
    pages, token = [], None
    while True:
        query = {"limit": limit, **({"continue": token} if token else {})}
        body = bridge.get(path, query_string=query).get_json()
        pages.append([(j["namespace"], j["name"]) for j in body["jobs"]])
        token = body.get("continue")
        if not token:
            return pages


def test_pagination_walks_every_page_once(bridge, ns):
    names = [f"j{i}" for i in range(5)]
    for name in names:
        create(bridge, ns, selector_body(ns, name))
    pages = collect_pages(bridge, JOBS.format(ns=ns), 2)
    assert [len(page) for page in pages] == [2, 2, 1]
    assert sorted(name for _, name in sum(pages, [])) == names
    everything = bridge.get(JOBS.format(ns=ns)).get_json()
    assert "continue" not in everything and len(everything["jobs"]) == 5


def test_list_all_shows_jobs_of_every_namespace_and_paginates(bridge, kube, ns):
    other = kube.create_namespace(f"{ns}-b")
    create(bridge, ns, selector_body(ns, "same"))
    create(bridge, other, selector_body(other, "same"))
    everywhere = bridge.get("/apis/v1/jobs").get_json()["jobs"]
    assert {(ns, "same"), (other, "same")} <= {(j["namespace"], j["name"]) for j in everywhere}
    seen = sum(collect_pages(bridge, "/apis/v1/jobs", 1), [])
    assert {(ns, "same"), (other, "same")} <= set(seen) and len(seen) == len(set(seen))


def test_bad_limit_and_bad_continue_token_are_400(bridge, ns):
    for path in (JOBS.format(ns=ns), "/apis/v1/jobs"):
        v1_error(
            bridge.get(path, query_string={"limit": "ten"}),
            400,
            3,
            'parsing field "limit": strconv.ParseInt: parsing "ten": invalid syntax',
        )
    message = v1_error(bridge.get(JOBS.format(ns=ns) + "?limit=1&continue=garbage"), 400, 3)
    assert message.startswith(
        f"List jobs failed.: List RayCluster failed in {ns} with Limit 1 and ContinueToken garbage: "
    )


# --- delete and errors ----------------------------------------------------------------------------


def test_delete_removes_the_rayjob(bridge, kube, tns):
    create(bridge, tns)
    answer = bridge.delete(f"{JOBS.format(ns=tns)}/test-job")
    assert answer.status_code == 200 and answer.get_json() == {}
    assert kube.get(f"{RAY.format(ns=tns)}/test-job").status_code == 404


def test_missing_jobs_are_404_with_the_kubernetes_text(bridge, ns):
    k8s = 'rayjobs.ray.io "foo" not found'
    v1_error(
        bridge.get(f"{JOBS.format(ns=ns)}/foo"),
        404,
        5,
        f"Job foo not found: Get cluster failed.: NotFoundError: Job foo not found: {k8s}",
    )
    v1_error(
        bridge.delete(f"{JOBS.format(ns=ns)}/foo"),
        404,
        5,
        f"Job foo not found: Get job failure: NotFoundError: Job foo not found: {k8s}",
    )


def test_duplicate_job_is_409(bridge, tns):
    create(bridge, tns)
    v1_error(
        bridge.post(JOBS.format(ns=tns), json=job_body(tns)),
        409,
        6,
        f"Job test-job already exists in namespace {tns}: Create Job failed.: "
        f"Already exist error: Job test-job already exists in namespace {tns}",
    )


def test_missing_compute_template_is_404_with_the_go_chain(bridge, kube, tns):
    body = job_body(tns)
    body["clusterSpec"]["workerGroupSpec"][0]["computeTemplate"] = "tpl"
    v1_error(
        bridge.post(JOBS.format(ns=tns), json=body),
        404,
        5,
        f"Compute template tpl not found: Create Job failed.: Failed to populate compute template "
        f"for ({tns}/test-job): Cannot get compute template for name 'tpl' in namespace '{tns}', "
        'error: NotFoundError: Compute template tpl not found: configmaps "tpl" not found',
    )
    assert kube.get(f"{RAY.format(ns=tns)}/test-job").status_code == 404


def test_conversion_errors_are_400_with_the_go_cause(bridge, kube, tns):
    body = job_body(tns)
    body["jobSubmitter"]["memory"] = "lots"
    message = v1_error(bridge.post(JOBS.format(ns=tns), json=body), 400, 3)
    assert message.startswith(
        "Failed to create a Ray Job: Create Job failed.: InvalidInputError: Failed to create a Ray Job: "
        "memory for ray job submitter lots is not specified correctly: quantities must match"
    )
    assert kube.get(f"{RAY.format(ns=tns)}/test-job").status_code == 404


def test_kubernetes_rejecting_the_object_is_400_not_500(bridge, tns):
    body = job_body(tns)
    body["user"] = "not a label value!"
    message = v1_error(bridge.post(JOBS.format(ns=tns), json=body), 400, 3)
    assert message.startswith(
        f"Failed to create a job for ({tns}/test-job): Create Job failed.: InvalidInputError: "
    )


def test_a_namespace_that_does_not_exist_is_404(bridge):
    message = v1_error(bridge.post(JOBS.format(ns="nowhere"), json=selector_body("nowhere")), 404, 5)
    assert message.startswith(
        "Failed to create a job for (nowhere/on-shared): Create Job failed.: NotFoundError"
    )


WRAP = "Validate job request failed."


def invalid(message: str, *wraps: str) -> str:
    return ": ".join([message, *wraps, f"Invalid input error: {message}"])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda b: b.update(namespace="elsewhere"),
            "The namespace in the request is different from the namespace in the job definition.",
        ),
        (
            lambda b: b.pop("namespace"),
            "The namespace in the request is different from the namespace in the job definition.",
        ),
        (lambda b: b.pop("name"), "Job name is empty. Please specify a valid value."),
        (lambda b: b.pop("user"), "User who create the job is empty. Please specify a valid value."),
        (lambda b: b.pop("clusterSpec"), "A ClusterSpec object is required. Please specify one."),
        (
            lambda b: b["clusterSpec"].pop("headGroupSpec"),
            "Cluster Spec Object requires HeadGroupSpec to be populated. Please specify one.",
        ),
        (
            lambda b: b["clusterSpec"]["headGroupSpec"].pop("computeTemplate"),
            "HeadGroupSpec compute template is empty. Please specify a valid value.",
        ),
        (
            lambda b: b["clusterSpec"]["headGroupSpec"].pop("rayStartParams"),
            "HeadGroupSpec RayStartParams is empty. Please specify values.",
        ),
        (
            lambda b: b["clusterSpec"]["headGroupSpec"].update(imagePullPolicy="Never"),
            "HeadGroupSpec unsupported value for Image pull policy. Please specify Always or IfNotPresent",
        ),
        (
            lambda b: b["clusterSpec"]["workerGroupSpec"][0].pop("groupName"),
            "WorkerNodeSpec 0 group name is empty. Please specify a valid value.",
        ),
        (
            lambda b: b["clusterSpec"]["workerGroupSpec"][0].pop("computeTemplate"),
            "WorkerNodeSpec 0 compute template is empty. Please specify a valid value.",
        ),
        (
            lambda b: b["clusterSpec"]["workerGroupSpec"][0].update(maxReplicas=0),
            "WorkerNodeSpec 0 MaxReplicas can not be 0. Please specify a valid value.",
        ),
        (
            lambda b: b["clusterSpec"]["workerGroupSpec"][0].update(minReplicas=9),
            "WorkerNodeSpec 0 MinReplica > MaxReplicas. Please specify a valid value.",
        ),
        (
            lambda b: b["clusterSpec"]["workerGroupSpec"][0].update(imagePullPolicy="never"),
            "Worker GroupSpec unsupported value for Image pull policy. Please specify Always or IfNotPresent",
        ),
    ],
)
def test_every_validation_message_over_http(bridge, kube, ns, change, message):
    body = copy.deepcopy(job_body(ns))
    change(body)
    v1_error(bridge.post(JOBS.format(ns=ns), json=body), 400, 3, invalid(message, WRAP))
    assert kube.get(f"{RAY.format(ns=ns)}/test-job").status_code == 404


def test_a_cluster_selector_replaces_the_cluster_spec_but_not_the_job_rules(bridge, ns):
    body = selector_body(ns, "nouser")
    del body["user"]
    v1_error(
        bridge.post(JOBS.format(ns=ns), json=body),
        400,
        3,
        invalid("User who create the job is empty. Please specify a valid value.", WRAP),
    )


def test_a_cluster_spec_sent_with_a_selector_is_still_checked(bridge, kube, ns):
    body = selector_body(ns)
    body["clusterSpec"] = {}  # Go skipped the rules and crashed on the missing head group
    v1_error(
        bridge.post(JOBS.format(ns=ns), json=body),
        400,
        3,
        invalid("Cluster Spec Object requires HeadGroupSpec to be populated. Please specify one.", WRAP),
    )
    assert kube.get(f"{RAY.format(ns=ns)}/on-shared").status_code == 404


def test_an_empty_body_fails_on_the_namespace(bridge, ns):
    v1_error(
        bridge.post(JOBS.format(ns=ns), data=b""),
        400,
        3,
        invalid("The namespace in the request is different from the namespace in the job definition.", WRAP),
    )


def test_empty_name_and_empty_namespace_segments(bridge, ns):
    empty = invalid("job name is empty. Please specify a valid value.")
    v1_error(bridge.get(f"{JOBS.format(ns=ns)}/"), 400, 3, empty)
    v1_error(bridge.delete(f"{JOBS.format(ns=ns)}/"), 400, 3, empty)
    for method in ("GET", "POST"):
        v1_error(bridge.open("/apis/v1/namespaces//jobs", method=method), 404, 5, "Not Found")
    v1_error(bridge.get("/apis/v1/namespaces//jobs/x"), 404, 5, "Not Found")
    v1_error(bridge.post(f"{JOBS.format(ns=ns)}/x", json={}), 501, 12, "Method Not Allowed")
    v1_error(bridge.get("/apis/v1/jobs/"), 404, 5, "Not Found")


def test_every_answer_is_deprecated_and_names_its_v2_successor(bridge, tns):
    answers = [
        bridge.post(JOBS.format(ns=tns), json=job_body(tns)),
        bridge.get(f"{JOBS.format(ns=tns)}/test-job"),
        bridge.get(JOBS.format(ns=tns)),
        bridge.get("/apis/v1/jobs"),
        bridge.delete(f"{JOBS.format(ns=tns)}/test-job"),
    ]
    for answer in answers:
        assert answer.status_code == 200 and "Deprecation" in answer.headers
        assert "/apis/ray.io/v1/" in answer.headers["Link"] and "rayjobs" in answer.headers["Link"]
