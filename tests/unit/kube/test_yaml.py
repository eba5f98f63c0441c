"""bridge.kube.yaml: the one YAML loader (Kubernetes' YAML-to-JSON reading) and its bounds."""

from __future__ import annotations

import pytest
import yaml

from bridge.kube import yaml as kube_yaml


def test_timestamps_stay_strings_as_kubernetes_reads_them():
    assert kube_yaml.load(b"eventTime: 2024-01-01T00:00:00Z\nday: 2024-01-01\n") == {
        "eventTime": "2024-01-01T00:00:00Z",
        "day": "2024-01-01",
    }
    assert kube_yaml.load("t: !!timestamp 2024-01-01") == {"t": "2024-01-01"}


def test_map_keys_become_json_strings_each_its_own_key():
    assert kube_yaml.load("1: a\ntrue: b\nnull: c\n1.5: d\non: e\n") == {
        "1": "a",
        "true": "b",
        "null": "c",
        "1.5": "d",
    } | {"true": "e"}
    assert kube_yaml.load("1: a\n'1x': b\n") == {"1": "a", "1x": "b"}


def test_a_key_json_cannot_name_is_a_yaml_error():
    with pytest.raises(yaml.YAMLError, match="invalid map key"):
        kube_yaml.load("? [a, b]\n: c\n")


def test_load_all_skips_empty_documents_and_load_refuses_several():
    assert kube_yaml.load_all("---\na: 1\n---\n---\nb: 2\n") == [{"a": 1}, {"b": 2}]
    with pytest.raises(yaml.YAMLError):
        kube_yaml.load("a: 1\n---\nb: 2\n")


def test_the_loader_constructs_no_python_objects():
    with pytest.raises(yaml.YAMLError):
        kube_yaml.load("!!python/object/apply:os.system ['true']")


def test_billion_laughs_is_refused_before_anyone_expands_it():
    laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(6)
    )
    document = kube_yaml.load(laughs)  # shared objects: cheap to load, 10**7 values to write
    with pytest.raises(kube_yaml.TooManyValues):
        kube_yaml.bounded(document)
    assert kube_yaml.bounded({"small": [1, 2, 3]}, max_values=5) == {"small": [1, 2, 3]}
    with pytest.raises(kube_yaml.TooManyValues):
        kube_yaml.bounded({"small": [1, 2, 3]}, max_values=4)


def test_depth_bound_counts_levels_and_can_be_lifted():
    deep: list = []
    for _ in range(kube_yaml.MAX_DEPTH):
        deep = [deep]
    with pytest.raises(kube_yaml.TooDeep, match=f"exceeded max depth of {kube_yaml.MAX_DEPTH}"):
        kube_yaml.bounded(deep)
    assert kube_yaml.bounded(deep[0]) is deep[0]
    assert kube_yaml.bounded(deep, max_depth=None) is deep


def test_nan_and_infinities_are_refused_unless_the_caller_leaves_them_to_json():
    for value in (float("nan"), float("inf"), float("-inf")):
        with pytest.raises(kube_yaml.NotFinite, match="json: unsupported value"):
            kube_yaml.bounded({"x": [value]})
        document = {"x": value}
        assert kube_yaml.bounded(document, finite=False) is document
    with pytest.raises(kube_yaml.NotFinite):
        kube_yaml.bounded(kube_yaml.load("x: .nan"))


def test_a_key_written_twice_is_refused_as_kubernetes_strict_decoding_does():
    with pytest.raises(yaml.YAMLError, match='line 3: key "spec" already set in map'):
        kube_yaml.load("metadata: {name: a}\nspec: {}\nspec: {x: 1}\n")
    with pytest.raises(yaml.YAMLError, match='key "a" already set'):
        kube_yaml.load("outer:\n  a: 1\n  a: 1\n")


def test_a_key_a_merge_brought_in_may_still_be_overridden():
    assert kube_yaml.load("base: &b {a: 1, b: 2}\nthing:\n  <<: *b\n  a: 3\n")["thing"] == {"a": 3, "b": 2}
