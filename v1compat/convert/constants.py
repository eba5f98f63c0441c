"""Label, annotation and environment names the Go server writes and filters.

Values from ``apiserver/pkg/util/consts.go`` and the default lists at the top of
``apiserver/pkg/model/converter.go``; kept together so the build and read-back sides agree.
"""

from __future__ import annotations

# Cluster labels (buildRayClusterLabels)
CLUSTER_NAME_LABEL = "ray.io/cluster-name"
USER_LABEL = "ray.io/user"
VERSION_LABEL = "ray.io/version"
ENVIRONMENT_LABEL = "ray.io/environment"
APP_NAME_LABEL = "app.kubernetes.io/name"
APP_NAME = "kuberay"
MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
MANAGED_BY = "kuberay-apiserver"
MANAGED_BY_SELECTOR = f"{MANAGED_BY_LABEL}={MANAGED_BY}"

# Annotations
CREATION_TIMESTAMP_ANNOTATION = "ray.io/creation-timestamp"
UPDATE_TIMESTAMP_ANNOTATION = "ray.io/update-timestamp"
ENABLE_SERVE_SERVICE_ANNOTATION = "ray.io/enable-serve-service"
COMPUTE_TEMPLATE_ANNOTATION = "ray.io/compute-template"
COMPUTE_IMAGE_ANNOTATION = "ray.io/compute-image"

DEFAULT_IMAGE_REPOSITORY = "rayproject/ray"
HEAD_CONTAINER = "ray-head"
WORKER_CONTAINER = "ray-worker"

# getNodeDefaultAnnotations: dropped from group annotations on read-back.
NODE_DEFAULT_ANNOTATIONS = frozenset(
    {
        "ray.io/compute-image",
        "openshift.io/scc",
        "cni.projectcalico.org/podIP",
        "ray.io/health-state",
        "ray.io/ft-enabled",
        "cni.projectcalico.org/podIPs",
        "cni.projectcalico.org/containerID",
        "ray.io/compute-template",
        "k8s.v1.cni.cncf.io/network-status",
        "k8s.v1.cni.cncf.io/networks-status",
    }
)

# getNodeDefaultLabels: dropped from group labels on read-back.
NODE_DEFAULT_LABELS = frozenset(
    {
        "app.kubernetes.io/created-by",
        "app.kubernetes.io/name",
        "ray.io/cluster",
        "ray.io/cluster-dashboard",
        "ray.io/group",
        "ray.io/identifier",
        "ray.io/is-ray-node",
        "ray.io/node-type",
    }
)

# getHeadNodeEnv / getWorkNodeEnv: environment names the server or operator owns, hidden on read-back.
HEAD_RESERVED_ENV = frozenset(
    {"MY_POD_IP", "RAY_CLUSTER_NAME", "RAY_PORT", "RAY_ADDRESS", "RAY_USAGE_STATS_KUBERAY_IN_USE"}
)
WORKER_RESERVED_ENV = frozenset(
    {
        "RAY_DISABLE_DOCKER_CPU_WARNING",
        "TYPE",
        "CPU_REQUEST",
        "CPU_LIMITS",
        "MEMORY_REQUESTS",
        "MEMORY_LIMITS",
        "MY_POD_NAME",
        "MY_POD_IP",
        "FQ_RAY_IP",
        "RAY_IP",
        "RAY_CLUSTER_NAME",
        "RAY_PORT",
        "RAY_ADDRESS",
        "RAY_USAGE_STATS_KUBERAY_IN_USE",
        "REDIS_PASSWORD",
    }
)

# RayCluster CRD defaults, used on read-back when a worker group lacks the pointers the Go
# server dereferenced (a nil pointer crashed it).
CRD_DEFAULT_REPLICAS = 0
CRD_DEFAULT_MIN_REPLICAS = 0
CRD_DEFAULT_MAX_REPLICAS = 2147483647
