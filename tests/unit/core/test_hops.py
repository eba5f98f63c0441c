"""Reading ``Via`` for kuberay-bridge entries (pure): which bridges a request passed."""

from __future__ import annotations

import pytest

from bridge.core.hops import MAX_BRIDGE_HOPS, HopGuard, bridges_passed


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], []),
        (["1.1 kuberay-bridge-abc123"], ["abc123"]),
        (["1.0 fred, 1.1 kuberay-bridge-a1 (comment), HTTP/1.1 kuberay-bridge-b2"], ["a1", "b2"]),
        (["1.1 kuberay-bridge-a1", "1.1 kuberay-bridge-b2"], ["a1", "b2"]),
        (["1.1 proxy.example", "1.1 not-kuberay-bridge-x"], []),
    ],
)
def test_bridges_passed(values, expected):
    assert bridges_passed(values) == expected


def test_own_entry_is_a_loop_others_count_as_hops():
    guard = HopGuard("own1", "url http://127.0.0.1:31888")
    assert guard.via == "1.1 kuberay-bridge-own1"
    assert guard.loop([]) is None
    assert guard.loop(["1.1 kuberay-bridge-other"]) is None
    assert "http://127.0.0.1:31888" in guard.loop([f"1.1 proxy, {guard.via}"])
    chain = ", ".join(f"1.1 kuberay-bridge-b{n}" for n in range(MAX_BRIDGE_HOPS))
    assert f"{MAX_BRIDGE_HOPS} kuberay-bridges" in guard.loop([chain])
