"""Skip, not applicable, sign-off: driven by keys, journaled with who, when and why."""

from cockpit.audit.journal import Journal
from cockpit.audit.read import read_records
from cockpit.audit.trail import AuditTrail
from cockpit.model import events as ev
from cockpit.model.state import DONE, NOT_APPLICABLE, OPEN, SKIPPED
from cockpit.runtime.progress import ProgressStore
from cockpit.ui.screens.item import ItemScreen
from cockpit.ui.screens.prompt import Prompt
from cockpit.ui.widgets.checklist_pane import ChecklistPane
from tests.disk import file_size_limit
from tests.ui.apps import BIG, FIRST_ITEM, PARENT, build_app, to_first_item

HEALTHZ = "phase-2-deployment/staging-deployment/smoke-tests-on-staging/healthz-returns-200"


def journaled(app, path) -> list[tuple[str, dict]]:
    app.trail.journal.close()
    return [(r.kind, r.data) for r in read_records(path) if r.kind in ev.EVENTS]


def line_of(app, item: str) -> str:
    pane = app.query_one("#go-live", ChecklistPane)
    row = next(n for n, r in enumerate(pane.rows) if r.key == f"i:{item}")
    return pane.render_line(row - int(pane.scroll_offset.y)).text


async def test_skip_asks_why_and_shows_the_item_skipped_not_done(tmp_path):
    path = tmp_path / "j.jsonl"
    app = build_app(trail=AuditTrail(Journal(path)))
    async with app.run_test(size=BIG) as pilot:
        await to_first_item(pilot)
        await pilot.press("S")
        assert isinstance(app.screen, Prompt)
        await pilot.press(*"DBA on holiday", "enter")
        progress = app.state.item_progress("go-live", FIRST_ITEM)
        assert (progress.status, progress.reason, progress.by) == (
            SKIPPED,
            "DBA on holiday",
            "alice@bastion",
        )
        line = line_of(app, FIRST_ITEM)
        assert "[s]" in line and "skipped alice@bastion 11:42" in line
        pane = app.query_one("#go-live", ChecklistPane)
        assert pane.title().startswith("Go-live checklist 0/196 0%, 1 skipped")
        await pilot.press("S")  # already skipped: said, not skipped again
        assert not isinstance(app.screen, Prompt)
        await pilot.press("space")  # space reopens it
        assert app.state.item_progress("go-live", FIRST_ITEM).status == OPEN
        app.shutdown(0)
    records = journaled(app, path)
    skips = [d for k, d in records if k == "item.skip"]
    assert [(d["item"], d["reason"], d["by"]) for d in skips] == [
        (FIRST_ITEM, "DBA on holiday", "alice@bastion")
    ]
    notices = [d["message"] for k, d in records if k == "notice"]
    assert any("already skipped (space reopens it)" in n for n in notices)
    assert [k for k, _ in records if k.startswith("item.")][-1] == "item.untick"


async def test_a_skip_without_a_reason_does_not_happen_and_is_journaled(tmp_path):
    path = tmp_path / "j.jsonl"
    app = build_app(trail=AuditTrail(Journal(path)))
    async with app.run_test(size=BIG) as pilot:
        await to_first_item(pilot)
        await pilot.press("S", "enter")  # empty: refused, the prompt stays
        assert isinstance(app.screen, Prompt)
        await pilot.press("escape")  # backed out
        await pilot.press("S", *"half a reason", "escape")  # backed out
        assert app.state.item_progress("go-live", FIRST_ITEM).status == OPEN
        app.shutdown(0)
    records = journaled(app, path)
    assert not any(k == "item.skip" for k, _ in records)
    notices = [d["message"] for k, d in records if k == "notice"]
    assert (
        notices.count("not skipped: Production database provisioned (a skip needs a reason)") == 2
    )


async def test_not_applicable_takes_a_reason_or_none_and_escape_keeps_it_open(make_app):
    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        await to_first_item(pilot)
        await pilot.press("minus", "escape")
        assert app.state.item_progress("go-live", FIRST_ITEM).status == OPEN
        await pilot.press("minus", "enter")  # no reason: still a decision
        progress = app.state.item_progress("go-live", FIRST_ITEM)
        assert (progress.status, progress.reason) == (NOT_APPLICABLE, "")
        assert "[-]" in line_of(app, FIRST_ITEM) and "n/a alice@bastion" in line_of(app, FIRST_ITEM)
        await pilot.press("space", "minus", *"managed DB", "enter")
        progress = app.state.item_progress("go-live", FIRST_ITEM)
        assert (progress.status, progress.reason) == (NOT_APPLICABLE, "managed DB")
        assert app.query_one("#go-live", ChecklistPane).title().endswith("0%, 1 n/a")


async def test_the_item_screen_says_who_skipped_it_when_and_why(make_app):
    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        await to_first_item(pilot)
        await pilot.press("S", *"DBA on holiday", "enter", "enter")
        assert isinstance(app.screen, ItemScreen)
        text = "".join(s.text for s in app.console.render(app.screen.body))
        assert "skipped by alice@bastion 11:42:05" in text and "why: DBA on holiday" in text


async def test_a_skipped_closed_loop_item_still_shows_its_live_check(make_app):
    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        app.dispatch(ev.Focus(pane="go-live"))
        app.dispatch(ev.MoveCursor(pane="go-live", row=f"i:{HEALTHZ}"))
        await pilot.pause()
        await pilot.press("S", *"staging down", "enter")
        assert app.state.item_progress("go-live", HEALTHZ).status == SKIPPED
        fail = ev.CheckResult(
            checklist="go-live", item=HEALTHZ, status="fail", detail="503", at=app.now()
        )
        app.dispatch(fail)
        await pilot.pause()
        line = line_of(app, HEALTHZ).rstrip()
        assert "[s]" in line and line.endswith("[FAIL]")


async def test_a_sign_off_records_the_signer_and_the_operator_who_recorded_it(make_app):
    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        app.dispatch(ev.Focus(pane="go-live"))
        app.dispatch(ev.MoveCursor(pane="go-live", row="i:sign-off/technical-lead"))
        await pilot.pause()
        await pilot.press("space", "ctrl+u", *"Dana Roth", "enter")
        progress = app.state.item_progress("go-live", "sign-off/technical-lead")
        assert (progress.status, progress.signed_by, progress.signed_as) == (
            DONE,
            "Dana Roth",
            "Technical Lead",
        )
        assert progress.recorded_by == "alice@bastion"
        await pilot.press("enter")
        text = "".join(s.text for s in app.console.render(app.screen.body))
        assert "done by Dana Roth as Technical Lead (recorded by alice@bastion)" in text


async def test_skips_and_not_applicables_survive_a_restart(tmp_path, make_app):
    path = tmp_path / "window.json"
    store = ProgressStore(path, "prod-cluster@production")
    app = make_app(store=store)
    async with app.run_test(size=BIG) as pilot:
        await to_first_item(pilot)
        await pilot.press("S", *"later", "enter", "j", "minus", *"managed", "enter")
    store.close()
    again_store = ProgressStore(path, "prod-cluster@production")
    again = make_app(store=again_store, restored=again_store.load())
    async with again.run_test(size=BIG):
        first = again.state.item_progress("go-live", FIRST_ITEM)
        assert (first.status, first.reason, first.by) == (SKIPPED, "later", "alice@bastion")
        second = next(p for (c, i), p in again.state.progress.items() if p.status == NOT_APPLICABLE)
        assert second.reason == "managed"
        assert "[s]" in line_of(again, FIRST_ITEM)
    again_store.close()


async def test_a_tick_the_journal_cannot_make_durable_is_not_shown_done(tmp_path):
    """The disk is full: `space` must not show `[x]` for a tick a restart would lose."""
    path = tmp_path / "j.jsonl"
    store = ProgressStore(tmp_path / "w.json", "w")
    app = build_app(trail=AuditTrail(Journal(path)), store=store)
    async with app.run_test(size=BIG) as pilot:
        await to_first_item(pilot)
        app.trail.journal.sync()
        with file_size_limit(path.stat().st_size):  # nothing more fits
            await pilot.press("space")
            assert app.state.item_progress("go-live", FIRST_ITEM).status == OPEN
            assert "[ ]" in line_of(app, FIRST_ITEM)
        assert app.trail.journal.retry()  # space again
        await pilot.press("space")
        assert app.state.item_progress("go-live", FIRST_ITEM).status == DONE
        app.shutdown(0)
    store.close()
    records = journaled(app, path)
    assert [d["item"] for k, d in records if k == "item.tick"] == [FIRST_ITEM]
    notices = [d["message"] for k, d in records if k == "notice"]
    assert any(n.startswith("not done: the audit journal") for n in notices)


async def test_s_signs_off_only_a_sign_off_item_and_says_so_on_any_other(tmp_path):
    path = tmp_path / "j.jsonl"
    app = build_app(trail=AuditTrail(Journal(path)))
    async with app.run_test(size=BIG) as pilot:
        await to_first_item(pilot)  # an item with no runbook role
        await pilot.press("s")
        assert not isinstance(app.screen, Prompt)
        assert app.state.item_progress("go-live", FIRST_ITEM).status == OPEN
        app.dispatch(ev.MoveCursor(pane="go-live", row="i:sign-off/technical-lead"))
        await pilot.press("s")
        assert isinstance(app.screen, Prompt)  # a role: the signer's name is asked
        app.shutdown(0)
    records = journaled(app, path)
    assert not any(k == "item.signoff" for k, _ in records)
    notices = [d["message"] for k, d in records if k == "notice"]
    assert notices == ["not a sign-off item: Production database provisioned (space ticks it)"]


async def test_a_parent_over_open_children_is_not_ticked_and_the_children_are_named(tmp_path):
    path = tmp_path / "j.jsonl"
    app = build_app(trail=AuditTrail(Journal(path)))
    async with app.run_test(size=BIG) as pilot:
        await pilot.press("j", "j")  # **PostgreSQL Database**, over five items
        children = [c.id for c in app.state.runbooks["go-live"].item(PARENT).items]
        await pilot.press("space")
        assert app.state.item_progress("go-live", PARENT).status == OPEN
        for child in children:
            app.dispatch(ev.Tick(checklist="go-live", item=child, by="bob", at=app.now()))
        await pilot.press("space")
        assert app.state.item_progress("go-live", PARENT).status == DONE
        await pilot.press("j", "space")  # the first child, under its done parent
        assert app.state.item_progress("go-live", children[0]).status == DONE
        app.shutdown(0)
    records = journaled(app, path)
    notices = [d["message"] for k, d in records if k == "notice"]
    assert notices == [
        "not ticked: PostgreSQL Database has 5 open: Production database provisioned, "
        "Connection string configured in secrets, Backup schedule configured (daily at 02:00 "
        "UTC) and 2 more",
        "not reopened: Production database provisioned is under PostgreSQL Database, "
        "done (reopen it first)",
    ]
    ticks = [d["item"] for k, d in records if k == "item.tick"]
    assert ticks == [*children, PARENT]
