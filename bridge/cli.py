"""The ``kuberay-bridge`` command: one subcommand a job."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import sys
from collections.abc import Sequence

from bridge import __version__
from bridge.core.config import BridgeConfig, ConfigError
from bridge.core.logs import log_everything_as_json
from bridge.fd_limit import raise_open_files_limit
from bridge.migration_cli import add_commands as add_migration_commands
from bridge.preflight import import_from_working_directory, startup_problems
from bridge.server import run


def _add_config_flags(parser: argparse.ArgumentParser) -> None:
    """One flag per BridgeConfig setting, so flags, env and file never drift apart. A boolean
    setting is a pair of flags (``--v1-strict`` / ``--no-v1-strict``), as in kubectl and
    gunicorn; its environment variable and config-file key still take true/false."""
    parser.add_argument("--config", metavar="FILE", help="YAML file of settings")
    for name, setting in BridgeConfig.settings().items():
        flag = "--" + name.replace("_", "-")
        default = [] if setting.default is dataclasses.MISSING else setting.default
        help = f"{setting.metadata['help']} (default: {default}; env BRIDGE_{name.upper()})"
        if setting.type in (bool, "bool"):
            parser.add_argument(
                flag, dest=name, default=None, help=help, action=argparse.BooleanOptionalAction
            )
        else:
            parser.add_argument(flag, dest=name, default=None, metavar=name.upper(), help=help)


def _cmd_serve(args: argparse.Namespace) -> int:
    """Every setting is checked before gunicorn starts a worker: a bad one is one line on
    stderr naming it, and exit status 2 (as for a usage error)."""
    flags = {name: getattr(args, name) for name in BridgeConfig.settings()}

    def load_config() -> BridgeConfig:
        return BridgeConfig.load(flags=flags, config_file=args.config)

    try:
        config = load_config()
    except ConfigError as exc:
        problems = exc.problems
    else:
        import_from_working_directory()
        problems = startup_problems(config)
    if problems:
        for problem in problems:
            print(f"kuberay-bridge: invalid configuration: {problem}", file=sys.stderr)
        return 2
    return run(config, load_config)


def _port(text: str) -> int:
    """A TCP port (0: any free one); argparse's ``int`` let 70000 wrap to 4464 and -1 crash."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid port {text!r}: not a number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"invalid port {port}: must be between 0 and 65535")
    return port


def _existing_directory(text: str) -> str:
    """Checked before anything starts (a missing CRD directory used to be reported as a bad
    data directory "None")."""
    if os.path.exists(text) and not os.path.isdir(text):
        raise argparse.ArgumentTypeError(f"{text}: not a directory")
    if not os.path.isdir(text):
        raise argparse.ArgumentTypeError(f"{text}: no such directory")
    return text


def _cmd_embedded(args: argparse.Namespace) -> int:
    if args.log_format == "json":
        log_everything_as_json("info")
    else:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    raise_open_files_limit()  # it holds one upstream watch per watch of the bridge
    from bridge.embedded import serve

    return serve(
        host=args.host,
        port=args.port,
        data_dir=args.data_dir,
        crd_dir=args.crd_dir,
        namespaces=args.namespace,
    )


def _cmd_rbac(_args: argparse.Namespace) -> int:
    # Imported here: the route tables import the metrics and urllib3, which `serve` must import
    # only after it set the Prometheus multiprocess directory and gevent patched the modules.
    from bridge.rbac import print_rbac_rules

    return print_rbac_rules()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kuberay-bridge",
        description="KubeRay APIServer v1 and v2 on one port, while clusters migrate.",
    )
    parser.add_argument("--version", action="version", version=f"kuberay-bridge {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    serve = commands.add_parser(
        "serve", help="run the bridge under gunicorn", description="Run the bridge under gunicorn."
    )
    _add_config_flags(serve)
    serve.set_defaults(func=_cmd_serve)

    embedded = commands.add_parser(
        "embedded-apiserver",
        help="run the embedded Kubernetes API alone",
        description="Run the embedded Kubernetes API (ray.io CRs, ConfigMaps, Services, "
        "Namespaces, Events) on its own, for laptops, tests and benchmarks.",
    )
    embedded.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    embedded.add_argument(
        "--port", type=_port, default=8001, help="port to listen on, 0 for any free port (default: 8001)"
    )
    embedded.add_argument(
        "--data-dir",
        metavar="DIR",
        help="keep state in SQLite under DIR, created if missing (default: in memory)",
    )
    embedded.add_argument(
        "--crd-dir",
        metavar="DIR",
        type=_existing_directory,
        help="directory of CRD YAML files whose OpenAPI schemas prune and validate objects",
    )
    embedded.add_argument(
        "--namespace",
        metavar="NAME",
        action="append",
        default=[],
        help="a namespace to create at start if missing, besides a fresh cluster's "
        "(repeatable; e.g. ray-system, where KubeRay lives)",
    )
    embedded.add_argument(
        "--log-format",
        choices=("text", "json"),
        default="text",
        help="text lines, or JSON lines as `serve` writes (default: text)",
    )
    embedded.set_defaults(func=_cmd_embedded)

    rbac = commands.add_parser(
        "rbac",
        help="print the RBAC rules the bridge's service account needs",
        description="Print, as YAML, the RBAC rules (ClusterRole and namespaced Role) of what the "
        "route tables let the bridge call upstream: the Helm chart's files/rbac-rules.yaml.",
    )
    rbac.set_defaults(func=_cmd_rbac)
    add_migration_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args) or 0
