"""`cockpit audit export --format markdown`: the deployment report an auditor files.

It opens with the outcome, then who signed off, what was skipped or did not apply and
every override, cancel and take-over, each with its reason (`decisions`); then who was at
the keyboard, when; what the window's
checklists ended at, section by section; every action with its plan, confirmation and
result and the numbers on screen when it happened; every alert, once per time it went up.
Numbers in the runbook's units, every time in the window's zone. Everything from the
journal, nothing from the world.
"""

from __future__ import annotations

from collections import Counter

from cockpit.audit.alerts import occurrences
from cockpit.audit.clock import ReportClock
from cockpit.audit.decisions import opening
from cockpit.audit.markdown import cell
from cockpit.audit.outcome import outcome
from cockpit.audit.replay import Replay
from cockpit.audit.summary import action_lines
from cockpit.audit.verify import Verdict
from cockpit.audit.why import evidence_section
from cockpit.model import events as ev
from cockpit.model.evidence import deciding
from cockpit.model.state import NOT_APPLICABLE, SKIPPED, ItemProgress, State
from cockpit.model.units import format_value

VERBS = {
    "item.tick": "ticked",
    "item.untick": "unticked",
    "item.signoff": "signed off",
    "item.skip": "skipped",
    "item.na": "not applicable",
}


def _sources(state: State) -> str:
    return ", ".join(f"{name} {src.state}" for name, src in sorted(state.sources.items())) or "—"


def report(replay: Replay, verdict: Verdict, journal_name: str) -> str:
    start, final = replay.start, replay.final
    first, last = replay.times[0], replay.times[-1]
    when = ReportClock.of(start, first, last)
    # older journals have no kube_server
    server = f" at `{start['kube_server']}`" if start.get("kube_server") else ""
    span = f"{when.day(first)} {first.astimezone(when.zone):%H:%M:%S} – {when(last)}"
    out = [
        f"# Deployment report: {replay.layout.title}",
        "",
        *outcome(replay, verdict, when),
        "",
        f"- Window: `{start.get('window')}` (context `{start.get('kube_context')}`{server}, "
        f"namespace `{start.get('namespace')}`), T-0 {start.get('t0')}",
        f"- Recorded: {span}, {len(replay.steps)} records in `{journal_name}`",
        f"- Times: {when.label(first)}, throughout this report",
        "",
        *opening(replay, when),
        "",
        "## Operators",
        "",
        "| session start | operator | host | SSH client | terminal |",
        "| --- | --- | --- | --- | --- |",
    ]
    for step in replay.steps:
        if step.record.kind == "session.start":
            d = step.record.data
            size = "x".join(str(n) for n in d.get("size", []))
            out.append(
                f"| {when(step.record.time)} | {cell(d.get('operator'))} | {cell(d.get('host'))} "
                f"| {cell(d.get('ssh_client') or '—')} | {cell(d.get('term'))} {size} |"
            )
    out += ["", "## Window timeline", "", "| time | what | who |", "| --- | --- | --- |"]
    out += _timeline(replay, when)
    out += ["", "## Checklists", ""]
    for name, runbook in final.runbooks.items():
        counts = final.counts(name)
        out += [
            f"### {runbook.title}: {counts.done}/{counts.total}{counts.extra()}",
            "",
            "| section | done | skipped | n/a | of |",
            "| --- | --- | --- | --- | --- |",
        ]
        for section in runbook.sections:
            c = final.counts(name, section)
            if c.total:
                out.append(
                    f"| {cell(section.title)} | {c.done} | {c.skipped} | {c.not_applicable} "
                    f"| {c.total} |"
                )
        open_critical = [
            i.text + _closed(final.item_progress(name, i.id))
            for i in runbook.walk_items()
            if i.critical and not final.is_done(name, i.id)
        ]
        if open_critical:
            out += ["", "Critical items left open:", *(f"- {cell(t)}" for t in open_critical)]
        out.append("")
    out += ["## Actions", ""]
    if not final.actions:
        out.append("No cutover, rollback or backup was planned or run in this window.")
    for key, action in final.actions.items():
        head, *rest = action_lines(action, when)
        out += [f"### {cell(head)}", "", *(f"- {cell(line.strip())}" for line in rest)]
        confirmed = _index_of(replay, "action.confirm", key)
        if confirmed is not None:
            shown = _screen(replay, replay.state_after(confirmed))
            out.append(f"- on screen when confirmed: {shown}")
        out.append("")
    out += evidence_section(replay.steps, when)
    out += ["## Alerts", ""]
    alerts = occurrences(replay.steps)
    if alerts:
        out += [
            "Each time a banner went up, with how often it was raised until it was cleared.",
            "",
            "| raised | level | alert | times | last raised | cleared |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
    for a in alerts:
        text = a.message + (f" (last: {a.last_message})" if a.last_message != a.message else "")
        last_raised = when(a.last) if a.last and a.times > 1 else "—"
        cleared = when(a.cleared) if a.cleared else "not cleared"
        out.append(
            f"| {when(a.raised)} | {cell(a.level)} | {cell(text)} | {a.times} "
            f"| {last_raised} | {cleared} |"
        )
    if not alerts:
        out.append("None.")
    kinds = Counter(s.record.kind for s in replay.steps)
    out += [
        "",
        f"Inputs recorded: {kinds['key']} keys, {kinds['mouse']} mouse, {kinds['paste']} pastes.",
    ]
    return "\n".join(out) + "\n"


def _closed(progress: ItemProgress) -> str:
    """ " (skipped: why)" after a critical item that is not done but was decided."""
    if progress.status in (SKIPPED, NOT_APPLICABLE):
        return f" ({progress.status}: {progress.reason or 'no reason given'})"
    return ""


def _index_of(replay: Replay, kind: str, key: str) -> int | None:
    return next(
        (
            i
            for i, s in enumerate(replay.steps)
            if s.record.kind == kind and s.record.data.get("id") == key
        ),
        None,
    )


def _units(replay: Replay) -> dict[str, str | None]:
    """Metric key → the unit its pane shows it in (ratio, seconds …), from the layouts."""
    layouts = [replay.layout, *([replay.compact] if replay.compact else [])]
    return {
        pane.query: pane.unit
        for layout in reversed(layouts)
        for pane in layout.panes()
        if pane.query and pane.unit
    }


def _screen(replay: Replay, state: State) -> str:
    """The window's numbers as the operator saw them then: verdict, metrics, sources."""
    units = _units(replay)
    numbers = [  # per version (the runbook's numbers), not the per-pod ones
        f"{name} {label.split('=')[-1]} {format_value(value, units.get(name))}"
        for name, metric in sorted(state.metrics.items())
        for label, value in sorted(metric.current().items())
        if label.startswith("version=")
    ]
    verdict = f"window {state.window.state or 'not judged'}"
    return "; ".join([verdict, *numbers, _sources(state)])


def _timeline(replay: Replay, when: ReportClock) -> list[str]:
    rows = []
    window = ""  # the verdict is journaled when its reasons change: show when its state does
    alerts = occurrences(replay.steps)
    raised = {a.seqs[0] for a in alerts}
    cleared = {a.seqs[1]: a for a in alerts if a.seqs[1] is not None}
    for step in replay.steps:
        record, data = step.record, step.record.data
        if record.kind in ("session.start", "session.end"):
            what = record.kind.replace(".", " ")
            who = data.get("operator") or data.get("reason", "")
        elif record.kind in VERBS:
            runbook = replay.final.runbooks.get(data.get("checklist", ""))
            item = runbook.item(data.get("item", "")) if runbook else None
            what = f"{VERBS[record.kind]}: {item.text if item else data.get('item')}"
            what += f" — {data['reason']}" if data.get("reason") else ""
            who = data.get("by") or ""
            if record.kind == "item.signoff":
                signer = f"{data.get('name')} ({data.get('role')})"
                who = f"{signer}, recorded by {who}" if who else signer
        elif record.kind == "item.note":
            runbook = replay.final.runbooks.get(data.get("checklist", ""))
            item = runbook.item(data.get("item", "")) if runbook else None
            what = f"note on {item.text if item else data.get('item')}: {data.get('text')}"
            who = data.get("by", "")
        elif record.kind == "action.plan":
            what, who = f"planned: {data.get('title')}", data.get("by", "")
        elif record.kind == "action.confirm":
            overridden = data.get("overridden") or []
            what = "confirmed" + (f", overriding {', '.join(overridden)}" if overridden else "")
            what += f" — {data['reason']}" if data.get("reason") else ""
            who = data.get("by", "")
        elif record.kind == "action.abort":
            what, who = f"cancel asked — {data.get('reason')}", data.get("by", "")
        elif record.kind == "lock.takeover":
            what = f"took the window lock over from {data.get('previous')}"
            what += f" — {data['reason']}" if data.get("reason") else ""
            who = data.get("by", "")
        elif record.kind in ev.RESULT_KINDS:
            what, who = f"action {data.get('outcome')}: {data.get('detail')}", ""
        elif record.kind == "window" and data.get("state") != window:
            window = data.get("state", "")
            why = [
                f"{i['rule']} ({i['series'] or 'no series'})"
                for i in deciding(data.get("evidence") or ())
            ]
            what = f"window {window}" + (f" — {', '.join(why)}" if why else "")
            who = ""
        elif record.kind == "alert" and record.seq in raised and data.get("message"):
            what, who = f"{data.get('level')}: {data.get('message')}", ""  # once per occurrence
        elif record.kind == "alert" and record.seq in cleared:
            what, who = f"cleared: {cleared[record.seq].level} {data.get('key')} alert", ""
        else:
            continue
        rows.append(f"| {when(record.time)} | {cell(what)} | {cell(who)} |")
    return rows or ["| — | nothing happened | |"]
