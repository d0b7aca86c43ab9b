"""Every input is captured at the App, before dispatch; secrets never reach the journal."""

import pytest
from textual import events

from cockpit.audit.journal import Journal
from cockpit.audit.read import read_records
from cockpit.audit.trail import AuditTrail
from cockpit.ui.input_records import input_record
from cockpit.ui.screens.prompt import Prompt
from tests.disk import file_size_limit
from tests.ui.apps import NOW, build_app


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def app_with_journal(path):
    journal = Journal(path, clock=lambda: NOW)
    return build_app(trail=AuditTrail(journal)), journal


async def test_keys_consumed_by_modals_and_inputs_are_recorded(tmp_path):
    path = tmp_path / "j.jsonl"
    app, journal = app_with_journal(path)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("question_mark", "escape", "j", "j", "n")
        await pilot.pause()
        await pilot.press(*"ok", "enter", "q", "n")
    journal.close()
    records = list(read_records(path))
    assert records[0].kind == "session.start"
    keys = [(r.data["key"], r.data["focus"]) for r in records if r.kind == "key"]
    assert keys == [
        ("question_mark", "go-live"),
        ("escape", "help-table"),  # consumed by the help screen
        ("j", "go-live"),
        ("j", "go-live"),
        ("n", "go-live"),
        ("o", "prompt-input"),  # typed into an Input
        ("k", "prompt-input"),
        ("enter", "prompt-input"),
        ("q", "go-live"),
        ("n", "Confirm"),  # answered the quit question
    ]


def test_mouse_presses_and_scrolls_are_kept_moves_are_not():
    down = events.MouseDown(None, 4, 3, 0, 0, 1, False, False, False, screen_x=4, screen_y=3)
    assert input_record(down, None, "Screen") == ("mouse", {"x": 4, "y": 3, "button": 1})
    scroll = events.MouseScrollDown(
        None, 4, 3, 0, 1, 0, False, False, False, screen_x=4, screen_y=3
    )
    assert input_record(scroll, None)[1]["scroll"] == "down"
    move = events.MouseMove(None, 4, 3, 1, 0, 0, False, False, False, screen_x=4, screen_y=3)
    assert input_record(move, None) is None


async def test_secret_fields_are_recorded_as_stars(tmp_path):
    path = tmp_path / "j.jsonl"
    app, journal = app_with_journal(path)
    async with app.run_test(size=(160, 48)) as pilot:
        answers = []
        app.push_screen(Prompt("Password", "db", secret=True), answers.append)
        await pilot.pause()
        await pilot.press(*"hunter2", "enter")
        app.push_screen(Prompt("Password", "db", secret=True), answers.append)
        await pilot.pause()
        app.screen.query_one("#prompt-input").focus()
        await pilot.pause()
        app.post_message(events.Paste("s3cr3t-paste"))
        await pilot.pause()
        await pilot.press("enter")
    journal.close()
    assert answers == ["hunter2", "s3cr3t-paste"]  # the field got the secret …
    raw = path.read_bytes()
    assert b"hunter2" not in raw and b"s3cr3t" not in raw  # … the journal never did
    typed = [r.data["key"] for r in read_records(path) if r.kind == "key"]
    assert typed[:8] == ["***"] * 7 + ["enter"]
    pastes = [r.data["text"] for r in read_records(path) if r.kind == "paste"]
    assert pastes == ["***"]


async def test_an_unwritable_journal_raises_the_banner_and_refuses_actions(tmp_path):
    path = tmp_path / "j.jsonl"
    app, journal = app_with_journal(path)
    async with app.run_test(size=(160, 48)) as pilot:
        assert app.can_mutate() is None
        with file_size_limit(path.stat().st_size):  # no byte more fits: a full disk
            await pilot.press("j")
            assert app.state.alerts["audit"].level == "critical"
            assert "not writable" in app.can_mutate()
            assert app.query_one("#banner").display
            await pilot.press("k")  # viewing goes on, and is kept for later
            app._retry_journal()
            assert "audit" in app.state.alerts  # still full: still refused
        app._retry_journal()  # space again: what waited is written, the banner goes
        assert "audit" not in app.state.alerts and app.can_mutate() is None
    journal.close()
    kinds = [r.kind for r in read_records(path)]
    assert "key" in kinds and "view.cursor" in kinds  # what waited was written, in order


async def test_a_tick_the_full_journal_lost_is_not_kept_as_progress(tmp_path):
    """Disk full, tick, kill -9: the progress file must not claim a tick with no record."""
    from cockpit.runtime.progress import ProgressStore

    path, progress = tmp_path / "j.jsonl", tmp_path / "w.json"
    journal = Journal(path, clock=lambda: NOW, sync_interval=0.05)
    store = ProgressStore(progress, "w")
    app = build_app(trail=AuditTrail(journal), store=store)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("j", "j", "j")  # the first item without items under it
        assert store.flush(timeout=5)  # what the cursor did is saved before the disk fills
        with file_size_limit(path.stat().st_size):
            await pilot.press("space")  # would tick the item under the cursor
            assert app.state.alerts["audit"].level == "critical"
            ticked = [k for k, p in app.state.progress.items() if p.done]
            assert ticked == [], "a tick the journal could not make durable is not shown"
            # a mark, not a pause: all the store was given is on disk (a tick kept waiting
            # for a journal record that never comes would fail the flush)
            assert store.flush(timeout=5)
            saved = progress.read_text() if progress.exists() else ""
            assert "item.tick" not in saved  # … what a kill -9 now would leave: no tick
        app._retry_journal()
        assert store.flush(timeout=5)
        saved = progress.read_text() if progress.exists() else ""
        assert "item.tick" not in saved  # the refused tick never comes back
    app.close_stores()


async def test_session_start_and_status_bar_name_the_kubeconfigs_context(tmp_path, monkeypatch):
    """No --context: the kubeconfig's current context names the window, and its server is
    recorded beside it (never its credentials)."""
    from cockpit.sim.kube.valeo import write_kubeconfig

    server = "https://10.0.0.5:6443"
    kubeconfig = write_kubeconfig(tmp_path / "kc", server, token="s3cret-token")
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    path = tmp_path / "j.jsonl"
    journal = Journal(path, clock=lambda: NOW)
    app = build_app(trail=AuditTrail(journal), context=None, namespace=None)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        assert "valeo-sim/production" in app.query_one("#status-bar").render().plain
        app.shutdown(0)
    start = next(iter(read_records(path)))
    assert start.kind == "session.start"
    assert (start.data["kube_context"], start.data["kube_server"]) == ("valeo-sim", server)
    assert start.data["window"] == "valeo-sim@production"
    assert "s3cret-token" not in path.read_text()


async def test_a_key_pressed_while_the_cockpit_quits_is_dropped_quietly(tmp_path):
    """`q`, `y`, then Enter at once: the Enter reaches an app whose journal is closed."""
    path = tmp_path / "j.jsonl"
    app, _ = app_with_journal(path)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("q")
        await pilot.pause()
        app.post_message(events.Key("y", "y"))
        app.post_message(events.Key("enter", None))
        await pilot.pause()
    assert app.return_code == 0 and app._exception is None
    records = list(read_records(path))
    assert records[-1].kind == "session.end"
