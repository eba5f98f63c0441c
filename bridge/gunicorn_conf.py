"""gunicorn configuration module, for running the app with gunicorn's own command line:

    gunicorn -c python:bridge.gunicorn_conf 'bridge.app:create_app()'

Settings come from ``BRIDGE_*`` variables and the ``BRIDGE_CONFIG`` file, exactly as for
``kuberay-bridge serve``; gunicorn flags given on its command line (``-b``, ``-w``) win. With
``BRIDGE_UPSTREAM=embedded`` the master starts the one shared embedded API, as ``serve`` does.
"""

from bridge.core.config import BridgeConfig
from bridge.server import gunicorn_settings

_settings = gunicorn_settings(BridgeConfig.load())
globals().update({name: value for name, value in _settings.items() if not name.startswith("_")})
