"""The report opening's four-eyes part: who approved which plan, what was refused, and every
move made without its approval, left open until someone approves it after the fact."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from cockpit.audit.replay import Replay


def approval_lines(replay: Replay, when: Callable[[datetime], str]) -> list[str]:
    """Markdown lines (empty when the window saw no approval at all)."""
    granted: dict[str, tuple[datetime, dict]] = {}
    refused: list[tuple[datetime, dict]] = []
    emergencies: list[tuple[datetime, dict]] = []
    titles: dict[str, str] = {}
    for step in replay.steps:
        record, data = step.record, step.record.data
        if record.kind == "approval.request":
            titles.setdefault(data.get("request", ""), data.get("title", ""))
        elif record.kind == "approval.granted":  # seen again on every change: once each
            granted.setdefault(data.get("request", ""), (record.time, data))
        elif record.kind == "approval.refused":
            refused.append((record.time, data))
        elif record.kind == "approval.emergency":
            emergencies.append((record.time, data))
    if not (granted or refused or emergencies):
        return []
    out = ["### Approvals (four eyes)", ""]
    for request, (time, data) in granted.items():
        title = titles.get(request) or request
        said = f": {data.get('reason')}" if data.get("reason") else ""
        out.append(
            f"- {title}: approved by {data.get('approver')} at {when(time)}{said} "
            f"(plan `{str(data.get('digest', ''))[:12]}`)"
        )
    for time, data in refused:
        title = titles.get(data.get("request", "")) or data.get("request", "")
        out.append(f"- {title}: refused to {data.get('by')} at {when(time)}: {data.get('reason')}")
    for time, data in emergencies:
        after = granted.get(data.get("request", ""))
        mark = "x" if after else " "
        closed = (
            f"approved after the fact by {after[1].get('approver')} at {when(after[0])}"
            if after
            else "approval after the fact: open"
        )
        out.append(
            f"- [{mark}] {data.get('title')}: run without approval by {data.get('by')} at "
            f"{when(time)}, emergency: {data.get('reason')} — {closed}"
        )
    return [*out, ""]
