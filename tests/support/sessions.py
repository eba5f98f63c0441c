"""A ``requests`` session bound to one server (the embedded API, or the bridge over HTTP)."""

from __future__ import annotations

from typing import Any

import requests


class Api(requests.Session):
    """A ``requests`` session whose paths are relative to the server."""

    def __init__(self, url: str):
        super().__init__()
        self.url = url

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs.setdefault("timeout", 30)
        return super().request(method, self.url + url, *args, **kwargs)

    def create_namespace(self, name: str) -> str:
        """Namespace ``name`` exists (created now, or already there)."""
        answer = self.post(
            "/api/v1/namespaces",
            json={"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}},
        )
        assert answer.status_code in (201, 409), answer.text
        return name
