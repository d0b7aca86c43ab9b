"""The pane registry: every kind a layout may name has its widget, and nothing else."""

from typing import get_args

from cockpit.model.layout import PaneKind
from cockpit.ui.panes import PANES


def test_every_kind_a_layout_may_name_is_built_and_no_other():
    assert set(PANES) == set(get_args(PaneKind))
