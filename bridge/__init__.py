"""kuberay-bridge: KubeRay APIServer v1 and v2 on one port, while clusters migrate.

The package's top-level modules are the composition root (``app``, ``cli``, ``server``,
``gunicorn_conf``, ``preflight``, ``supervisor``, ``worker_hooks``): they wire the layers below
and nothing imports them. The layers, top to bottom (import-linter contracts in pyproject.toml):
``v1compat`` > ``v2proxy`` > ``bridge.core`` > ``bridge.kube``; ``bridge.embedded`` stands
beside them and imports only ``bridge.kube``.
"""

__version__ = "0.1.0"
