"""A hypothesis-driven fuzzer against a real gunicorn bridge in front of a recording upstream
(which forwards to an embedded API, so answers are real): random methods, paths, encodings,
queries, headers, bodies and chunk framing on both surfaces.

Properties: never a 5xx caused by the input, never a traceback or HTML, every error in its
dialect's format, nothing outside the allowlist and no malformed body ever reaching the upstream.
The CI run is bounded and derandomized (``FUZZ_EXAMPLES``); ``BRIDGE_FUZZ_EXAMPLES=20000`` runs
a long one by hand.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings

from tests.support.fake_upstream import forwarding_to, running_fake_upstream
from tests.support.fuzzing import BROKEN_FRAMINGS, RawRequest, allowed_upstream_path, problems, requests, send

FUZZ_EXAMPLES = int(os.environ.get("BRIDGE_FUZZ_EXAMPLES", "300"))


@pytest.fixture(scope="module")
def recording(cluster):
    with running_fake_upstream() as upstream:
        upstream.reset(forwarding_to(cluster.url))
        yield upstream


@pytest.fixture(scope="module")
def bridge(start_bridge, recording):
    return start_bridge(
        "--upstream", recording.url, "--workers", "1", "--max-body-bytes", "65536",
        "--retry-backoff", "0.01", "--read-timeout", "20",
    )  # fmt: skip


@pytest.mark.timeout(max(120, FUZZ_EXAMPLES))
def test_no_input_makes_a_5xx_a_traceback_or_reaches_the_upstream_unchecked(bridge, recording):
    findings: list[str] = []

    @settings(
        max_examples=FUZZ_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(requests())
    def check(raw: RawRequest) -> None:
        before = len(recording.calls)
        status, _, body = send(bridge.port, raw)
        reached = recording.calls[before:]
        found = problems(raw, status, body)
        found += [f"{call.method} {call.raw_uri[:120]} reached the upstream" for call in reached
                  if not allowed_upstream_path(call.raw_uri)]  # fmt: skip
        if raw.framing in BROKEN_FRAMINGS and reached:
            found.append(f"a body with broken framing ({raw.framing}) led to {len(reached)} upstream calls")
        if found:
            findings.append(f"{raw.method} {raw.target[:160]} ({raw.framing}): {'; '.join(found)}")
        assert not found, findings[-1]

    check()
    assert "Traceback" not in bridge.log()
