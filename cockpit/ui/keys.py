"""Every binding with an id, so `?` can list them and the config can remap them."""

from __future__ import annotations

from textual.binding import Binding


def all_bindings() -> list[Binding]:
    from cockpit.ui.app import CockpitApp
    from cockpit.ui.screens.confirm import Confirm
    from cockpit.ui.screens.help import HelpScreen
    from cockpit.ui.screens.item import ItemScreen
    from cockpit.ui.screens.prompt import Prompt
    from cockpit.ui.widgets.checklist_pane import ChecklistPane
    from cockpit.ui.widgets.rows_pane import RowsPane

    out: dict[str, Binding] = {}
    for owner in (CockpitApp, RowsPane, ChecklistPane, Prompt, Confirm, HelpScreen, ItemScreen):
        for binding in owner.BINDINGS:
            if isinstance(binding, Binding) and binding.id and binding.id not in out:
                out[binding.id] = binding
    return list(out.values())


def binding_ids() -> set[str]:
    return {b.id for b in all_bindings() if b.id}
