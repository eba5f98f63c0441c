"""Certificates for HTTPS tests, made with the openssl command line (no Python dependency)."""

from __future__ import annotations

import subprocess
from pathlib import Path


def issue_certificate(directory: Path, name: str, ca: tuple[Path, Path] | None = None) -> tuple[Path, Path]:
    """``(certificate, key)`` PEM files under ``directory``, made by the openssl command line:
    a self-signed CA when ``ca`` is None, else a server certificate for 127.0.0.1 signed by
    ``ca`` (its certificate and key)."""
    certificate, key = directory / f"{name}.crt", directory / f"{name}.key"
    if ca is None:
        command = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={name}"]
        subprocess.run(
            ["openssl", *command, "-keyout", key, "-out", certificate], check=True, capture_output=True
        )
        return certificate, key
    request = directory / f"{name}.csr"
    extensions = directory / f"{name}.ext"
    extensions.write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    subprocess.run(
        ["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}"]
        + ["-keyout", key, "-out", request],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        ["openssl", "x509", "-req", "-in", request, "-CA", ca[0], "-CAkey", ca[1], "-CAcreateserial"]
        + ["-days", "2", "-extfile", extensions, "-out", certificate],
        check=True,
        capture_output=True,
    )
    return certificate, key
