"""Every binding with an id, so `?` can list them and the config can remap them.

Found in the classes themselves — every App, Screen and Widget that a `cockpit.ui` module
defines — not in a list kept by hand, which forgot the pods pane's sort key once.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from textual.app import App
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.screen import Screen


@cache
def cockpit_classes() -> tuple[type[DOMNode], ...]:
    """Each DOM class defined in `cockpit.ui`, importing every module of it (once)."""
    import cockpit.ui

    found: list[type[DOMNode]] = []
    for info in pkgutil.walk_packages(cockpit.ui.__path__, "cockpit.ui."):
        module = importlib.import_module(info.name)
        found += [
            obj
            for obj in vars(module).values()
            if isinstance(obj, type) and issubclass(obj, DOMNode) and obj.__module__ == info.name
        ]
    return tuple(found)


def own_bindings(cls: type[DOMNode]) -> list[BindingType]:
    """The bindings `cls` declares itself; Textual merges the inherited ones at run time."""
    return list(vars(cls).get("BINDINGS", ()))


def binding_owners(app: type[App] | None = None) -> list[type[DOMNode]]:
    """The classes whose bindings `app` answers to, in the order `?` lists them: the app
    (and the cockpit apps it extends), then the panes (base before subclass), then the
    screens. Other apps' bindings are theirs: `cockpit run` never sees the replay's."""
    if app is None:
        from cockpit.ui.app import CockpitApp

        app = CockpitApp
    classes = cockpit_classes()
    apps = [cls for cls in app.__mro__ if cls in classes]
    widgets = [c for c in classes if not issubclass(c, (App, Screen))]
    screens = [c for c in classes if issubclass(c, Screen)]
    return apps + sorted(widgets, key=lambda c: len(c.__mro__)) + screens


def all_bindings(app: type[App] | None = None) -> list[Binding]:
    """Every binding with an id that `app` (default: the cockpit) answers to, once each."""
    out: dict[str, Binding] = {}
    for owner in binding_owners(app):
        for binding in own_bindings(owner):
            if isinstance(binding, Binding) and binding.id and binding.id not in out:
                out[binding.id] = binding
    return list(out.values())


def binding_ids(app: type[App] | None = None) -> set[str]:
    """The ids the config's `keys:` may name."""
    return {b.id for b in all_bindings(app) if b.id}
