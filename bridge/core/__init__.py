"""The runtime both dialects share: typed configuration and app state, error rendering, logs,
metrics, health, caller auth and header hygiene, loop detection, CORS, and the upstream
transport. It imports ``bridge.kube`` and libraries only: never a surface (``v2proxy``,
``v1compat``) or the composition root (``bridge.app``, ``bridge.cli``, ``bridge.server``)."""
