"""Invariant I1, checkable from a State: the window is never OK on what cannot be vouched for.

Not OK while the Service selects fewer ready endpoints than desired (or the watch that
says so is not live), while a judged series is stale, unknown or its source unreachable,
or while an action failed and left the traffic where its verification failed — this
cockpit's own, or one another cockpit published on the Service (`cockpit.model.moves`)
that is not verified and still carries the traffic. The rules
(`rules.judge_window`) keep it; this says, independently, whether a state breaks it — for
tests that drive the cockpit through random events and check it after each judgement. Pure.
"""

from __future__ import annotations

from datetime import datetime

from cockpit.model.evidence import COMPARE, GUARD, OK, decode, rejudge
from cockpit.model.metrics import stale
from cockpit.model.moves import EXECUTING, STRANDED
from cockpit.model.rules import unjudged
from cockpit.model.serving import endpoints_item, traffic_item
from cockpit.model.state import State


def honest_verdict_violations(
    state: State, service: str | None = None, label: str = "version"
) -> list[str]:
    """Why the window's OK is not honest, [] when it is (or the window is not OK).

    Check it after the window was judged on `state` (the app judges once a second): it
    holds the verdict against the state it stands on. `service`: the window's Service
    (None: every Service the watch knows); `label`: the selector's version label."""
    window = state.window
    if window.state != OK or not state.now:
        return []
    now = datetime.fromisoformat(state.now)
    out: list[str] = []
    why = unjudged(state)
    if why:
        out.append(f"OK while {why}")
    counted = [i for i in window.evidence if i.get("counts") and i["kind"] not in (COMPARE,)]
    for item in counted:
        name = f"{item['rule']} on {item['series'] or 'no series'}"
        if item["state"] != OK:
            out.append(f"OK while {name} is {item['state']}")
        elif item["kind"] != GUARD:
            samples = decode(item["samples"])
            if stale(samples[-1].t if samples else None, now):
                out.append(f"OK while {name} is stale at {state.now}")
    if window.evidence and rejudge(window.evidence) != OK:
        out.append(f"OK while its evidence says {rejudge(window.evidence)}")
    names = [service] if service is not None else sorted(state.kube.services)
    for name in names:
        item = endpoints_item(state, name, label, now)
        if item is not None and item["state"] != OK:
            out.append(f"OK while {item['detail']}")
    stranded = traffic_item(state, now)
    if stranded is not None:
        out.append(f"OK while {stranded['detail']}")
    out += [f"OK while {why}" for name in names if (why := unverified_move(state, name))]
    return out


def unverified_move(state: State, service: str) -> str:
    """Why the move published on `service` keeps the window from OK ("" when it does not):
    not verified (executing, failed, cut off) and the Service still selects where it moved
    the traffic — unless it is this cockpit's own, whose journal says it ended or verified
    it (then `traffic_item` speaks). An unreadable annotation cannot vouch either."""
    found = state.kube.services.get(service)
    if found is None:
        return ""
    if found.move_error:
        return f"{service}'s move annotation is unreadable"
    move = found.move
    if move is None or move.state not in (EXECUTING, *STRANDED):
        return ""
    if found.selector.get(move.label) != move.to:
        return ""
    own = state.actions.get(move.id)
    if own is not None and (own.action, own.by) == (move.action, move.by):
        steps = {(s.step, s.status) for s in own.steps}
        if own.outcome or ("verify", "done") in steps or any(s == "soak" for s, _ in steps):
            return ""
    return f"{move.name} by {move.by} is {move.state}, traffic on {move.to}"
