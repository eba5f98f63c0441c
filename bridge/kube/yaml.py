"""YAML as the Kubernetes API reads it (sigs.k8s.io/yaml: YAML converted to JSON), bounded.

One loader for every server of the project: the embedded API decoding a request body and the
v2 proxy reading a body it must rewrite. A timestamp-looking scalar such as
``eventTime: 2024-01-01T00:00:00Z`` stays a string (PyYAML would make it a datetime that no JSON
encoder can write back), and map keys become strings (``1:``, ``on:``), each its own key
(Python would fold ``1`` and ``true`` into one).

A few hundred bytes of anchors and aliases (a "billion laughs") load as shared objects, but
writing them back as JSON writes every copy: gigabytes of memory and minutes of a worker that
serves every other request too. And the code that walks an object recurses. So every decoded
document passes :func:`bounded` before anyone uses it.

Parsing is CPU work that holds the interpreter: PyYAML's pure-Python parser reads about 1 MB
of ordinary YAML a second and adversarial YAML (millions of tiny flow items) at 6-9 s/MB; its
libyaml parser, used whenever PyYAML was built with it, is 5-30 times faster. The servers run
big bodies off their event loop (``bridge.core.offload``).
"""

from __future__ import annotations

import json
import math
from typing import Any

import yaml

# Kubernetes objects nest ~20 deep (a pod template is the deepest) and a RayCluster holds a few
# hundred values: these bounds leave room for any real object.
MAX_VALUES = 1_000_000
MAX_DEPTH = 200


class TooManyValues(ValueError):
    """The document expands to more than ``MAX_VALUES`` values (YAML aliases)."""


class TooDeep(ValueError):
    """The document nests deeper than ``MAX_DEPTH``."""


class NotFinite(ValueError):
    """The document holds NaN or an infinity, which JSON cannot carry."""


_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when built with it


class KubernetesLoader(_SafeLoader):
    """SafeLoader with timestamps kept as strings and map keys made strings (module docstring)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        _refuse_duplicate_keys(node)
        self.flatten_mapping(node)
        return {
            _json_key(self.construct_object(key, deep=deep)): self.construct_object(value, deep=deep)
            for key, value in node.value
        }


KubernetesLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
KubernetesLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str
)  # an explicit !!timestamp


def _refuse_duplicate_keys(node: yaml.MappingNode) -> None:
    """A key written twice in one mapping is an error, as in the Kubernetes API's strict
    decoding and kubectl (go-yaml's wording), not a silent last-one-wins; keys a merge (``<<``)
    brings in may still be overridden."""
    seen: set[tuple[str, str]] = set()
    for key, _ in node.value:
        if not isinstance(key, yaml.ScalarNode) or key.tag == "tag:yaml.org,2002:merge":
            continue
        if (key.tag, key.value) in seen:
            line = key.start_mark.line + 1
            raise yaml.YAMLError(f'yaml: unmarshal errors: line {line}: key "{key.value}" already set in map')
        seen.add((key.tag, key.value))


def _json_key(key: Any) -> str:
    if isinstance(key, bool) or key is None:
        return json.dumps(key)
    if isinstance(key, (int, float, str)):
        return str(key)
    raise yaml.YAMLError(f"yaml: invalid map key: {key!r}")


def load(data: bytes | str) -> Any:
    """One YAML document (``yaml.YAMLError`` for none or several), not yet bounded."""
    return yaml.load(data, Loader=KubernetesLoader)  # a SafeLoader


def load_all(data: bytes | str) -> list[Any]:
    """Every document of a YAML stream but the empty ones (a leading or trailing ``---``;
    kubectl skips them too), not yet bounded."""
    return [document for document in yaml.load_all(data, Loader=KubernetesLoader) if document is not None]


def bounded(
    document: Any, max_values: int = MAX_VALUES, max_depth: int | None = MAX_DEPTH, finite: bool = True
) -> Any:
    """``document`` unless it expands to more than ``max_values`` values (:class:`TooManyValues`),
    nests deeper than ``max_depth`` (:class:`TooDeep`; None: no limit) or, when ``finite``,
    holds NaN or an infinity (:class:`NotFinite`). Walks without recursion, so it is safe on
    any document."""
    budget = max_values
    pending = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        budget -= 1
        if budget < 0:
            raise TooManyValues(f"the document expands to more than {max_values} values")
        if max_depth is not None and depth > max_depth:
            raise TooDeep(f"exceeded max depth of {max_depth}")
        if isinstance(value, dict):
            pending.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            pending.extend((item, depth + 1) for item in value)
        elif finite and isinstance(value, float) and not math.isfinite(value):
            raise NotFinite(f"json: unsupported value: {value}")
    return document
