"""The legacy KubeRay APIServer v1 surface, translated into v2 calls.

Above ``v2proxy`` in the layers: every v1 request becomes calls through the v2 pipeline
(``V2Client``), never a Kubernetes call of its own. ``routes`` holds the one route table,
``convert`` the pure converters, ``managed`` the flows shared by every managed kind.
"""
