"""The `:` command palette: every cockpit action by name, for when a key is forgotten."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content


class CockpitCommands(Provider):
    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        app = self.app
        commands: list[tuple[str, Callable[[], object], str]] = [
            ("Help: list every key", app.action_help, "?"),
            ("Filter items of this pane", app.action_filter, "/"),
            ("Clear the filter", app.action_clear_filter, "esc"),
            ("Fold all sections", partial(app.fold_all, True), ""),
            ("Unfold all sections", partial(app.fold_all, False), ""),
            ("Quit", app.action_quit_confirm, "q"),
            ("Take over a stale window lock", app.take_over_lock, ""),
        ]
        if not app.session.read_only:
            commands.append(
                ("Restore test: newest backup into a scratch database", app.restore_test, "")
            )
            emergency = "Go on without approval (emergency, asks a reason)"
            commands.append((emergency, app.go_on_without_approval, ""))
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
