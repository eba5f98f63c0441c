"""Service-proxy ids: the ``{id}`` of ``/api/v1/namespaces/{ns}/services/{id}/proxy/...``.

The API server accepts ``name``, ``name:port`` and ``scheme:name:port`` (scheme ``http`` or
``https``; the port a number or a port name), split as ``utilnet.SplitSchemeNamePort`` does.
The bridge checks the name against the Services the KubeRay operator made; the embedded API
dials the port it names.
"""

from __future__ import annotations

from typing import NamedTuple

SCHEMES = ("", "http", "https")


class ServiceId(NamedTuple):
    scheme: str  # "" when the id names none
    name: str
    port: str  # "" when the id names none


def parse_service_id(text: str) -> ServiceId | None:
    """The parts of ``text``; None when it is none of the three forms (an unknown scheme, an
    empty name, more than three parts). The text is taken as it is: decoding is the caller's."""
    parts = text.split(":")
    if len(parts) == 1:
        scheme, name, port = "", parts[0], ""
    elif len(parts) == 2:
        scheme, (name, port) = "", parts
    elif len(parts) == 3:
        scheme, name, port = parts
    else:
        return None
    if scheme not in SCHEMES or not name:
        return None
    return ServiceId(scheme, name, port)


# The Ray dashboard of a RayCluster, as the KubeRay operator exposes it: the head Service is
# ``<cluster>-head-svc`` and the dashboard listens on 8265 (the Go APIServer hard-coded both).
DASHBOARD_PORT = 8265


def head_service_name(cluster: str) -> str:
    """The head Service the operator makes for RayCluster ``cluster``."""
    return f"{cluster}-head-svc"


def dashboard_service_id(cluster: str) -> str:
    """The service-proxy id of the cluster's dashboard: ``<cluster>-head-svc:8265``."""
    return f"{head_service_name(cluster)}:{DASHBOARD_PORT}"


def dashboard_cluster_url(namespace: str, cluster: str) -> str:
    """The dashboard's URL from inside the Kubernetes cluster (its cluster DNS name), exactly
    the Go APIServer's: ``http://<cluster>-head-svc.<namespace>.svc.cluster.local:8265``."""
    return f"http://{head_service_name(cluster)}.{namespace}.svc.cluster.local:{DASHBOARD_PORT}"
