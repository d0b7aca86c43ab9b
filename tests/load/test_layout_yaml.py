from pathlib import Path

import pytest

from cockpit.load.errors import LoadError
from cockpit.load.layout_yaml import parse_layout
from cockpit.load.workspace import open_layout

LAYOUTS = Path(__file__).resolve().parents[2] / "layouts"
GOOD = """\
title: t
checklists: {plan: deployment-plan}
queries: {p95: "histogram_quantile(0.95, x)"}
rows:
  - panes:
      - {id: tl, kind: timeline, checklist: plan}
      - {kind: metric, query: p95, metric: p95_latency}
"""


@pytest.mark.parametrize("name", ["go-live", "pre-deployment", "compact", "compact-pre-deployment"])
def test_shipped_layouts_open_with_their_checklists(name):
    workspace = open_layout(name)
    assert set(workspace.runbooks) == set(workspace.layout.checklists)
    assert workspace.layout_path.read_bytes() == (LAYOUTS / f"{name}.yaml").read_bytes()


def test_go_live_names_the_panes_of_the_window():
    layout = open_layout("go-live").layout
    kinds = {(p.kind, p.metric) for p in layout.panes()}
    assert {("timeline", None), ("checklist", None), ("pods", None)} <= kinds
    assert {
        ("metric", "p95_latency"),
        ("metric", "error_rate"),
        ("metric", "sse_connections"),
    } <= kinds
    assert layout.compact == "compact" and layout.banner


def test_pane_ids_default_to_kind_and_position():
    assert parse_layout(GOOD, "l.yaml").pane_ids() == ["tl", "metric-2"]


def problems(text: str) -> list[tuple[int, int, str]]:
    with pytest.raises(LoadError) as caught:
        parse_layout(text, "l.yaml")
    return [(p.line, p.col, p.message) for p in caught.value.problems]


def test_references_and_kinds_are_checked_where_written():
    text = GOOD.replace("checklist: plan}", "checklist: nope}").replace("query: p95", "query: p99")
    got = problems(text)
    assert got[0][:2] == (6, 45) and "no checklist named 'nope'" in got[0][2]
    assert got[1][:2] == (7, 31) and "no query named 'p99'" in got[1][2]


def test_schema_errors_are_all_reported():
    text = GOOD.replace("kind: timeline", "kind: graph").replace(
        "rows:", "rows:\n  - height: tall\n    panes: []"
    )
    got = problems(text)
    messages = " | ".join(m for _, _, m in got)
    assert "height" in messages and "panes" in messages and "graph" in messages
    assert len(got) >= 3


def test_a_pane_needs_what_its_kind_needs():
    got = problems(
        GOOD.replace("{id: tl, kind: timeline, checklist: plan}", "{id: tl, kind: timeline}")
    )
    assert got[0][0] == 6 and "needs 'checklist'" in got[0][2]


def test_duplicate_pane_ids():
    got = problems(GOOD.replace("{kind: metric", "{id: tl, kind: metric"))
    assert got[0][:2] == (7, 14) and "duplicate pane id 'tl'" in got[0][2]


def test_missing_checklist_file_is_located_in_the_layout(tmp_path):
    layout = tmp_path / "mine.yaml"
    layout.write_text(GOOD.replace("plan: deployment-plan", "plan: no-such-runbook"))
    with pytest.raises(LoadError) as caught:
        open_layout(str(layout))
    problem = caught.value.problems[0]
    assert (problem.line, problem.col) == (
        2,
        20,
    ) and "no checklist 'no-such-runbook'" in problem.message


@pytest.mark.parametrize(
    ("pane", "where", "message"),
    [
        ("{kind: gate, checklist: plan, gate: nope}", (7, 45), "has no gate 'nope'"),
        ("{kind: gate, checklist: check}", (7, 16), "has no gates"),
    ],
)
def test_a_gate_pane_needs_a_gate_in_its_checklist(tmp_path, pane, where, message):
    layout = tmp_path / "gate.yaml"
    text = GOOD.replace(
        "{plan: deployment-plan}", "{plan: deployment-plan, check: pre-deployment-check}"
    )
    layout.write_text(text.replace("{kind: metric, query: p95, metric: p95_latency}", pane))
    with pytest.raises(LoadError) as caught:
        open_layout(str(layout))
    (problem,) = caught.value.problems
    assert (problem.line, problem.col) == where and message in problem.message


def test_the_go_live_gate_is_the_plans_11_00_decision():
    workspace = open_layout("go-live")
    (spec,) = [p for p in workspace.layout.panes() if p.kind == "gate"]
    gate = workspace.runbooks[spec.checklist].gate(spec.gate)
    assert gate.section == "timeline/t-0-deployment-tag/11-00-go-no-go-decision"
    assert [c.name for c in gate.criteria] == [
        "Staging-Tests passing",
        "Database-Migration successful",
        "No critical bugs",
        "On-Call-Team ready",
    ]
