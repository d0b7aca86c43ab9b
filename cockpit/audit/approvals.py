"""The report opening's four-eyes part: who approved which plan, what was refused, and every
move made without its approval, left open until someone approves it after the fact."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from cockpit.audit.markdown import cell
from cockpit.audit.replay import Replay
from cockpit.model.approval import person


def _plan(digest: object) -> str:
    """A digest as code; anything else the object said, as text (no backtick of its own)."""
    short = str(digest or "")[:12]
    return (
        f"`{short}`"
        if re.fullmatch(r"[0-9a-f]{12}", short)
        else cell(short or "—").replace("`", "\\`")
    )


def _after_the_fact(
    emergency: tuple[datetime, dict], grants: list[tuple[datetime, dict]]
) -> tuple[datetime, dict] | None:
    """The grant that closes an emergency: of the same plan, by someone other than who ran
    it, given after it ran. Any other grant (another plan, the executor's own) is not one."""
    time, data = emergency
    for granted_at, grant in grants:
        if (
            grant.get("request") == data.get("request")
            and grant.get("digest") == data.get("digest")
            and person(str(grant.get("approver", ""))) != person(str(data.get("by", "")))
            and granted_at >= time
        ):
            return granted_at, grant
    return None


def _policy(replay: Replay, when: Callable[[datetime], str]) -> list[str]:
    """What each session's configuration required (`session.start`'s `approval`): a window
    run without four eyes must say so, not look like one that never needed them. Journals
    from before the field say nothing."""
    out = []
    for step in replay.steps:
        record = step.record
        if record.kind != "session.start" or "approval" not in record.data:
            continue
        policy, who = record.data["approval"], cell(record.data.get("operator", "?"))
        if policy:
            moves = ", ".join(cell(m) for m in policy.get("required_for", ())) or "nothing"
            minutes = int(policy.get("expires", 0)) // 60
            said = f"required for {moves}, an approval valid {minutes} min"
        else:
            said = "not required by this cockpit's configuration"
        out.append(f"- session of {who} from {when(record.time)}: four eyes {said}")
    return out


def approval_lines(replay: Replay, when: Callable[[datetime], str]) -> list[str]:
    """Markdown lines (empty when the window saw no approval and no session said its
    policy)."""
    grants: list[tuple[datetime, dict]] = []
    seen: set[tuple[str, str, str]] = set()
    refused: list[tuple[datetime, dict]] = []
    emergencies: list[tuple[datetime, dict]] = []
    titles: dict[str, str] = {}
    for step in replay.steps:
        record, data = step.record, step.record.data
        if record.kind == "approval.request":
            titles.setdefault(data.get("request", ""), data.get("title", ""))
        elif record.kind == "approval.granted":  # seen again on every change: once each
            once = (data.get("request", ""), data.get("approver", ""), data.get("approved_at", ""))
            if once not in seen:
                seen.add(once)
                grants.append((record.time, data))
        elif record.kind == "approval.refused":
            refused.append((record.time, data))
        elif record.kind == "approval.emergency":
            emergencies.append((record.time, data))
    policy = _policy(replay, when)
    if not (grants or refused or emergencies or policy):
        return []
    out = ["### Approvals (four eyes)", "", *policy]
    for time, data in grants:
        title = titles.get(data.get("request", "")) or data.get("request", "")
        said = f": {cell(data.get('reason'))}" if data.get("reason") else ""
        out.append(
            f"- {cell(title)}: approved by {cell(data.get('approver'))} at {when(time)}{said} "
            f"(plan {_plan(data.get('digest'))})"
        )
    for time, data in refused:
        title = titles.get(data.get("request", "")) or data.get("request", "")
        out.append(
            f"- {cell(title)}: refused to {cell(data.get('by'))} at {when(time)}: "
            f"{cell(data.get('reason'))}"
        )
    for time, data in emergencies:
        after = _after_the_fact((time, data), grants)
        mark = "x" if after else " "
        closed = (
            f"approved after the fact by {cell(after[1].get('approver'))} at {when(after[0])}"
            if after
            else "approval after the fact: open"
        )
        out.append(
            f"- [{mark}] {cell(data.get('title'))}: run without approval by "
            f"{cell(data.get('by'))} at {when(time)}, emergency: {cell(data.get('reason'))} — "
            f"{closed}"
        )
    return [*out, ""]
