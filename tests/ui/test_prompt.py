"""A prompt keeps what is typed to itself: a required answer left empty keeps it open and
says why, and keys typed into it never act on the checklist behind it."""

from cockpit.audit.journal import Journal
from cockpit.audit.read import read_records
from cockpit.audit.trail import AuditTrail
from cockpit.model.state import SKIPPED
from cockpit.ui.screens.prompt import Prompt
from tests.ui.apps import BIG, FIRST_ITEM, NOW, build_app, to_first_item
from tests.ui.raw_input import send_bytes

#: the item events and notices a key on the checklist makes
ACTED = ("item.", "notice", "action.", "view.cursor", "view.focus")


def acted(path) -> list[tuple[str, dict]]:
    return [(r.kind, r.data) for r in read_records(path) if r.kind.startswith(ACTED)]


async def test_an_empty_skip_reason_keeps_the_prompt_open_and_says_why(tmp_path):
    path = tmp_path / "j.jsonl"
    journal = Journal(path, clock=lambda: NOW)
    app = build_app(trail=AuditTrail(journal))
    async with app.run_test(size=BIG) as pilot:
        await to_first_item(pilot)
        await send_bytes(pilot, b"S\r")  # skip, then enter on an empty reason
        assert isinstance(app.screen, Prompt), "no reason, no skip: the prompt stays"
        hint = str(app.screen.query_one("#prompt-hint").render())
        assert "a skip needs a reason" in hint
        await send_bytes(pilot, b"because DBA said so - s A\r")  # the reason, typed after
        assert not isinstance(app.screen, Prompt)
        progress = app.state.item_progress("go-live", FIRST_ITEM)
        assert (progress.status, progress.reason) == (SKIPPED, "because DBA said so - s A")
        assert len(app.screen_stack) == 1
    journal.close()
    assert [k for k, _ in acted(path) if k != "view.cursor"] == ["item.skip"]


async def test_keys_typed_as_a_prompt_closes_go_to_the_prompt_not_the_checklist(tmp_path):
    """One write: the reason, enter, and more keys right behind it — the keys that reach
    the app before the prompt has gone are the prompt's."""
    path = tmp_path / "j.jsonl"
    journal = Journal(path, clock=lambda: NOW)
    app = build_app(trail=AuditTrail(journal))
    async with app.run_test(size=BIG) as pilot:
        await to_first_item(pilot)
        await send_bytes(pilot, b"Sx\rs- S")
        assert len(app.screen_stack) == 1
        assert app.state.item_progress("go-live", FIRST_ITEM).reason == "x"
    journal.close()
    assert [k for k, _ in acted(path) if k != "view.cursor"] == ["item.skip"]
