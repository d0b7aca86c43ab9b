"""The cockpit driven by keys, as the on-call engineer drives it."""

import asyncio
import os
import threading

from rich.text import Text

from cockpit.audit import journal as journal_module
from cockpit.audit.journal import Journal, anchor_path
from cockpit.audit.trail import AuditTrail
from cockpit.model import events as ev
from cockpit.runtime.progress import ProgressStore
from cockpit.ui.screens.confirm import Confirm
from cockpit.ui.screens.help import HelpScreen
from cockpit.ui.screens.prompt import Prompt
from cockpit.ui.widgets.checklist_pane import ChecklistPane
from tests.helpers.poll import eventually_async
from tests.planted import leaked, leaky_layout
from tests.ui.apps import BIG, FIRST_ITEM, SMALL, screen_ansi, to_first_item


async def test_space_ticks_and_unticks_with_who_and_when(make_app):
    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        await to_first_item(pilot)
        await pilot.press("space")
        progress = app.state.item_progress("go-live", FIRST_ITEM)
        assert progress.done and progress.by == "alice@bastion"
        assert progress.at.startswith("2026-11-21T10:42:05")
        line = app.query_one("#go-live", ChecklistPane).render_line(3).text
        assert "[x]" in line and "alice@bastion 11:42" in line
        await pilot.press("space")
        assert not app.state.is_done("go-live", FIRST_ITEM)


async def test_cursor_moves_with_j_k_and_arrows_and_stays_in_bounds(make_app):
    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        await pilot.press("k", "k")
        first = app.query_one("#go-live", ChecklistPane).rows[0].key
        assert app.state.cursors.get("go-live", first) == first
        await pilot.press("down", "down", "up")
        assert app.state.cursors["go-live"] == "s:phase-1-pre-deployment/infrastructure"
        await pilot.press("G")
        assert app.state.cursors["go-live"] == app.query_one("#go-live", ChecklistPane).rows[-1].key


async def test_note_is_typed_in_a_prompt_and_kept(make_app):
    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        await to_first_item(pilot)
        await pilot.press("n")
        assert isinstance(app.screen, Prompt)
        await pilot.press(*"DBA ok", "enter")
        notes = app.state.item_progress("go-live", FIRST_ITEM).notes
        assert [(n.text, n.by) for n in notes] == [("DBA ok", "alice@bastion")]
        await pilot.press("n", "x", "escape")  # cancelled: nothing added
        assert len(app.state.item_progress("go-live", FIRST_ITEM).notes) == 1


async def test_sign_off_asks_for_the_name_of_the_role(make_app):
    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        await pilot.press("slash", *"Project Manager", "enter")
        pane = app.query_one("#go-live", ChecklistPane)
        item_row = next(r for r in pane.rows if r.item is not None)
        assert item_row.item.role == "Project Manager"
        app.dispatch(ev.MoveCursor(pane="go-live", row=item_row.key))
        await pilot.press("space")
        assert isinstance(app.screen, Prompt)
        await pilot.press("ctrl+u", *"Dana Roth", "enter")
        progress = app.state.item_progress("go-live", item_row.item.id)
        assert progress.done and progress.signed_by == "Dana Roth"
        assert progress.signed_as == "Project Manager"


async def test_filter_narrows_the_pane_and_escape_clears_it(make_app):
    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        await pilot.press("slash", *"healthz")
        pane = app.query_one("#go-live", ChecklistPane)
        items = [r.item.text for r in pane.rows if r.item]
        # the two matches, each under the parent item that gives it its meaning
        assert items == [
            "**Smoke Tests on Staging**",
            "`/healthz` returns 200",
            "**Health Checks**",
            "`/healthz` returns 200",
        ]
        assert app.state.filters["go-live"] == "healthz"
        await pilot.press("enter")  # keep the filter, back to the pane
        assert app.focused is pane and app.state.filters["go-live"] == "healthz"
        await pilot.press("escape")
        assert "go-live" not in app.state.filters
        assert len(pane.rows) > 100


async def test_enter_folds_a_section(make_app):
    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        pane = app.query_one("#go-live", ChecklistPane)
        before = len(pane.rows)
        await pilot.press("enter")
        assert ("go-live", "phase-1-pre-deployment") in app.state.collapsed
        phase = app.state.runbooks["go-live"].sections[0]
        hidden = len(list(phase.walk_items())) + len(list(phase.walk_sections())) - 1
        assert len(pane.rows) == before - hidden
        await pilot.press("space")  # space on a section folds too
        assert len(pane.rows) == before


async def test_help_lists_every_key_with_its_id(make_app):
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        ids = {row[2] for row in app.screen.rows}
        assert {"help", "command-palette", "filter", "tick", "note", "next-pane", "quit"} <= ids
        assert {"cursor-down", "cursor-up", "open", "sign-off", "assign"} <= ids
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_colon_opens_the_command_palette(make_app):
    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        await pilot.press("colon")
        assert app.screen.__class__.__name__ == "CommandPalette"
        await pilot.press(*"Fold all", "enter")
        await pilot.pause()
        assert ("go-live", "phase-1-pre-deployment") in app.state.collapsed


async def test_quit_asks_first(make_app):
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("q")
        assert isinstance(app.screen, Confirm)
        await pilot.press("n")
        assert not isinstance(app.screen, Confirm) and app.is_running
        await pilot.press("q", "y")
    assert app.return_code == 0


async def test_small_terminal_gets_the_compact_layout_and_tab_turns_pages(make_app):
    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        await to_first_item(pilot)
        await pilot.press("space")
        assert app.active.layout.mode == "grid"
        await pilot.resize_terminal(*SMALL)
        await pilot.pause()
        assert app.active.layout.mode == "deck" and app.state.size == SMALL
        pane = app.query_one("#go-live", ChecklistPane)
        assert pane.display and app.focused is pane  # the same pane, the same cursor
        assert app.state.is_done("go-live", FIRST_ITEM)
        await pilot.press("tab")
        assert app.state.focus == "timeline" and not pane.display
        await pilot.resize_terminal(*BIG)
        await pilot.pause()
        assert app.active.layout.mode == "grid"


async def test_keys_are_remapped_by_binding_id(make_app):
    app = make_app(keys={"tick": "x"})
    async with app.run_test(size=BIG) as pilot:
        await to_first_item(pilot)
        await pilot.press("space")
        assert not app.state.is_done("go-live", FIRST_ITEM)
        await pilot.press("x")
        assert app.state.is_done("go-live", FIRST_ITEM)


async def test_sources_without_configuration_say_so(make_app):
    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        pods = app.query_one("#pods").render_line(0).text
        p95 = str(app.query_one("#p95").render())
        assert "kubernetes: not configured" in pods and "prometheus: not configured" in p95


async def test_check_results_show_on_their_items_and_go_stale(make_app):
    app = make_app()
    item = "phase-2-deployment/production-deployment/health-checks/healthz-returns-200"
    async with app.run_test(size=BIG) as pilot:
        await pilot.press("slash", *"/healthz", "enter")
        pane = app.query_one("#go-live", ChecklistPane)
        row = next(i for i, r in enumerate(pane.rows) if r.item and r.item.id == item)
        assert pane.render_line(row).text.rstrip().endswith("[?]")
        app.dispatch(
            ev.CheckResult(
                checklist="go-live", item=item, status="fail", at="2026-11-21T10:42:00+00:00"
            )
        )
        assert pane.render_line(row).text.rstrip().endswith("[FAIL]")
        app.dispatch(ev.ClockTick(now="2026-11-21T10:50:00+00:00"))
        assert pane.render_line(row).text.rstrip().endswith("[stale]")


async def test_progress_survives_a_restart(tmp_path, make_app):
    path = tmp_path / "window.json"
    store = ProgressStore(path, "prod-cluster@production")
    app = make_app(store=store)
    async with app.run_test(size=BIG) as pilot:
        await to_first_item(pilot)
        await pilot.press("space", "enter")  # tick, and fold nothing (an item)
    store.close()
    again_store = ProgressStore(path, "prod-cluster@production")
    again = make_app(store=again_store, restored=again_store.load())
    async with again.run_test(size=BIG):
        assert again.state.item_progress("go-live", FIRST_ITEM).by == "alice@bastion"


async def test_enter_on_an_item_shows_its_commands_and_notes(make_app):
    from cockpit.ui.screens.item import ItemScreen

    app = make_app()
    item = "phase-2-deployment/staging-deployment/deploy-to-staging"
    async with app.run_test(size=BIG) as pilot:
        app.dispatch(ev.MoveCursor(pane="go-live", row=f"i:{item}"))
        app.dispatch(ev.AddNote(checklist="go-live", item=item, text="helm 3.14", by="bob", at=""))
        await pilot.press("enter")
        assert isinstance(app.screen, ItemScreen)
        console_text = "".join(s.text for s in app.console.render(app.screen.body))
        assert "helm upgrade --install valeo-erp-staging" in console_text
        assert "bob" in console_text and "helm 3.14" in console_text
        await pilot.press("escape")
        assert not isinstance(app.screen, ItemScreen)


async def test_a_click_moves_the_cursor(make_app):
    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        pane = app.query_one("#go-live", ChecklistPane)
        await pilot.click("#go-live", offset=(5, 4))
        assert app.state.cursors["go-live"] == pane.rows[3].key


# --- outside text on screen: shown, never obeyed, never read as markup --------------------

HOSTILE_RUNBOOK = (
    "# Evil [bold red]runbook[/]\n\n"
    "## Phase [@click=app.quit]one[/]\n\n"
    "- [ ] Deploy \x1b]0;pwned\x07 green [@click=app.quit]now[/]\n"
    "- [ ] Then \x1b]52;c;ZXZpbA==\x07 and \u202e\n"
)


def hostile_layout(tmp_path) -> str:
    (tmp_path / "evil.md").write_text(HOSTILE_RUNBOOK, encoding="utf-8")
    layout = tmp_path / "evil.yaml"
    layout.write_text(
        "title: Evil\n"
        "checklists: {evil: evil.md}\n"
        "min_width: 20\n"
        "min_height: 10\n"
        "rows:\n"
        "  - panes:\n"
        "      - {id: evil, kind: checklist, checklist: evil}\n"
        "      - {id: pods, kind: pods, title: 'Pods [b]x[/b]'}\n",
        encoding="utf-8",
    )
    return str(layout)


def screen_text(app) -> tuple[str, str]:
    """What the terminal is sent (ANSI), and the same screen as plain text."""
    ansi = screen_ansi(app)
    return ansi, Text.from_ansi(ansi.replace("\r\n", "\n")).plain


async def test_runbook_escapes_and_markup_are_shown_literally(make_app, tmp_path):
    app = make_app(hostile_layout(tmp_path))
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        pane = app.query_one("#evil", ChecklistPane)
        lines = [pane.render_line(y).text for y in range(4)]
        assert "Phase [@click=app.quit]one[/]" in lines[0]
        assert "Deploy ␛]0;pwned␇ green [@click=app.quit]now[/]" in lines[1]
        assert "Then ␛]52;c;ZXZpbA==␇ and <U+202E>" in lines[2]
        ansi, plain = screen_text(app)
        assert "Evil [bold red]runbook[/] 0/2" in plain  # the pane's title, literally
        assert "Pods [b]x[/b]" in plain
        for raw in ("\x1b]", "\x07", "\x9b", "\u202e"):
            assert raw not in ansi


async def test_a_filter_is_text_not_markup(make_app):
    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        app.dispatch(ev.SetFilter(pane="go-live", text="[/]"))  # was a MarkupError crash
        await pilot.pause()
        assert "/[/]" in screen_text(app)[1]
        app.dispatch(ev.SetFilter(pane="go-live", text="[@click=app.quit]x"))
        await pilot.pause()
        assert "/[@click=app.quit]x" in screen_text(app)[1]


async def test_a_crashed_thread_and_a_failed_plan_say_why_cleanly(make_app):
    """Each is awaited by what it produces: joining the crashed thread on the event loop
    blocked the very loop its alert needed (5 s lost), and a toast expires on wall time
    (5 s), so a loaded machine could see the toast gone before the alert came."""
    secret = "\x1b]0;owned\x07 [@click=app.quit]x[/] host=db password=hunter22"
    app = make_app()
    app.NOTIFICATION_TIMEOUT = 600  # the toast stays until the test has read it
    async with app.run_test(size=BIG) as pilot:

        def crash() -> None:
            raise RuntimeError(secret)

        app.spawn(crash, "source-evil")
        await eventually_async(
            lambda: "source-evil" in app.state.alerts, what="the crash's alert", pause=pilot.pause
        )
        app.actions._in_worker(crash)
        await eventually_async(
            lambda: list(app._notifications), what="the failed plan's toast", pause=pilot.pause
        )
        alert = app.state.alerts["source-evil"].message
        assert alert == (
            "source-evil stopped: RuntimeError: ␛]0;owned␇ [@click=app.quit]x[/] "
            "host=db password=***"
        )
        (toast,) = list(app._notifications)
        assert toast.markup is False
        assert toast.message == "cannot plan: ␛]0;owned␇ [@click=app.quit]x[/] host=db password=***"
        plain = screen_text(app)[1]
        assert "[@click=app.quit]x[/]" in plain and "hunter22" not in plain


async def test_questions_show_names_from_outside_literally(make_app):
    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        app.push_screen(Confirm("[@click=app.quit]bob[/] holds the lock. Take it over?"))
        await pilot.pause()
        assert "[@click=app.quit]bob[/] holds the lock" in screen_text(app)[1]


async def test_no_credential_of_a_runbook_is_shown(make_app, tmp_path):
    app = make_app(leaky_layout(tmp_path))
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        assert "curl -u admin:***" in screen_text(app)[1]
        shown = [screen_text(app)[1]]
        pane = app.query_one("#leaky", ChecklistPane)
        for row in (2, 3):  # the items under the section's row, below the border
            pane.focus()
            await pilot.click("#leaky", offset=(5, row))
            await pilot.press("enter")
            await pilot.pause()
            shown.append(screen_text(app)[1])
            await pilot.press("escape")
        assert "Bearer ***" in shown[1] and "password=***" in shown[2]
        assert [leaked(screen) for screen in shown] == [[], [], []]


async def test_a_hang_up_is_cut_short_only_once_its_journal_is_closed(
    make_app, tmp_path, monkeypatch
):
    """The watchdog that ends a cockpit whose terminal will not restore is armed once the
    session's last records are durable: a disk slow to sync (a loaded machine) lost the
    `session.end` of a SIGHUP'd cockpit (found by tests/truth/process_machine.py)."""
    journal = Journal(tmp_path / "window.jsonl")
    fdatasync = os.fdatasync

    def slow_disk(fd: int) -> None:
        threading.Event().wait(0.3)
        fdatasync(fd)

    monkeypatch.setattr(journal_module.os, "fdatasync", slow_disk)
    cut = threading.Event()
    closed_when_cut: list[bool] = []

    def exit_now(code: int) -> None:  # the test process lives on
        closed_when_cut.append(code == 129 and anchor_path(journal.path).exists())
        cut.set()

    monkeypatch.setattr(os, "_exit", exit_now)
    app = make_app(trail=AuditTrail(journal))
    app.hangup_watchdog = 0.05
    async with app.run_test(size=SMALL) as pilot:
        app._hangup()
        await pilot.pause()
    assert await asyncio.to_thread(cut.wait, 10)
    assert closed_when_cut == [True]


async def test_a_resize_under_a_dialog_changes_the_layout_once_the_dialog_is_gone(make_app):
    """A recompose acts on the screen on top: under a dialog it replaced the dialog's own
    widgets (and under the cutover preview it crashed, found by tests/truth/machine.py)."""
    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        await pilot.press("q")
        assert isinstance(app.screen, Confirm)
        await pilot.resize_terminal(*SMALL)
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        assert not app.screen.query(ChecklistPane) and app.active.layout.mode == "grid"
        await pilot.press("n")
        app._tick()
        await pilot.pause()
        await pilot.pause()
        assert app.active.layout.mode == "deck" and app.query_one("#go-live", ChecklistPane)
