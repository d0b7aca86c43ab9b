"""Colour from the running app's theme, for text that Python builds span by span.

A widget or label that shows one state as a whole sets a CSS class (`-error`) and the
stylesheet colours it. Rich Text with several coloured spans (a preview, a verdict beside
a number) cannot: its spans need Rich styles. `look` makes one from Textual style text
over the theme's variables — `"bold $text-error"`, the colour Textual's Toast gives its
error text — so a light theme, another dark one and NO_COLOR all stay readable. Colour
never carries a meaning alone: the marks and words beside it (✔ ✗ ? HOLD) do.
"""

from __future__ import annotations

from rich.style import Style
from textual.css.errors import UnresolvedVariableError
from textual.markup import parse_style
from textual.style import Style as VisualStyle
from textual.theme import BUILTIN_THEMES

#: text in a state's colour, readable on the theme's background (as Textual's Toast)
SUCCESS, WARNING, ERROR = "$text-success", "$text-warning", "$text-error"
#: the same, in bold: a verdict that stops (ROLLBACK, Fail) or holds (HOLD, Marginal)
ALARM, CAUTION = f"bold {ERROR}", f"bold {WARNING}"
#: a badge: the theme's text on the state's colour
ON_SUCCESS, ON_WARNING, ON_ERROR = "$text on $success", "$text on $warning", "$text on $error"
#: a check's mark and its style: passed, failed, unknown (preconditions, gate criteria)
PASSED_MARK, FAILED_MARK, UNKNOWN_MARK = ("✔", SUCCESS), ("✗", ALARM), ("?", WARNING)

#: without a running app (a unit test, `rich.print`) there is no theme to follow
_OUTSIDE = BUILTIN_THEMES["textual-dark"].to_color_system().generate()


def look(style: str) -> Style:
    """Textual style text as a Rich style, in the theme the app shows now (Textual caches
    the parse per theme and drops it when the theme changes)."""
    try:
        return VisualStyle.parse(style).rich_style
    except UnresolvedVariableError:  # outside an app only: there, every variable is known
        return parse_style(style, _OUTSIDE).rich_style
