"""The real kubectl, run against one server with an empty kubeconfig of its own."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

KUBECTL = shutil.which("kubectl")


class Kubectl:
    """``kubectl --server URL`` with an empty kubeconfig and a discovery cache of its own in
    ``home``. Calling it runs ``kubectl ARGS`` (``stdin`` is fed to it) and, when ``check``,
    asserts it succeeded; ``base`` is the argv prefix for a long-running ``Popen``."""

    def __init__(self, server: str, home: Path, check: bool = True):
        if KUBECTL is None:
            pytest.fail("kubectl is not on PATH; these tests need the real kubectl (see README)")
        self.server = server
        self.home = home
        self.check = check
        (home / "kubeconfig").write_text("apiVersion: v1\nkind: Config\n")

    @property
    def env(self) -> dict[str, str]:
        return {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(self.home),
            "KUBECONFIG": str(self.home / "kubeconfig"),
        }

    @property
    def base(self) -> list[str]:
        return self.command()

    def command(self, *args: str) -> list[str]:
        """The argv of ``kubectl ARGS`` against this server (for a long-running ``Popen``)."""
        return [
            KUBECTL,
            "--server",
            self.server,
            "--kubeconfig",
            str(self.home / "kubeconfig"),
            "--cache-dir",
            str(self.home / "cache"),
            "--request-timeout",
            "20s",
            *args,
        ]

    def __call__(
        self, *args: str, check: bool | None = None, stdin: str | None = None
    ) -> subprocess.CompletedProcess:
        done = subprocess.run(
            self.command(*args), input=stdin, capture_output=True, text=True, env=self.env, timeout=60
        )
        if self.check if check is None else check:
            assert done.returncode == 0, done.stderr
        return done
