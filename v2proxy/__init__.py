"""The KubeRay APIServer v2 surface: a streaming, transparent proxy for the ray.io resources.

Above ``bridge.core`` in the layers, below ``v1compat``: ``routes`` holds the route table (the
allowlist), ``pipeline`` runs a request through the middlewares to the ``forwarder``.
"""
