"""An embedded, Kubernetes-API-compatible server for ray.io CRs, ConfigMaps, Services,
Namespaces and Events, so the bridge runs (and is tested over real HTTP) with no cluster."""

from bridge.embedded.server import EmbeddedServer, make_app, serve, start

__all__ = ["EmbeddedServer", "make_app", "serve", "start"]
