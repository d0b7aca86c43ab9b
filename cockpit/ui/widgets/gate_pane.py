"""The go/no-go gate: GO or NO-GO in large, then each decision criterion with its reasons,
then green against blue (the comparison beside the thresholds) and the shadow rules."""

from __future__ import annotations

from datetime import tzinfo

from rich.text import Text
from textual.content import Content
from textual.widget import Widget

from cockpit.model.compare import FAIL, MARGINAL, MIN_SAMPLES, PASS
from cockpit.model.evidence import COMPARE, OK
from cockpit.model.gate import GO, NO_GO, CriterionResult, GateDecision, journaled
from cockpit.model.layout import Pane as PaneSpec
from cockpit.model.state import State
from cockpit.ui.palette import (
    ALARM,
    CAUTION,
    FAILED_MARK,
    ON_ERROR,
    ON_SUCCESS,
    PASSED_MARK,
    SUCCESS,
    WARNING,
    look,
)
from cockpit.ui.widgets.pane import PaneMixin

DECISION_STYLE = {GO: f"bold {ON_SUCCESS}"}
NO_GO_STYLE = f"bold {ON_ERROR}"
#: a comparison's state as Textual style text (`palette.look`), shared with the metric panes
COMPARE_STYLE = {PASS: SUCCESS, MARGINAL: CAUTION, FAIL: ALARM}
UNDECIDED = CriterionResult("not decided yet", False, ())


def _compared(item) -> str:
    """A comparison in a few words: its p-value, or how far each side is from enough
    samples to decide ("blue 1/8": one of the eight it needs)."""
    if item.get("p") is not None:
        return f"{item['state']}, p={item['p']:.2g}"
    n_blue, n_green = item["n_blue"], item["n_green"]
    if not n_blue and not n_green:
        return "no samples yet"
    return f"{item['state']}: samples blue {n_blue}/{MIN_SAMPLES}, green {n_green}/{MIN_SAMPLES}"


def evidence_lines(evidence) -> list[Text]:
    """Each comparison of green with blue (short, the pane is narrow: `w` tells the rest),
    and each shadow rule that would have acted."""
    lines = []
    for item in evidence:
        if item["kind"] == COMPARE:
            style = look(COMPARE_STYLE.get(item["state"], WARNING))
            shadow = " (shadow)" if item.get("shadow") else ""
            said = _compared(item)
            lines.append(Text.assemble(("≈ ", style), f"{item['metric']}{shadow}: {said}"))
        elif item.get("shadow") and item["state"] != OK:
            what = f"shadow {item['rule']}: {item['series'] or 'no series'} {item['state']}"
            lines.append(Text(f"◌ {what}", style="dim"))
    return lines


class GatePane(PaneMixin, Widget, can_focus=True):
    def __init__(self, pane_id: str, spec: PaneSpec, state: State, tz: tzinfo | None) -> None:
        super().__init__(id=pane_id, classes="pane")
        self.setup_pane(pane_id, spec, state, tz)
        self.checklist = spec.checklist or ""
        gate = state.runbooks[self.checklist].gate(spec.gate)
        assert gate is not None, "the workspace loader checks gate panes"
        self.gate = gate
        self.border_title = Content(spec.title or gate.title)

    def affected(self, old: State, new: State) -> bool:
        return old.gates is not new.gates or old.window.evidence != new.window.evidence

    def render(self) -> Text:
        decision = journaled(self.state, self.checklist, self.gate)
        if decision is None:  # before the engine's first word: nothing is GO unseen
            decision = GateDecision(self.gate, NO_GO, (UNDECIDED,))
        width = max(self.content_region.width, 10)
        height = self.content_region.height or 24
        style = look(DECISION_STYLE.get(decision.decision, NO_GO_STYLE))
        lines = [Text(f" {decision.decision} ", style=style)]
        # every criterion gets its line; its reasons follow as far as the pane has room
        room = height - 1 - len(decision.criteria)
        for criterion in decision.criteria:
            mark, mark_style = PASSED_MARK if criterion.passed else FAILED_MARK
            lines.append(Text.assemble((f"{mark} ", look(mark_style)), criterion.name))
            said = (*criterion.reasons, *criterion.notes)
            for reason in said[: max(room, 0)]:
                lines.append(Text(f"  {reason}", style="dim"))
            room -= len(said)
        lines += evidence_lines(self.state.window.evidence)
        for line in lines:
            line.truncate(width, overflow="ellipsis")
        return Text("\n").join(lines)
