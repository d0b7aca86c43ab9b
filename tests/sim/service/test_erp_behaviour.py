"""Behaviour knobs: validated, thread-safe swaps, and draws that match what they promise."""

from __future__ import annotations

import random
import statistics

import pytest

from cockpit.sim.service.behaviour import Behaviour, Behaviours


def draws(behaviour: Behaviour, seed: int, n: int = 20_000) -> list[tuple[str, float]]:
    rng = random.Random(seed)
    return [behaviour.request(rng) for _ in range(n)]


def test_latency_median_and_p95_are_what_the_knobs_say() -> None:
    latencies = sorted(t for _, t in draws(Behaviour(median=0.2, p95=1.5), seed=1))
    assert statistics.median(latencies) == pytest.approx(0.2, rel=0.05)
    assert latencies[int(0.95 * len(latencies))] == pytest.approx(1.5, rel=0.08)


def test_error_ratio_sets_the_share_of_500s() -> None:
    statuses = [s for s, _ in draws(Behaviour(error_ratio=0.07), seed=2)]
    assert statuses.count("500") / len(statuses) == pytest.approx(0.07, abs=0.01)
    assert set(statuses) == {"200", "500"}


def test_a_down_version_answers_503_fast() -> None:
    answers = draws(Behaviour(down=True), seed=3, n=100)
    assert {s for s, _ in answers} == {"503"}
    assert max(t for _, t in answers) < 0.01


def test_same_seed_same_requests() -> None:
    assert draws(Behaviour(), seed=9, n=500) == draws(Behaviour(), seed=9, n=500)
    assert draws(Behaviour(), seed=9, n=500) != draws(Behaviour(), seed=10, n=500)


def test_set_changes_only_the_named_knobs_of_one_version() -> None:
    behaviours = Behaviours()
    before = behaviours.get("blue")
    changed = behaviours.set("green", error_ratio=0.2, p95=3.0)
    assert behaviours.get("green") == changed and changed.error_ratio == 0.2
    assert changed.median == Behaviours().get("green").median
    assert behaviours.get("blue") == before
    assert behaviours.get("purple") == Behaviour()  # unknown versions behave as the default


@pytest.mark.parametrize(
    ("knobs", "error"),
    [
        ({"error_ratio": 1.5}, ValueError),
        ({"median": 0.5, "p95": 0.1}, ValueError),
        ({"sse_clients": -1}, ValueError),
        ({"colour": "red"}, TypeError),
    ],
)
def test_bad_knobs_are_refused_and_change_nothing(knobs: dict, error: type) -> None:
    behaviours = Behaviours()
    before = behaviours.get("blue")
    with pytest.raises(error):
        behaviours.set("blue", **knobs)
    assert behaviours.get("blue") == before
