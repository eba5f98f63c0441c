"""``kuberay-bridge usage`` and ``kuberay-bridge translate``: the migration tools.

Exit codes a script can rely on (both commands):

- 0: done;
- 1: the input is wrong (not JSON/YAML, not a v1 body, invalid as a v1 create);
- 2: the command line is wrong (argparse);
- 3: something it needs is missing or unreachable (a compute template, the bridge's metrics,
  the cluster).

Errors are one line on stderr, starting ``kuberay-bridge <command>:``.

Nothing here imports ``urllib3`` (hence ``ssl``) at module level: ``serve`` builds the same
parser, and its master must not import ``ssl`` before the gevent workers patch it.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import shlex
import sys
from pathlib import Path
from typing import Any

import yaml

EXIT_INPUT, EXIT_USAGE, EXIT_MISSING = 1, 2, 3
TIMEOUT = 10.0


class CommandError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def _bearer(token_file: str | None) -> dict[str, str]:
    """The first token of ``token_file``, read as the bridge reads its own (comments, an
    optional ``,name``), so the bridge's token file works here too."""
    if not token_file:
        return {}
    from bridge.core.auth import parse_tokens

    try:
        tokens = parse_tokens(Path(token_file).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(EXIT_MISSING, f"cannot read {token_file}: {error}") from None
    if not tokens:
        raise CommandError(EXIT_MISSING, f"{token_file} holds no token")
    return {"Authorization": f"Bearer {tokens[0].secret.decode()}"}


# --- usage ----------------------------------------------------------------------------------


def cmd_usage(args: argparse.Namespace) -> int:
    import urllib3

    from v1compat.usage import as_json, as_table, usage_rows

    url = args.url.rstrip("/") + "/metrics"
    try:
        answer = urllib3.request("GET", url, headers=_bearer(args.token_file), timeout=TIMEOUT, retries=False)
    except urllib3.exceptions.HTTPError as error:
        raise CommandError(EXIT_MISSING, f"cannot read {url}: {error}") from None
    if answer.status != 200:
        raise CommandError(EXIT_MISSING, f"{url} answered {answer.status}")
    rows = usage_rows(answer.data.decode("utf-8", "replace"))
    if args.output == "json":
        print(json.dumps(as_json(rows), indent=2))
    elif rows:
        print(as_table(rows))
    else:
        print("No v1 calls counted since the bridge started.")
    return 0


# --- translate ------------------------------------------------------------------------------


def _read_input(source: str) -> Any:
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except OSError as error:
        raise CommandError(EXIT_MISSING, f"cannot read {source}: {error.strerror}") from None
    try:
        return yaml.safe_load(text)  # JSON is YAML; a v1 body is one document
    except yaml.YAMLError as error:
        raise CommandError(EXIT_INPUT, f"{source} is not JSON or YAML: {error}") from None


class Templates:
    """Compute templates from ``--template`` files, then from the cluster (``--cluster``)."""

    def __init__(self, files: list[str], cluster: str | None):
        from v1compat.translate import template_from_document

        # A file the user names is meant for this body: matched by name, whatever its namespace.
        self.files = {
            template["name"]: template for template in map(template_from_document, map(_read_input, files))
        }
        self.cluster = cluster
        self._upstream: Any = None

    def __call__(self, namespace: str, name: str) -> dict[str, Any] | None:
        template = self.files.get(name)
        if template is not None or self.cluster is None:
            return template
        return self._fetch(namespace, name)

    def upstream(self) -> Any:
        """The cluster, resolved as ``serve --upstream`` resolves it (kubeconfig credentials,
        exec plugins and in-cluster service accounts included)."""
        if self._upstream is None:
            import os

            from bridge.core.config import BridgeConfig, ConfigError
            from bridge.core.upstream import connect_upstream

            try:
                config = BridgeConfig.load(flags={"upstream": self.cluster}, environ={})
            except ConfigError as error:
                raise CommandError(EXIT_USAGE, f"--cluster: {'; '.join(error.problems)}") from None
            try:
                self._upstream = connect_upstream(config, os.environ)
            except Exception as error:  # the kubernetes loaders raise more than ConfigError
                raise CommandError(EXIT_MISSING, f"--cluster {self.cluster}: {error}") from None
        return self._upstream

    def _fetch(self, namespace: str, name: str) -> dict[str, Any] | None:
        import orjson
        import urllib3

        from bridge.kube.resources import CONFIGMAPS
        from v2proxy.templates import configmap_to_template, is_compute_template

        upstream = self.upstream()
        path = CONFIGMAPS.get_url(namespace, name)
        url = upstream.url + path
        authorization = upstream.authorization()
        headers = {"Authorization": authorization} if authorization else {}
        try:
            answer = upstream.urlopen("GET", path, headers=headers, timeout=TIMEOUT, retries=False)
        except urllib3.exceptions.HTTPError as error:
            raise CommandError(EXIT_MISSING, f"cannot read {url}: {error}") from None
        if answer.status == 404:
            return None
        if answer.status != 200:
            raise CommandError(EXIT_MISSING, f"{url} answered {answer.status}")
        try:
            configmap = orjson.loads(answer.data)
        except orjson.JSONDecodeError as error:
            raise CommandError(EXIT_MISSING, f"{url} answered something that is not JSON: {error}") from None
        return configmap_to_template(configmap) if is_compute_template(configmap) else None


def _v2_request_lines(successor: Any, fmt: str) -> list[str]:
    target = "$BRIDGE" if successor.served_by_bridge else "$KUBE_API"
    media = "application/yaml" if fmt == "yaml" else "application/json"
    curl = (
        f"curl -X {successor.method} -H {shlex.quote('Content-Type: ' + media)} "
        f'--data-binary @manifest.{fmt} "{target}{successor.path}"'
    )
    where = "bridge (v2)" if successor.served_by_bridge else "Kubernetes API (kubectl apply -f works too)"
    return [f"v2: {successor.method} {successor.path}  [{where}]", curl]


def cmd_translate(args: argparse.Namespace) -> int:
    from v1compat.errors import V1Error
    from v1compat.translate import KINDS, MissingTemplate, kind_named, translate

    body = _read_input(args.file)
    templates = Templates(args.template, args.cluster)
    try:
        kind = kind_named(args.kind) if args.kind else None
    except KeyError:
        known = ", ".join(kind.name for kind in KINDS)
        raise CommandError(EXIT_USAGE, f"unknown --kind {args.kind!r} (known: {known})") from None
    try:
        result = translate(body, kind, args.namespace, templates, _dt.datetime.now(_dt.UTC))
    except V1Error as error:
        raise CommandError(EXIT_INPUT, f"invalid v1 body: {error.message}") from None
    except MissingTemplate as error:
        raise CommandError(EXIT_MISSING, f"{error}: pass --template FILE or --cluster") from None
    for warning in result.warnings:
        print(f"kuberay-bridge translate: warning: {warning} (dropped)", file=sys.stderr)
    request_lines = _v2_request_lines(result.v2_call, args.output)
    if args.output == "json":
        manifests = result.manifests
        document = (
            manifests[0] if len(manifests) == 1 else {"apiVersion": "v1", "kind": "List", "items": manifests}
        )
        print(json.dumps(document, indent=2))
        for line in request_lines:
            print(line, file=sys.stderr)
    else:
        print("\n".join(f"# {line}" for line in request_lines))
        print(yaml.safe_dump_all(result.manifests, sort_keys=False), end="")
    return 0


def add_commands(commands: Any) -> None:
    """Add ``usage`` and ``translate`` to the ``kuberay-bridge`` subcommands. Nothing of the
    surfaces is imported here: ``serve`` builds this parser too, and must import the route
    tables (and the metrics client) only after it set the Prometheus multiprocess directory."""
    usage = commands.add_parser(
        "usage",
        help="who still calls v1: clients x routes x counts, from a running bridge's metrics",
        description="Read a running bridge's /metrics and print who still calls v1 (client = "
        "User-Agent product, identity when authenticated), per route, with the v2 call to move to.",
    )
    usage.add_argument("--url", required=True, help="the bridge's base URL, e.g. http://127.0.0.1:31888")
    usage.add_argument("--output", choices=("table", "json"), default="table", help="default: table")
    usage.add_argument("--token-file", metavar="FILE", help="bearer token for /metrics (auth_mode=token)")
    usage.set_defaults(func=_guarded(cmd_usage, "usage"))

    translate = commands.add_parser(
        "translate",
        help="turn a v1 request body into the Kubernetes manifests the bridge would create",
        description="Turn a v1 create body into the manifests the bridge would create, "
        "and print the equivalent v2 request. YAML on stdout with the v2 request as comments; "
        "with --output json, JSON on stdout and the v2 request on stderr. Exit status: 0 done, "
        "1 bad input, 2 bad command line, 3 a template or the cluster is missing.",
    )
    translate.add_argument("file", metavar="FILE|-", help="the v1 request body (JSON or YAML; - for stdin)")
    translate.add_argument(
        "--kind", help="compute_template, cluster, job or service (default: told by the body)"
    )
    translate.add_argument("--namespace", help="the namespace of the v1 call (default: the body's)")
    translate.add_argument("--output", choices=("yaml", "json"), default="yaml", help="default: yaml")
    translate.add_argument(
        "--template",
        metavar="FILE",
        action="append",
        default=[],
        help="a compute template (v1 body or ConfigMap) a cluster names; repeatable",
    )
    translate.add_argument(
        "--cluster",
        metavar="UPSTREAM",
        help="read the other compute templates from this cluster: kubeconfig[:PATH], in-cluster, "
        "or a URL such as kubectl proxy's (as serve --upstream)",
    )
    translate.set_defaults(func=_guarded(cmd_translate, "translate"))


def _guarded(command: Any, name: str) -> Any:
    def run(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except CommandError as error:
            print(f"kuberay-bridge {name}: {error}", file=sys.stderr)
            return error.status

    return run
