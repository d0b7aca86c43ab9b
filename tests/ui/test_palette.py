"""Colours come from the theme: the same screen under two themes shows each state in that
theme's colour, and no module under cockpit/ui names a colour of its own."""

from __future__ import annotations

import ast
import io
import re
from pathlib import Path

import pytest
from rich.color import Color, ColorParseError
from rich.console import Console
from textual.app import App
from textual.color import Color as CssColor
from textual.widgets import Input

import cockpit.ui
from cockpit.ui.screens.action import ActionScreen
from tests.ui.test_action_screen import PLAN

UI = Path(cockpit.ui.__file__).parent
THEMES = ["textual-dark", "textual-light"]


class Host(App):
    """The action screen with the cockpit's colours (its stylesheet, not its layout)."""

    CSS_PATH = UI / "global.tcss"

    def on_mount(self) -> None:
        self.push_screen(ActionScreen(PLAN, "prod/production", "held by alice@a#1-x"))


def styles_of(app: App, mark: str) -> list:
    """The Rich style of each cell run on screen that reads `mark` (through the
    compositor, as tests.ui.apps.screen_text does)."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), color_system="truecolor")
    update = app.screen._compositor.render_update(full=True)
    return [s.style for s in console.render(update) if s.text.strip() == mark and s.style]


def colour(app: App, variable: str) -> str:
    return CssColor.parse(app.theme_variables[variable]).hex.lower()


def fg(style) -> str:
    return style.color.triplet.hex


def bg(style) -> str:
    return style.bgcolor.triplet.hex


@pytest.mark.parametrize("theme", THEMES)
async def test_the_preview_marks_each_precondition_in_the_theme_s_colours(theme):
    app = Host()
    app.theme = theme
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert {fg(s) for s in styles_of(app, "✗")} == {colour(app, "text-error")}
        assert {fg(s) for s in styles_of(app, "?")} == {colour(app, "text-warning")}
        assert {fg(s) for s in styles_of(app, "✔")} == {colour(app, "text-success")}
        app.screen.query_one("#action-input", Input).value = "not the target"
        await pilot.press("enter")
        await pilot.pause()
        hint = app.screen.query_one("#action-hint")
        assert hint.has_class("-error")
        assert hint.styles.color.hex.lower() == colour(app, "text-error")


@pytest.mark.parametrize("theme", THEMES)
async def test_the_gate_says_no_go_in_the_theme_s_error_colour(make_app, theme):
    app = make_app("go-live")
    app.theme = theme
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        (badge,) = styles_of(app, "NO-GO")
        assert bg(badge) == colour(app, "error")
        failed = styles_of(app, "✗")
        assert failed and {fg(s) for s in failed} == {colour(app, "text-error")}


# --- no colour of its own -----------------------------------------------------------------

#: words a style may hold besides colours: attributes, `on`, `not`, `$variables`, alpha
NOT_COLOURS = re.compile(
    r"\$[\w-]+|\d+%|on|not|none|bold|b|dim|d|italic|i|underline2?|u|uu|reverse|r|strike|s|"
    r"blink2?|conceal|frame|encircle|overline|o"
)


def named_colours(text: str) -> list[str]:
    """The colours `text` names, if it reads as a style (every word a style word); none else."""
    found = []
    for word in text.split():
        if NOT_COLOURS.fullmatch(word):
            continue
        try:
            if not Color.parse(word).is_default:
                found.append(word)
        except ColorParseError:
            return []  # a word that is no style: prose, a state, a key
    return found


def iterated(tree: ast.AST) -> set[int]:
    """Strings a loop walks over are data (the deployment's sides are blue and green)."""
    loops = [n.iter for n in ast.walk(tree) if isinstance(n, ast.For | ast.comprehension)]
    return {id(c) for loop in loops for c in ast.walk(loop) if isinstance(c, ast.Constant)}


def hard_coded(source: str) -> list[tuple[int, str]]:
    tree = ast.parse(source)
    data = iterated(tree)
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in data
        and named_colours(node.value)
    ]


def test_the_check_finds_the_colours_the_ui_used_to_name():
    source = 'X = {"OK": "bold green"}\nText("!", style="black on yellow")\nY = "#ff0000"\n'
    assert sorted(line for line, _ in hard_coded(source)) == [1, 2, 3]
    loop = 'for side in ("blue", "green"):\n    Text("ok", style="$text-success on $panel")\n'
    assert hard_coded(loop) == []


@pytest.mark.parametrize("path", sorted(UI.rglob("*.py")), ids=lambda p: str(p.relative_to(UI)))
def test_no_python_module_of_the_ui_names_a_colour(path):
    assert hard_coded(path.read_text()) == []


@pytest.mark.parametrize("path", sorted(UI.rglob("*.tcss")), ids=lambda p: p.name)
def test_the_stylesheets_colour_from_the_theme(path):
    """Colours in CSS are the theme's variables too: no #hex, no rgb(), no named colour."""
    named = []
    for value in re.findall(
        r":\s*([^;{}]+);", re.sub(r"/\*.*?\*/", "", path.read_text(), flags=re.S)
    ):
        for word in value.split():
            if word.startswith(("#", "rgb", "hsl")):
                named.append(word)
            elif not word.startswith("$") and word.replace("_", "").isalpha():
                try:
                    CssColor.parse(word)
                except Exception:
                    continue
                named.append(word)
    assert named == []
