"""kuberay-bridge: KubeRay APIServer v1 and v2 on one port, while clusters migrate."""

__version__ = "0.1.0"
