"""Object names, label keys and label values, checked with apimachinery's rules and messages
(k8s.io/apimachinery/pkg/util/validation): the embedded API validates with them, selectors
parse with them, and the v2 proxy keeps what it puts in a path within them.

Each rule answers like its Go function (``IsDNS1123Subdomain`` and friends): a list of
problems, empty when the value is valid. Kubernetes joins them into its ``Invalid value``
messages; the callers here do the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_DNS1123_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN = _DNS1123_LABEL + r"(\." + _DNS1123_LABEL + r")*"
_DNS1035_LABEL = r"[a-z]([-a-z0-9]*[a-z0-9])?"
_QUALIFIED_NAME_PART = r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_LABEL_VALUE = r"(" + _QUALIFIED_NAME_PART + r")?"


def max_length_message(limit: int) -> str:
    """apimachinery's ``MaxLenError``."""
    return f"must be no more than {limit} characters"


@dataclass(frozen=True)
class Rule:
    """A pattern with its length limit and the words Kubernetes explains it with."""

    pattern: str
    max_length: int
    explanation: str

    def problems(self, value: str) -> list[str]:
        """What is wrong with ``value``: too long, not of the pattern, both, or nothing."""
        found = []
        if len(value) > self.max_length:
            found.append(max_length_message(self.max_length))
        if not self.matches_pattern(value):
            found.append(self.explanation)
        return found

    def matches_pattern(self, value: str) -> bool:
        return re.fullmatch(self.pattern, value) is not None

    def is_valid(self, value: str) -> bool:
        return len(value) <= self.max_length and self.matches_pattern(value)


def _regex_note(pattern: str) -> str:
    return f"regex used for validation is '{pattern}'"


DNS1123_SUBDOMAIN = Rule(
    _DNS1123_SUBDOMAIN,
    253,
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and "
    "must start and end with an alphanumeric character (e.g. 'example.com', "
    + _regex_note(_DNS1123_SUBDOMAIN)
    + ")",
)
DNS1123_LABEL = Rule(
    _DNS1123_LABEL,
    63,
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start "
    "and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', "
    + _regex_note(_DNS1123_LABEL)
    + ")",
)
DNS1035_LABEL = Rule(
    _DNS1035_LABEL,
    63,
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic "
    "character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', "
    + _regex_note(_DNS1035_LABEL)
    + ")",
)
QUALIFIED_NAME_PART = Rule(
    _QUALIFIED_NAME_PART,
    63,
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', "
    + _regex_note(_QUALIFIED_NAME_PART)
    + ")",
)
LABEL_VALUE = Rule(
    _LABEL_VALUE,
    63,
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and "
    "must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', "
    + _regex_note(_LABEL_VALUE)
    + ")",
)


def split_qualified_name(key: str) -> tuple[str, str]:
    """``(prefix, name)`` of a label key ``[prefix/]name``; the prefix may be empty."""
    prefix, _, name = key.rpartition("/")
    return prefix, name


def is_qualified_name(key: str) -> bool:
    """A label or annotation key: an optional DNS-1123 subdomain prefix and a name part."""
    prefix, name = split_qualified_name(key)
    return (not prefix or DNS1123_SUBDOMAIN.is_valid(prefix)) and QUALIFIED_NAME_PART.is_valid(name)
