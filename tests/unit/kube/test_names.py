"""bridge.kube.names: apimachinery's name and label rules, with its messages."""

from __future__ import annotations

import pytest

from bridge.kube import names


@pytest.mark.parametrize("name", ["a", "my-cluster", "1abc", "a.b.c", "x" * 253, "kube-root-ca.crt"])
def test_valid_dns1123_subdomains(name):
    assert names.DNS1123_SUBDOMAIN.problems(name) == []
    assert names.DNS1123_SUBDOMAIN.is_valid(name)


@pytest.mark.parametrize("name", ["", "-a", "a-", "A", "a_b", "../x", "a/b", "a..b", "x" * 254])
def test_invalid_dns1123_subdomains(name):
    assert not names.DNS1123_SUBDOMAIN.is_valid(name)
    assert names.DNS1123_SUBDOMAIN.problems(name)


def test_problems_name_length_first_then_the_rule_as_kubernetes_words_it():
    assert names.DNS1123_LABEL.problems("a" * 64) == ["must be no more than 63 characters"]
    assert names.DNS1123_LABEL.problems("A" * 64) == [
        "must be no more than 63 characters",
        (
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must "
            "start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
            "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
        ),
    ]
    assert names.DNS1123_SUBDOMAIN.explanation.endswith(
        "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
    )


def test_dns1035_labels_start_with_a_letter():
    assert names.DNS1035_LABEL.is_valid("svc-1")
    assert not names.DNS1035_LABEL.is_valid("1svc")
    assert names.DNS1035_LABEL.explanation.startswith("a DNS-1035 label must consist of")
    assert names.DNS1123_LABEL.is_valid("1svc")


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("", True),
        ("MyValue", True),
        ("my_value.1", True),
        ("-x", False),
        ("x-", False),
        ("a b", False),
        ("v" * 64, False),
    ],
)
def test_label_values(value, valid):
    assert names.LABEL_VALUE.is_valid(value) is valid


@pytest.mark.parametrize(
    ("key", "valid"),
    [
        ("app", True),
        ("ray.io/node-type", True),
        ("app.kubernetes.io/managed-by", True),
        ("Ray.io/x", False),
        ("a/", False),
        ("a/b/c", False),
        ("x" * 64, False),
        ("-app", False),
        (("p" * 254) + "/x", False),
    ],
)
def test_qualified_names(key, valid):
    assert names.is_qualified_name(key) is valid


def test_split_qualified_name():
    assert names.split_qualified_name("ray.io/x") == ("ray.io", "x")
    assert names.split_qualified_name("x") == ("", "x")
