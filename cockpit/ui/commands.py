"""The `:` command palette: every cockpit action by name, for when a key is forgotten.

Only the cockpit's: Textual's own (Quit without asking or `session.end`, Screenshot,
Theme, Maximize) are not offered. A command with a key runs its key's action through
`run_action`, as the key does — `check_action` decides for both — and read-only mode does
not offer the mutating ones at all, as it does not offer their keys."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

#: (name, the binding's action, its id) — each as its key runs it
KEYED = (
    ("Help: list every key", "help", "help"),
    ("Filter items of this pane", "filter", "filter"),
    ("Clear the filter", "clear_filter", "clear-filter"),
    ("Why: the verdict's evidence", "why", "why"),
    ("Quit (asks first)", "quit_confirm", "quit"),
    ("Cancel the running action (asks why)", "cancel_action", "cancel-action"),
)
#: the same, for the moves that change the world: never in read-only mode
MUTATING = (
    ("Cutover: blue → green (preview first)", "cutover", "cutover"),
    ("Rollback (preview first)", "rollback", "rollback"),
    ("Backup the database (preview first)", "backup", "backup"),
    ("Approve another operator's plan", "approve", "approve"),
)


class CockpitCommands(Provider):
    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        app = self.app
        keys = {binding_id: shown for shown, _description, binding_id in app.key_rows()}
        keyed = KEYED if app.session.read_only else KEYED + MUTATING
        commands: list[tuple[str, Callable[[], object], str]] = [
            (name, partial(app.run_action, action), keys.get(binding_id, ""))
            for name, action, binding_id in keyed
        ]
        commands += [
            ("Fold all sections", partial(app.fold_all, True), ""),
            ("Unfold all sections", partial(app.fold_all, False), ""),
        ]
        if not app.session.read_only:
            commands += [
                ("Take over a stale window lock (asks why)", app.take_over_lock, ""),
                ("Restore test: newest backup into a scratch database", app.restore_test, ""),
                (
                    "Go on without approval (emergency, asks a reason)",
                    app.go_on_without_approval,
                    "",
                ),
            ]
        for pane_id, spec in app.pane_specs():
            commands.append(
                (f"Go to pane: {spec.title or pane_id}", partial(app.focus_pane, pane_id), "tab")
            )
        return commands

    async def discover(self) -> Hits:
        for name, callback, key in self._commands():
            yield DiscoveryHit(Content(name), callback, help=key)  # pane titles: no markup

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, key in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=key)
