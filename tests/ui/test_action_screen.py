"""The preview at 80x24: what blocks the move is on the first screen, and the hint says
how to see the rest."""

from __future__ import annotations

from textual.app import App
from textual.containers import VerticalScroll

from cockpit.actions.plan import FAILED, PASSED, UNKNOWN, Plan, Precondition, preview_lines
from cockpit.ui.screens.action import ActionScreen
from tests.ui.apps import screen_text

CHECKS = (
    *(Precondition(f"check {n} passes", PASSED, "fine") for n in range(12)),
    Precondition("backup fresher than the RPO", UNKNOWN, "no backup check has an answer"),
    Precondition("go/no-go is GO", FAILED, "NO-GO: 3 criteria open"),
)
PLAN = Plan(
    action="cutover",
    target="valeo-erp",
    title="Cutover valeo-erp: blue → green",
    changes=tuple(f"change line {n}" for n in range(8)),
    preconditions=CHECKS,
    runbook=("Phase 2: kubectl patch service valeo-erp",),
)


class Host(App):
    def __init__(self, plan: Plan) -> None:
        super().__init__()
        self.plan = plan

    def on_mount(self) -> None:
        self.push_screen(ActionScreen(self.plan, "prod/production", "held by alice@a#1-x"))


def hint(app: App) -> str:
    return str(app.screen.query_one("#action-hint").render())


async def test_a_failed_precondition_is_on_the_first_screen_at_80x24():
    app = Host(PLAN)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        shown = screen_text(app)
        assert any("✗ go/no-go is GO" in line for line in shown), "\n".join(shown)
        marks = [line.split()[0] for line in shown if line.split() and line.split()[0] in "✗?✔"]
        assert marks[:2] == ["✗", "?"]  # what blocks first, then what is unknown


async def test_the_hint_says_how_to_scroll_when_the_preview_overflows():
    app = Host(PLAN)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert hint(app) == "enter: confirm · esc: cancel · pgup/pgdn: scroll"
        body = app.screen.query_one("#action-body", VerticalScroll)
        await pilot.press("pagedown")
        await pilot.pause()
        assert body.scroll_y > 0


async def test_a_preview_that_fits_does_not_speak_of_scrolling():
    app = Host(Plan(action="backup", target="valeo_erp", title="Backup", changes=("+ a",)))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert hint(app) == "enter: confirm · esc: cancel"


def test_the_approvers_text_puts_the_failed_preconditions_first_too():
    lines = preview_lines(PLAN)
    assert lines[:3] == ("preconditions", "✗ go/no-go is GO  NO-GO: 3 criteria open", lines[2])
    assert lines[2].startswith("? backup fresher than the RPO")
    assert lines.index("change line 0") > lines.index("✔ check 11 passes  fine")
