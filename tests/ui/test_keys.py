"""Every key of the cockpit has an id, is listed by `?` and can be remapped in the config.

The registry (cockpit.ui.keys) is checked against an enumeration of its own here: every
Textual class anywhere in the `cockpit` package, found through the class hierarchy.
"""

import importlib
import pkgutil
import subprocess
import sys
from collections.abc import Awaitable, Callable
from typing import ClassVar

import pytest
from textual.actions import parse as parse_action
from textual.app import App
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.widgets import DataTable

import cockpit
from cockpit.actions.plan import Plan
from cockpit.model import events as ev
from cockpit.ui.app import CockpitApp
from cockpit.ui.keys import all_bindings, binding_ids, cockpit_classes
from cockpit.ui.replay_app import ReplayApp
from cockpit.ui.screens.action import ActionScreen
from cockpit.ui.screens.choose import Choice, ChooseScreen
from cockpit.ui.screens.confirm import Confirm
from cockpit.ui.screens.help import HelpScreen
from cockpit.ui.screens.item import ItemScreen
from cockpit.ui.screens.prompt import Prompt
from cockpit.ui.screens.why import WhyScreen
from cockpit.ui.widgets.checklist_pane import ChecklistPane
from cockpit.ui.widgets.pods_pane import PodsPane
from cockpit.ui.widgets.rows_pane import RowsPane

BIG = (160, 48)
UNUSED = "f9"  # bound nowhere in the cockpit, nor by Textual's App, Screen or widgets


def every_dom_class_in_cockpit() -> set[type[DOMNode]]:
    """Not the registry's way: import every module of `cockpit`, then walk the classes."""
    for info in pkgutil.walk_packages(cockpit.__path__, "cockpit."):
        if not info.name.endswith("__main__"):
            importlib.import_module(info.name)
    found, todo = set(), [DOMNode]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.split(".")[0] == "cockpit":
                found.add(sub)
    return found


def declared(cls: type) -> list[BindingType]:
    return list(vars(cls).get("BINDINGS", ()))


def without_id(classes) -> list[str]:
    """`Class: key` for each binding that cannot be remapped: a tuple, or no id."""
    return [
        f"{cls.__name__}: {b.key if isinstance(b, Binding) else b[0]}"
        for cls in classes
        for b in declared(cls)
        if not (isinstance(b, Binding) and b.id)
    ]


def owners_of_cockpit_keys() -> dict[str, type[DOMNode]]:
    """id → the class declaring it, for what `cockpit run` answers to: every cockpit class
    but other apps (the replay player's keys are its own)."""
    return {
        b.id: cls
        for cls in every_dom_class_in_cockpit()
        if not issubclass(cls, App) or cls in CockpitApp.__mro__
        for b in declared(cls)
        if isinstance(b, Binding) and b.id
    }


def test_the_registry_finds_every_textual_class_of_the_cockpit():
    found = every_dom_class_in_cockpit()
    assert set(cockpit_classes()) == found, "a DOM class outside cockpit.ui, or one missed"
    assert {PodsPane, ChooseScreen, ActionScreen} <= found  # the ones a hand-kept list forgot


def test_every_binding_of_a_cockpit_class_has_an_id():
    assert without_id(every_dom_class_in_cockpit()) == []


def test_a_binding_without_an_id_is_caught():
    class Careless(RowsPane):
        BINDINGS: ClassVar[list[BindingType]] = [
            Binding("z", "zap", "Zap"),
            ("y", "yank", "Yank"),
            Binding("w", "wipe", "Wipe", id="wipe"),
        ]

    assert without_id([Careless]) == ["Careless: z", "Careless: y"]


def test_binding_ids_are_unique_across_classes():
    """One id in two classes would remap both keys at once and list only one in `?`."""
    seen: dict[str, str] = {}
    for cls in every_dom_class_in_cockpit():
        for b in declared(cls):
            if isinstance(b, Binding) and b.id:
                assert b.id not in seen, f"{b.id} in {cls.__name__} and {seen[b.id]}"
                seen[b.id] = cls.__name__


def test_registry_is_the_cockpits_keys_and_the_replay_adds_its_own():
    cockpit_ids = set(owners_of_cockpit_keys())
    assert binding_ids() == cockpit_ids
    assert "pods-sort" in cockpit_ids and not any(i.startswith("replay-") for i in cockpit_ids)
    replay_ids = {b.id for b in all_bindings(ReplayApp)}
    assert replay_ids == cockpit_ids | {b.id for b in declared(ReplayApp)}


async def test_help_lists_every_key_with_its_remapped_key(make_app):
    app = make_app(keys={"pods-sort": "O", "tick": "space,x"})
    async with app.run_test(size=BIG) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one(DataTable)
        rows = {row[2]: row for row in map(table.get_row_at, range(table.row_count))}
        assert set(rows) == set(owners_of_cockpit_keys())
        assert rows["pods-sort"][:2] == ["O", "Sort"]
        assert rows["tick"][:2] == ["space, x", "Tick"]
        assert rows["cursor-down"][0] == "j, ↓"  # not remapped: the declared keys
        assert list(rows)[:2] == ["help", "command-palette"]  # the app's keys come first


def test_cockpit_run_accepts_every_id_in_keys(tmp_path):
    keys = ", ".join(f"{i}: {UNUSED}" for i in sorted(owners_of_cockpit_keys()))
    (tmp_path / "config.yaml").write_text(f"keys: {{{keys}, replay-pause: p}}\n")
    result = subprocess.run(
        [sys.executable, "-m", "cockpit", "run", "--config", str(tmp_path / "config.yaml")],
        capture_output=True,
        text=True,
        env={"XDG_STATE_HOME": str(tmp_path / "s"), "XDG_CONFIG_HOME": str(tmp_path / "c")},
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 1  # refused for the one id `cockpit run` does not have
    assert result.stderr.strip() == "config: keys: no binding with id replay-pause"


# --- each id remapped, its new key pressed in a real session ------------------------------


def _screen(make: Callable[[], DOMNode]) -> Callable[..., Awaitable[DOMNode]]:
    async def reach(pilot) -> DOMNode:
        pilot.app.push_screen(make())
        await pilot.pause()
        return pilot.app.screen

    return reach


def _pane(pane_id: str) -> Callable[..., Awaitable[DOMNode]]:
    async def reach(pilot) -> DOMNode:
        pilot.app.dispatch(ev.Focus(pane=pane_id))
        await pilot.pause()
        return pilot.app.focused

    return reach


async def _app(pilot) -> DOMNode:
    return pilot.app


#: how a session gets each class that declares keys in front of the keyboard
REACH: dict[type, Callable[..., Awaitable[DOMNode]]] = {
    CockpitApp: _app,
    RowsPane: _pane("go-live"),
    ChecklistPane: _pane("go-live"),
    PodsPane: _pane("pods"),
    ActionScreen: _screen(lambda: ActionScreen(Plan("cutover", "valeo-erp", "Cutover"), "p", "")),
    ChooseScreen: _screen(lambda: ChooseScreen("Rollback", [Choice("selector", "back", "")])),
    Confirm: _screen(lambda: Confirm("Sure?")),
    HelpScreen: _screen(lambda: HelpScreen([])),
    ItemScreen: _screen(lambda: ItemScreen("an item")),
    Prompt: _screen(lambda: Prompt("Note", "an item")),
    WhyScreen: _screen(lambda: WhyScreen("Why", "no evidence")),
}


def test_every_class_with_keys_can_be_reached_by_the_remap_test():
    assert set(owners_of_cockpit_keys().values()) <= set(REACH)


@pytest.mark.parametrize("binding_id", sorted(owners_of_cockpit_keys()))
async def test_each_id_remapped_in_the_config_runs_its_action_on_the_new_key(
    binding_id, make_app, monkeypatch
):
    owner = owners_of_cockpit_keys()[binding_id]
    binding = next(b for b in declared(owner) if isinstance(b, Binding) and b.id == binding_id)
    _, name, params = parse_action(binding.action)
    app = make_app(keys={binding_id: UNUSED})
    async with app.run_test(size=BIG) as pilot:
        node = await REACH[owner](pilot)
        assert isinstance(node, owner)
        calls: list[tuple] = []
        monkeypatch.setattr(node, f"action_{name}", lambda *args: calls.append(args))
        await pilot.press(UNUSED)
        assert calls == [tuple(params[:1])], f"{UNUSED} did not run {binding.action}"


# --- a few driven for real: the effect, and the old key gone --------------------------------


async def test_pods_sort_on_a_remapped_key(make_app):
    app = make_app(keys={"pods-sort": "O"})
    async with app.run_test(size=BIG) as pilot:
        app.dispatch(ev.Focus(pane="pods"))
        await pilot.pause()
        pane = app.query_one("#pods", PodsPane)
        await pilot.press("o")
        assert pane.sort == "name"
        await pilot.press("O", "O")
        assert pane.sort == "restarts" and "by restarts" in pane.title()


async def test_help_on_a_remapped_key(make_app):
    app = make_app(keys={"help": "f1"})
    async with app.run_test(size=BIG) as pilot:
        await pilot.press("question_mark")
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        table = app.screen.query_one(DataTable)
        assert table.get_row_at(0) == ["f1", "Help", "help"]


async def test_next_pane_and_cursor_on_remapped_keys(make_app):
    app = make_app(keys={"next-pane": "ctrl+n", "cursor-down": "ctrl+e"})
    async with app.run_test(size=BIG) as pilot:
        app.dispatch(ev.Focus(pane="go-live"))
        await pilot.pause()
        await pilot.press("j")
        assert "go-live" not in app.state.cursors  # j no longer moves the cursor
        await pilot.press("ctrl+e")
        assert app.state.cursors["go-live"] == "s:phase-1-pre-deployment/infrastructure"
        ids = app.active.layout.pane_ids()
        await pilot.press("ctrl+n")
        assert app.state.focus == ids[(ids.index("go-live") + 1) % len(ids)]


async def test_quit_and_its_answer_on_remapped_keys(make_app):
    app = make_app(keys={"quit": "ctrl+x", "confirm-no": "x"})
    async with app.run_test(size=BIG) as pilot:
        await pilot.press("q")
        assert not isinstance(app.screen, Confirm)
        await pilot.press("ctrl+x")
        assert isinstance(app.screen, Confirm)
        await pilot.press("n")
        assert isinstance(app.screen, Confirm)  # n is not "no" any more
        await pilot.press("x")
        assert not isinstance(app.screen, Confirm) and app.is_running
