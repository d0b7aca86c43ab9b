"""The timeline pane marks a step ✔ only on evidence, never because its hour passed."""

from cockpit.model import events as ev
from cockpit.ui.widgets.timeline_pane import TimelinePane
from tests.ui.apps import build_app

BIG = (200, 60)


def marks(app) -> dict[str, str]:
    """Each step's line by its title: the mark and the time."""
    lines = str(app.query_one("#timeline", TimelinePane).render()).splitlines()
    return {
        line[14:].split(" ")[0]: line[:13].rstrip() for line in lines if not line.startswith("──")
    }


async def test_steps_without_evidence_are_past_not_done_and_the_cutover_is_done_by_its_action():
    app = build_app()
    async with app.run_test(size=BIG) as pilot:
        app.dispatch(ev.ClockTick(now="2026-11-21T13:30:00+00:00"))  # 14:30 in Berlin
        await pilot.pause()
        shown = marks(app)
        assert (shown["Cutover"], shown["Monitor"], shown["Cleanup"]) == (
            "! 12:00",
            "? 12:00–13:00",
            "? 13:00",
        )
        planned = ev.ActionPlanned(id="c1", action="cutover", target="erp", title="Cutover", by="a")
        app.dispatch(planned)
        app.dispatch(ev.ActionFinished(id="c1", outcome="succeeded", detail=""))
        await pilot.pause()
        assert marks(app)["Cutover"] == "✔ 12:00"
