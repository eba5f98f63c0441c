"""v1 clusters: ``/apis/v1/namespaces/{ns}/clusters`` and the list of all."""

from __future__ import annotations

from flask import Response, request

from v1compat import clusters_api
from v1compat.handlers import fan_out_limits, load_message, v2_client
from v1compat.schemas import ClusterSchema, ListClustersResponseSchema
from v1compat.wire import v1_json

CLUSTER = ClusterSchema()
CLUSTERS = ListClustersResponseSchema()


def create_cluster(namespace: str) -> Response:
    cluster = load_message(CLUSTER)
    return v1_json(CLUSTER.dump(clusters_api.create(v2_client(), namespace, cluster, fan_out_limits())))


def get_cluster(namespace: str, name: str) -> Response:
    return v1_json(CLUSTER.dump(clusters_api.get(v2_client(), namespace, name)))


def list_clusters(namespace: str) -> Response:
    page = clusters_api.page_query(request.args)
    return v1_json(CLUSTERS.dump(clusters_api.list_in_namespace(v2_client(), namespace, page)))


def list_all_clusters() -> Response:
    page = clusters_api.page_query(request.args)
    return v1_json(CLUSTERS.dump(clusters_api.list_all(v2_client(), page)))


def delete_cluster(namespace: str, name: str) -> Response:
    clusters_api.delete(v2_client(), namespace, name)
    return v1_json({})
