"""I1 from a State: each breach of issue 18, judged as the app judges it, is never OK —
and a window forged to OK on the same state is caught by the check."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cockpit.model import events as ev
from cockpit.model.honesty import honest_verdict_violations
from cockpit.model.reduce import reduce
from cockpit.model.rules import OK, judge_window, window_events
from cockpit.model.state import State
from tests.helpers.serving import (
    HOLDER,
    NOT_VERIFIED,
    T0,
    cluster,
    cutover,
    healthy_metrics,
    lease,
    published,
    state_of,
)


def judged(state: State) -> State:
    """The window judged on `state` and its events reduced, as the app does each second."""
    verdict = judge_window(state, "plan", {"error_rate": "errors"}, "valeo-erp", "version")
    assert verdict is not None
    for event in window_events(state, verdict, None):
        state = reduce(state, event)
    return state


def forged_ok(state: State) -> State:
    """The same evidence, called OK: a verdict function that got it wrong."""
    window = state.window
    forged = ev.WindowJudged(state=OK, at=state.now or "", evidence=window.evidence)
    return reduce(state, forged)


BREACHES = {
    "crashloop cutover": (
        *cluster("green", {"green": 1}),
        *cutover("failed", "not verified after 2m: 1/3 green endpoints ready"),
    ),
    "endpoints short": cluster("blue", {"blue": 2}),
    "watch down": cluster("blue", {}, watch="unreachable"),
    "prometheus down": (
        *cluster("blue", {}),
        ev.SourceStatus(source="prometheus", state="unreachable", at=T0.isoformat()),
    ),
    "prometheus slow": (
        *cluster("blue", {}),
        ev.SourceStatus(source="prometheus", state="slow", at=T0.isoformat()),
    ),
    "data old": (*cluster("blue", {}), ev.ClockTick(now=(T0 + timedelta(minutes=1)).isoformat())),
    # another cockpit's move, published on the Service: this one's journal has no action
    "another cockpit's failed cutover": (*cluster("green", {}), published("failed", NOT_VERIFIED)),
    "another cockpit's hang-up": (*cluster("green", {}), published("interrupted", "cut off")),
    "another cockpit verifying": (*cluster("green", {}), lease(HOLDER), published("executing")),
    "another cockpit gone": (*cluster("green", {}), lease(""), published("executing")),
}


def bare_ok(state: State) -> State:
    """OK with no evidence at all: a verdict that never looked at the published move."""
    return reduce(state, ev.WindowJudged(state=OK, at=state.now or ""))


@pytest.mark.parametrize("breach", [b for b in BREACHES if b.startswith("another")])
def test_an_ok_over_another_cockpits_unverified_move_is_caught_from_the_service_alone(breach):
    state = bare_ok(state_of(*healthy_metrics(), *BREACHES[breach]))
    said = honest_verdict_violations(state, "valeo-erp")
    assert said and all("by alice@bastion" in w and "traffic on green" in w for w in said), said


def test_a_healthy_window_is_ok_and_honest():
    state = judged(state_of(*healthy_metrics(), *cluster("blue", {})))
    assert state.window.state == OK
    assert honest_verdict_violations(state, "valeo-erp") == []
    assert honest_verdict_violations(state) == []  # every Service the watch knows


@pytest.mark.parametrize("breach", BREACHES)
def test_each_breach_is_judged_not_ok_and_a_forged_ok_is_caught(breach):
    state = judged(state_of(*healthy_metrics(), *BREACHES[breach]))
    assert state.window.state != OK, state.window.reasons
    assert honest_verdict_violations(state, "valeo-erp") == []
    assert honest_verdict_violations(forged_ok(state), "valeo-erp")


def test_an_ok_left_standing_past_the_staleness_bound_is_caught():
    state = judged(state_of(*healthy_metrics(), *cluster("blue", {})))
    later = reduce(state, ev.ClockTick(now=(T0 + timedelta(seconds=40)).isoformat()))
    said = honest_verdict_violations(later, "valeo-erp")
    assert said and all(w.startswith("OK while Error-Rate") and "is stale" in w for w in said)
    assert honest_verdict_violations(judged(later), "valeo-erp") == []
