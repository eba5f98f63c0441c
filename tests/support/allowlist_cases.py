"""The path matrix of the allowlist: paths that must never reach the upstream, whatever their
encoding, and allowed ones with the canonical form the upstream must receive. Run against the
app in a thread (contract) and behind gunicorn (e2e)."""

from __future__ import annotations

REFUSED = [
    "/apis/ray.io/v1/../../api/v1/secrets",
    "/apis/ray.io/v1/%2e%2e/%2e%2e/api/v1/namespaces/default/secrets",
    "/apis/ray.io/v1/%2E%2e/%2e%2E/api/v1/namespaces/default/secrets",
    "/apis/ray.io/v1/namespaces/default/rayclusters%2F..%2F..%2Fsecrets",
    "/apis/ray.io/v1/namespaces/default/rayclusters%2f..%2f..%2fsecrets",
    "/apis/ray.io/v1/namespaces/default/rayclusters%5C..%5C..%5Csecrets",
    "/apis/ray.io/v1/namespaces/default/rayclusters/..\\..\\secrets",
    "/apis/ray.io/v1/./namespaces/default/rayclusters",
    "/apis/ray.io/v1/%2e/namespaces/default/rayclusters",
    "/apis/ray.io/v1/namespaces/default/rayclusters/..",
    "/apis/ray.io/v1/namespaces/default/rayclusters/x/../../../../../api/v1/secrets",
    "/apis/ray.io/v1/namespaces/default/rayclusters/%2e%2e?labelSelector=a",
    "/api/v1/namespaces/default/services/x/proxy/../../../secrets",
    "/api/v1/namespaces/default/services/x/proxy/%2e%2e/%2e%2e/%2e%2e/secrets",
    "/api/v1/namespaces/default/services/x/proxy/a/..%2f..%2f..%2fsecrets",
    "/api/v1/namespaces/default/services/x:8265/proxy/%2E%2E/",
    "/api/v1/namespaces/default/services/x/proxy%2F..%2F..%2Fsecrets",
    "/api/v1/namespaces/default/secrets",
    "/api/v1/namespaces/default/secrets/token",
    "/api/v1/pods",
    "/api/v1/namespaces/default/pods/x/proxy/",
    "/api/v1/proxy/namespaces/default/services/x/",
    "/api/v1/namespaces/default/configmaps",  # internal: V2Client only
    "/api/v1/namespaces",  # internal: V2Client only
    "/apis/apps/v1/deployments",
    "/apis/rbac.authorization.k8s.io/v1/clusterroles",
    "/APIS/ray.io/v1/rayclusters",
    "/Apis/ray.io/v1/rayclusters",
    "/apis/RAY.IO/v1/rayclusters",
    "/apis//ray.io/v1/rayclusters",
    "/apis/ray.io/v1//namespaces/default/rayclusters",
    "/apis/ray.io/v1beta1/rayclusters",
    "/apis/ray.io/v2/rayclusters",
    "/apis/events.k8s.io/v1/namespaces/default/events/../../../../api/v1/secrets",
    "/apis/ray.io/v1/namespaces/default/rayclusters/%00",
    "/apis/ray.io/v1/namespaces/default/rayclusters/a%0d%0aX-Injected:%201",
    "/apis/ray.io/v1/namespaces/default/rayclusters/%c0%ae%c0%ae",
    "/apis/ray.io/v1/namespaces/default/rayclusters/%2",
    "/version/../api/v1/namespaces/default/secrets",
    "http://kubernetes.default/api/v1/namespaces/default/secrets",
    "/",
    "/openapi/v2",
    "/openapi/v3/apis/apps/v1",
    "/openapi/v3/api/v1",
    "/openapi/v3/apis/events.k8s.io/v1",
    "/api/v1/namespaces/default/events/x/status",
    "/api/v1/watch/events",
]

# (path sent by the client, raw path + query the upstream must receive)
# Python's http.server (behind the werkzeug server used here) folds a leading "//" into "/"
# before the app sees it; gunicorn does not, so tests/e2e runs this matrix plus these.
REFUSED_BEHIND_GUNICORN = REFUSED + ["//apis/ray.io/v1/rayclusters", "//api/v1/namespaces/default/secrets"]

ALLOWED = [
    ("/apis/ray.io/v1/namespaces/x/rayclusters?watch=true", None),
    ("/apis/ray.io/v1/rayclusters", None),
    ("/apis/ray.io/v1/namespaces/x/rayclusters/a/status", None),
    (
        "/apis/ray.io/v1/namespaces/x/rayclusters?labelSelector=app%3Dray%2Ctier+in+%28a%2Cb%29&limit=2",
        None,
    ),
    ("/apis/ray.io/v1/", None),
    ("/version", None),
    ("/api", None),
    ("/apis", None),
    ("/apis/ray.io", None),
    ("/apis/ray.io/v1", None),
    ("/api/v1", None),
    ("/apis/events.k8s.io", None),
    ("/apis/events.k8s.io/v1", None),
    (
        "/apis/events.k8s.io/v1/events",
        "/apis/events.k8s.io/v1/events?fieldSelector=regarding.apiVersion%3Dray.io%2Fv1",
    ),
    (
        "/api/v1/events?watch=1",
        "/api/v1/events?watch=1&fieldSelector=involvedObject.apiVersion%3Dray.io%2Fv1",
    ),
    ("/openapi/v3", None),
    ("/openapi/v3/apis/ray.io/v1?hash=ABCDEF0123", None),
    ("/apis/ray.io/v1/namespaces/x/rayclusters/%61bc", "/apis/ray.io/v1/namespaces/x/rayclusters/abc"),
    (
        "/apis/ray.io/v1/namespaces/x/rayclusters/%252e%252e",
        "/apis/ray.io/v1/namespaces/x/rayclusters/%252e%252e",
    ),
    ("/api/v1/namespaces/x/services/head-svc:8265/proxy/api/jobs/", None),
    ("/api/v1/namespaces/x/services/head-svc/proxy", None),
]
