"""bridge.kube.resources: one URL builder that quotes each segment exactly once."""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from bridge.kube.resources import (
    CONFIGMAPS,
    EVENTS,
    EVENTS_K8S_IO,
    NAMESPACES,
    RAYCLUSTERS,
    RAYJOBS,
    RAYSERVICES,
    SERVICES,
    quote_segment,
)


def test_collections_objects_and_subresources():
    assert RAYCLUSTERS.get_url() == "/apis/ray.io/v1/rayclusters"
    assert RAYJOBS.get_url("ns") == "/apis/ray.io/v1/namespaces/ns/rayjobs"
    assert RAYSERVICES.get_url("ns", "svc") == "/apis/ray.io/v1/namespaces/ns/rayservices/svc"
    assert RAYCLUSTERS.get_url("ns", "c", "status") == "/apis/ray.io/v1/namespaces/ns/rayclusters/c/status"
    assert CONFIGMAPS.get_url() == "/api/v1/configmaps"
    assert CONFIGMAPS.get_url("ns", "t") == "/api/v1/namespaces/ns/configmaps/t"
    assert EVENTS.get_url("ns") == "/api/v1/namespaces/ns/events"
    assert EVENTS_K8S_IO.get_url("ns") == "/apis/events.k8s.io/v1/namespaces/ns/events"
    assert SERVICES.get_url("ns", "dash:8265", "proxy") == "/api/v1/namespaces/ns/services/dash:8265/proxy"
    assert NAMESPACES.get_url(name="default") == "/api/v1/namespaces/default"


def test_api_versions():
    assert RAYCLUSTERS.api_version == "ray.io/v1"
    assert CONFIGMAPS.api_version == "v1"
    assert EVENTS_K8S_IO.api_version == "events.k8s.io/v1"


@pytest.mark.parametrize("text", ["%61", "a/b", "x?y#z", "€ ü", "..", "a%2Fb", "semi;colon", "=&+"])
def test_each_segment_is_quoted_once_and_decodes_to_what_was_given(text):
    url = RAYCLUSTERS.get_url(text, text)
    namespace, name = url.split("/")[5], url.split("/")[7]
    assert unquote(namespace) == text and unquote(name) == text
    assert "/" not in namespace and "?" not in name and "#" not in name


def test_rfc_3986_pchar_stays_as_it_is():
    assert quote_segment("a-b.c_d~e!$&'()*+,;=:@") == "a-b.c_d~e!$&'()*+,;=:@"
    assert quote_segment("%") == "%25"


def test_programming_errors_are_refused():
    with pytest.raises(ValueError, match="not namespaced"):
        NAMESPACES.get_url("ns")
    with pytest.raises(ValueError, match="empty path segment"):
        RAYCLUSTERS.get_url("ns", "")
    with pytest.raises(ValueError, match="needs an object name"):
        RAYCLUSTERS.get_url("ns", subresource="status")
