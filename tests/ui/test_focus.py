"""The focus moves only when a key or a click moves it, one `view.focus` record a move,
so a replay shows the same pane."""

from cockpit.audit.journal import Journal
from cockpit.audit.read import read_records
from cockpit.audit.trail import AuditTrail
from tests.ui.apps import NOW, build_app
from tests.ui.raw_input import send_bytes


def app_with_journal(path):
    journal = Journal(path, clock=lambda: NOW)
    return build_app(trail=AuditTrail(journal)), journal


def journaled(path):
    return [r for r in read_records(path) if r.kind != "session.start"]


async def test_tabs_sent_at_once_move_the_focus_once_each_and_say_so_once_each(tmp_path):
    path = tmp_path / "j.jsonl"
    app, journal = app_with_journal(path)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        ids = app.layout.pane_ids()
        start = ids.index(app.focused.pane_id)
        await send_bytes(pilot, b"\t" * 6)  # one write to the terminal
        await pilot.pause()
        expected = ids[(start + 6) % len(ids)]
        assert app.state.focus == expected
        assert app.focused is app.query_one(f"#{expected}")
    journal.close()
    records = journaled(path)
    moves = [r.data["pane"] for r in records if r.kind == "view.focus"]
    assert moves == [ids[(start + n) % len(ids)] for n in range(1, 7)]
    caused = [records[i - 1].kind for i, r in enumerate(records) if r.kind == "view.focus"]
    assert caused == ["key"] * 6  # each move right after the key that made it


async def test_a_click_on_a_pane_moves_the_focus_there_once(tmp_path):
    path = tmp_path / "j.jsonl"
    app, journal = app_with_journal(path)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        other = next(p for p in app.layout.pane_ids() if p != app.focused.pane_id)
        region = app.query_one(f"#{other}").region
        x, y = region.x + 3, region.y + 2  # 1-based, inside the pane
        await send_bytes(pilot, f"\x1b[<0;{x};{y}M\x1b[<0;{x};{y}m".encode())  # press, release
        assert app.state.focus == other and app.focused is app.query_one(f"#{other}")
    journal.close()
    records = journaled(path)
    moves = [
        (records[i - 1].kind, r.data["pane"])
        for i, r in enumerate(records)
        if r.kind == "view.focus"
    ]
    assert moves == [("mouse", other)]


async def test_a_pane_chosen_in_the_palette_keeps_the_focus_when_it_closes(tmp_path):
    """Textual gives the keyboard back to the pane it had before the palette: that is not
    a move of the operator's, and the state's pane keeps it."""
    path = tmp_path / "j.jsonl"
    app, journal = app_with_journal(path)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        first = app.focused.pane_id
        other = next(p for p in app.layout.pane_ids() if p != first)
        await pilot.press("colon")
        app.focus_pane(other)  # what the palette's "Go to pane" runs
        await pilot.press("escape")
        await pilot.pause()
        assert app.state.focus == other and app.focused is app.query_one(f"#{other}")
    journal.close()
    assert [r.data["pane"] for r in journaled(path) if r.kind == "view.focus"] == [other]
