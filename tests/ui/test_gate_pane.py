"""The go/no-go pane decides from the plan's items and checks, live, with its reasons."""

from cockpit.model import events as ev
from cockpit.ui.widgets.gate_pane import GatePane

BIG = (200, 60)  # wide enough for whole criterion names


def lines(app):
    return str(app.query_one("#gate", GatePane).render()).splitlines()


async def test_the_gate_opens_when_every_criterion_holds(make_app):
    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        shown = lines(app)
        assert shown[0].strip() == "NO-GO"
        assert "✗ Staging-Tests passing" in shown
        gate = app.state.runbooks["plan"].gate()
        required = [ref for c in gate.criteria for ref in c.requires]
        for item in required:
            app.dispatch(ev.Tick(checklist="plan", item=item, by="alice", at=app.now()))
        await pilot.pause()
        shown = lines(app)
        assert shown[0].strip() == "GO"
        assert shown[1:] == [f"✔ {c.name}" for c in gate.criteria]
        backup = "timeline/t-1-tag-final-check/backup-erstellen"
        app.dispatch(ev.CheckResult(checklist="plan", item=backup, status="fail", detail="31h old"))
        await pilot.pause()
        shown = lines(app)
        assert shown[0].strip() == "NO-GO"
        assert "✗ Database-Migration successful" in shown
        assert any(line.startswith("  check fail on Backup erstellen: 3") for line in shown)
        assert "✔ Staging-Tests passing" in shown
