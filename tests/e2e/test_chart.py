"""The Helm chart as ``helm`` renders it: lint and template for the default values and a matrix
of others, every manifest valid against the Kubernetes 1.29-1.33 schemas (kubernetes-validate,
offline), the RBAC rules what the route tables call, the ConfigMap a config file that
``kuberay-bridge serve`` accepts, and values.schema.json refusing bad values by name."""

from __future__ import annotations

import json
import subprocess

import kubernetes_validate
import pytest
import requests
import yaml

from bridge.core.config import V1_STAGES, BridgeConfig
from bridge.rbac import rbac_rules, rbac_rules_yaml
from tests.support.bridge_process import COMMAND
from tests.support.helm import CHART, helm, render, values_args
from v1compat.routes import ROUTES
from v1compat.stages import resource_of

KUBERNETES_VERSIONS = ("1.29", "1.30", "1.31", "1.32", "1.33")
# kinds of CRDs (the Prometheus operator's), which have no schema in kubernetes-validate
CRD_KINDS = {"ServiceMonitor"}

VALUES_MATRIX = {
    "default": {},
    "cluster-ip-ingress-monitor": {
        "service": {"type": "ClusterIP"},
        "ingress": {
            "enabled": True,
            "className": "nginx",
            "tls": [{"hosts": ["b.example"], "secretName": "b"}],
        },
        "serviceMonitor": {"enabled": True, "labels": {"release": "prometheus"}},
    },
    "tls-client-ca": {"tls": {"enabled": True, "secretName": "bridge-tls", "clientCAKey": "ca.crt"}},
    "token-auth-monitored": {
        "config": {"auth_mode": "token"},
        "tokens": {"existingSecret": "bridge-tokens"},
        "serviceMonitor": {
            "enabled": True,
            "authorization": {"type": "Bearer", "credentials": {"name": "metrics-token", "key": "token"}},
        },
    },
    "one-namespace": {"singleNamespaceInstall": True, "watchNamespace": "team-a"},
    "passthrough-no-rbac": {"config": {"auth_mode": "passthrough"}, "rbacEnable": False},
    "autoscaled": {
        "autoscaling": {"enabled": True, "minReplicas": 3, "maxReplicas": 6},
        "podDisruptionBudget": {"enabled": False},
    },
    "migration-stages": {
        "config": {
            "v1_stage": "read-only",
            "v1_stage_overrides": {"templates": "coexist", "submissions": "removed"},
            "v1_client_exceptions": {"ci-bot": "2027-01-31", "python-requests": None},
            "v1_sunset": "2027-06-30",
            "v1_after_sunset_stage": "removed",
            "job_submission_access": "service-proxy",
            "job_submission_timeout": 20,
            "metrics_open": True,
            "metrics_client_limit": 100,
        },
        "serviceMonitor": {"enabled": True},
    },
    "tuned": {
        "fullnameOverride": "apiserver",
        "replicaCount": 3,
        "image": {"repository": "registry.example/kuberay-bridge", "tag": "1.2.3", "pullPolicy": "Always"},
        "config": {
            "workers": 4,
            "graceful_timeout": 25,
            "cors_origins": ["https://ui.example"],
            "v1_strict": True,
        },
        "terminationGraceMarginSeconds": 3,
        "serviceAccount": {"create": False, "name": "existing"},
    },
}


@pytest.fixture(scope="module", params=sorted(VALUES_MATRIX))
def rendered(request) -> tuple[dict, list[dict]]:
    values = VALUES_MATRIX[request.param]
    return values, render(values)


def kinds(manifests: list[dict], *wanted: str) -> list[dict]:
    return [manifest for manifest in manifests if manifest["kind"] in wanted]


def the(manifests: list[dict], kind: str) -> dict:
    (manifest,) = kinds(manifests, kind)
    return manifest


@pytest.mark.parametrize("case", sorted(VALUES_MATRIX))
def test_helm_lint_passes_for_every_values_set(case):
    result = helm("lint", str(CHART), "--strict", *values_args(VALUES_MATRIX[case]))
    assert "0 chart(s) failed" in result.stdout


def test_every_rendered_manifest_is_valid_for_kubernetes_1_29_to_1_33(rendered):
    _, manifests = rendered
    assert kinds(manifests, "Deployment", "Service", "ConfigMap")
    for manifest in manifests:
        if manifest["kind"] in CRD_KINDS:
            continue
        for version in KUBERNETES_VERSIONS:
            kubernetes_validate.validate(manifest, version, strict=True)


def test_the_rbac_rules_file_is_what_the_route_tables_call():
    """Regenerate with ``kuberay-bridge rbac > charts/kuberay-bridge/files/rbac-rules.yaml``."""
    assert (CHART / "files" / "rbac-rules.yaml").read_text() == rbac_rules_yaml()
    printed = subprocess.run([*COMMAND, "rbac"], capture_output=True, text=True, timeout=60, check=True)
    assert printed.stdout == rbac_rules_yaml()


def test_rendered_roles_grant_exactly_the_generated_rules(rendered):
    values, manifests = rendered
    rules = rbac_rules()
    if not values.get("rbacEnable", True):
        assert not kinds(manifests, "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding")
        return
    account = the(manifests, "Deployment")["spec"]["template"]["spec"]["serviceAccountName"]
    if values.get("singleNamespaceInstall"):
        role, binding = the(manifests, "Role"), the(manifests, "RoleBinding")
        assert role["metadata"]["namespace"] == binding["metadata"]["namespace"] == values["watchNamespace"]
        assert role["rules"] == rules["namespaceRules"]
        assert not kinds(manifests, "ClusterRole", "ClusterRoleBinding")
    else:
        role, binding = the(manifests, "ClusterRole"), the(manifests, "ClusterRoleBinding")
        assert role["rules"] == rules["clusterRules"]
        assert not kinds(manifests, "Role", "RoleBinding")
    assert binding["roleRef"]["name"] == role["metadata"]["name"]
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": account, "namespace": "ray-system"}]


def test_the_rules_name_no_secret_pod_or_rbac_resource():
    granted = {resource for rule in rbac_rules()["clusterRules"] for resource in rule.get("resources", ())}
    assert granted and not granted & {"secrets", "pods", "pods/exec", "roles", "clusterroles", "*"}


def test_the_deployment_is_a_well_kept_add_on(rendered):
    values, manifests = rendered
    deployment = the(manifests, "Deployment")
    spec = deployment["spec"]
    pod = spec["template"]["spec"]
    (container,) = pod["containers"]
    assert spec["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    if values.get("autoscaling", {}).get("enabled"):
        assert "replicas" not in spec
        assert (
            the(manifests, "HorizontalPodAutoscaler")["spec"]["scaleTargetRef"]["name"]
            == deployment["metadata"]["name"]
        )
    else:
        assert spec["replicas"] == values.get("replicaCount", 2)
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert "startupProbe" in container
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] and not security["allowPrivilegeEscalation"]
    assert pod["securityContext"]["runAsNonRoot"]
    # every directory the bridge writes is a writable emptyDir on the read-only root
    env = {item["name"]: item["value"] for item in container["env"]}
    mounts = {mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]}
    empty_dirs = {volume["name"] for volume in pod["volumes"] if "emptyDir" in volume}
    for variable in ("PROMETHEUS_MULTIPROC_DIR", "TMPDIR"):
        assert mounts.get(env[variable]) in empty_dirs, variable
    config = values.get("config", {})
    drain = config.get("drain_seconds", 5)
    graceful = config.get("graceful_timeout", 10)
    margin = values.get("terminationGraceMarginSeconds", 10)
    assert pod["terminationGracePeriodSeconds"] == drain + graceful + margin
    assert (
        pod["topologySpreadConstraints"][0]["labelSelector"]["matchLabels"] == spec["selector"]["matchLabels"]
    )
    assert container["command"] == ["kuberay-bridge", "serve"]
    args = container["args"]
    assert args[:6] == ["--upstream", "in-cluster", "--host", "0.0.0.0", "--port", "31888"]
    assert ("--tls-cert-file" in args) == values.get("tls", {}).get("enabled", False)


def test_the_service_is_a_node_port_31888_by_default_like_kuberay_apiserver():
    service = the(render({}), "Service")
    assert service["spec"]["type"] == "NodePort"
    assert service["spec"]["ports"][0]["nodePort"] == 31888
    cluster_ip = the(render({"service": {"type": "ClusterIP"}}), "Service")
    assert "nodePort" not in cluster_ip["spec"]["ports"][0]


def test_the_service_monitor_selects_the_service():
    manifests = render(VALUES_MATRIX["cluster-ip-ingress-monitor"])
    monitor, service = the(manifests, "ServiceMonitor"), the(manifests, "Service")
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    labels = service["metadata"]["labels"]
    assert all(labels.get(key) == value for key, value in monitor["spec"]["selector"]["matchLabels"].items())
    assert monitor["spec"]["endpoints"][0]["path"] == "/metrics"


def test_the_service_monitor_sends_the_bearer_token_of_its_secret():
    manifests = render(VALUES_MATRIX["token-auth-monitored"])
    (endpoint,) = the(manifests, "ServiceMonitor")["spec"]["endpoints"]
    assert endpoint["authorization"] == {
        "type": "Bearer",
        "credentials": {"name": "metrics-token", "key": "token"},
    }


def test_the_service_monitor_sends_no_token_when_metrics_are_open():
    (endpoint,) = the(render(VALUES_MATRIX["migration-stages"]), "ServiceMonitor")["spec"]["endpoints"]
    assert "authorization" not in endpoint


def test_a_token_mode_service_monitor_without_a_token_or_open_metrics_is_refused():
    values = {
        "config": {"auth_mode": "token"},
        "tokens": {"existingSecret": "bridge-tokens"},
        "serviceMonitor": {"enabled": True},
    }
    result = helm("template", "bridge", str(CHART), *values_args(values), check=False)
    assert result.returncode != 0
    assert "set serviceMonitor.authorization.credentials" in result.stderr
    assert "config.metrics_open=true" in result.stderr


# Settings of BridgeConfig that values.schema.json leaves out of `config` on purpose.
NOT_IN_CHART_CONFIG = {
    "host": "the chart's: --host 0.0.0.0 in the Deployment",
    "port": "the chart's: --port 31888, which the Service and probes use",
    "upstream": "the chart's: --upstream in-cluster",
    "tls_cert_file": "the chart's: tls.enabled mounts tls.secretName and passes the file",
    "tls_private_key_file": "the chart's: as tls_cert_file",
    "tls_client_ca_file": "the chart's: tls.clientCAKey",
    "embedded_crd_dir": "only for an embedded upstream, which the chart never runs",
}


def test_the_schema_has_every_config_file_setting_but_the_charts_own():
    """A new setting of bridge/core/config.py must be added to values.schema.json (or to the
    exclusions above, with its reason): ``config`` allows no other keys, so a setting missing
    there cannot be set through the chart at all."""
    schema = json.loads((CHART / "values.schema.json").read_text())["properties"]["config"]
    assert set(NOT_IN_CHART_CONFIG) <= set(BridgeConfig.settings())
    assert set(schema["properties"]) == set(BridgeConfig.settings()) - set(NOT_IN_CHART_CONFIG)
    assert {key for option in schema["not"]["anyOf"] for key in option["required"]} == {
        "host",
        "port",
        "upstream",
    }


def test_the_schema_allows_stage_overrides_of_the_v1_resources_only():
    schema = json.loads((CHART / "values.schema.json").read_text())["properties"]["config"]
    resources = schema["properties"]["v1_stage_overrides"]["propertyNames"]["enum"]
    assert set(resources) == {resource_of(route.name) for route in ROUTES}
    assert schema["properties"]["v1_stage"]["enum"] == list(V1_STAGES)


@pytest.mark.parametrize(
    "values, named",
    [
        ({"replicaCount": 0}, "replicaCount"),
        ({"service": {"type": "LoadBalancer"}}, "service.type"),
        ({"config": {"auth_mode": "ldap"}}, "config.auth_mode"),
        ({"config": {"wrokers": 2}}, "wrokers"),
        ({"config": {"workers": 0}}, "config.workers"),
        ({"config": {"port": 8080}}, "config"),
        ({"tls": {"enabled": True}}, "tls.secretName"),
        ({"image": {"pullPolicy": "Sometimes"}}, "image.pullPolicy"),
        ({"replicas": 3}, "replicas"),
        ({"config": {"v1_stage": "gone"}}, "config.v1_stage"),
        ({"config": {"v1_stage_overrides": {"clusterz": "removed"}}}, "clusterz"),
        ({"config": {"v1_client_exceptions": {"ci-bot": "next year"}}}, "ci-bot"),
        ({"config": {"job_submission_access": "ssh"}}, "config.job_submission_access"),
        ({"config": {"embedded_crd_dir": "/crds"}}, "embedded_crd_dir"),
        ({"serviceMonitor": {"authorization": {"type": "Bearer"}}}, "serviceMonitor.authorization"),
    ],
)
def test_helm_refuses_bad_values_naming_them(values, named):
    result = helm("template", "bridge", str(CHART), *values_args(values), check=False)
    assert result.returncode != 0
    assert "values don't meet the specifications of the schema" in result.stderr
    assert named in result.stderr


def test_token_auth_without_tokens_is_refused_with_a_clear_message():
    result = helm(
        "template", "bridge", str(CHART), *values_args({"config": {"auth_mode": "token"}}), check=False
    )
    assert result.returncode != 0
    assert "config.auth_mode=token needs tokens.existingSecret" in result.stderr


@pytest.mark.parametrize("case", ["default", "tuned", "passthrough-no-rbac", "migration-stages"])
def test_the_config_map_is_a_config_file_serve_accepts(case, start_bridge, cluster, tmp_path):
    """The rendered config file, given to ``kuberay-bridge serve`` with the chart's BRIDGE_CONFIG:
    it starts, and the Deployment's probe paths answer 200."""
    manifests = render(VALUES_MATRIX[case])
    config_file = tmp_path / "config.yaml"
    config_file.write_text(the(manifests, "ConfigMap")["data"]["config.yaml"])
    settings = yaml.safe_load(config_file.read_text())
    assert set(settings) <= set(BridgeConfig.settings())
    bridge = start_bridge("--upstream", cluster.url, env={"BRIDGE_CONFIG": str(config_file)})
    (container,) = the(manifests, "Deployment")["spec"]["template"]["spec"]["containers"]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert requests.get(bridge.url + container[probe]["httpGet"]["path"], timeout=30).status_code == 200
    if settings.get("cors_origins"):
        preflight = requests.options(
            bridge.url + "/apis/ray.io/v1/namespaces/default/rayclusters",
            headers={"Origin": settings["cors_origins"][0], "Access-Control-Request-Method": "GET"},
            timeout=30,
        )
        assert preflight.headers.get("Access-Control-Allow-Origin") == settings["cors_origins"][0]


def test_helm_is_the_pinned_release():
    assert "v3.17.2" in helm("version", "--short").stdout
