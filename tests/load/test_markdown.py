"""Markdown runbooks → the model: the five in runbooks/, and small constructed runbooks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import time, timedelta
from pathlib import Path
from typing import Any

import pytest

from cockpit.load.errors import LoadError
from cockpit.load.files import load_runbook
from cockpit.load.markdown import parse_markdown
from cockpit.model.checklist import Item, Runbook, Section

#: name → (items, done) counted over nested items too
COUNTS = {
    "pre-deployment-check": (102, 11),
    "deployment-plan": (57, 0),
    "go-live-checklist": (196, 0),
    "pre-go-live-checklist": (69, 0),
    "deployment-plan-v1": (14, 0),
}
MOJIBAKE = ("Ã", "â€", "âœ", "ðŸ", "\ufffd")


@pytest.fixture(scope="module")
def runbooks(runbook_files: dict[str, Path]) -> dict[str, Runbook]:
    return {name: load_runbook(path) for name, path in runbook_files.items()}


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, sub in value.items():
            yield str(key)
            yield from _strings(sub)
    elif isinstance(value, list):
        for sub in value:
            yield from _strings(sub)


def _all_text(runbook: Runbook) -> list[str]:
    return list(_strings(runbook.model_dump(mode="json")))


def _item(runbook: Runbook, text: str) -> Item:
    found = [i for i in runbook.walk_items() if i.text == text]
    assert len(found) == 1, f"{text!r}: {len(found)} items"
    return found[0]


def _section(runbook: Runbook, title: str) -> Section:
    found = [s for s in runbook.walk_sections() if s.title == title]
    assert len(found) == 1, f"{title!r}: {len(found)} sections"
    return found[0]


# --- the runbooks in runbooks/ --------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(COUNTS))
def test_runbook_counts(runbooks, name):
    items, done, _sections = runbooks[name].summary()
    assert (items, done) == COUNTS[name]


@pytest.mark.parametrize("name", sorted(COUNTS))
def test_runbook_ids_are_unique(runbooks, name):
    runbook = runbooks[name]
    ids = [i.id for i in runbook.walk_items()] + [s.id for s in runbook.walk_sections()]
    assert len(ids) == len(set(ids))


def test_runbook_titles(runbooks):
    assert runbooks["pre-deployment-check"].title == "Pre-Deployment-Check für VALEO-NeuroERP 3.0"
    assert runbooks["deployment-plan"].title == "VALEO-NeuroERP 3.0 - Deployment-Plan"
    assert runbooks["go-live-checklist"].title == "VALEO-NeuroERP Go-Live Checklist"
    assert runbooks["deployment-plan-v1"].title == "Deployment-Plan: VALERO-NeuroERP v1.0.0"


def test_nested_items(runbooks):
    postgres = _item(runbooks["go-live-checklist"], "**PostgreSQL Database**")
    assert len(postgres.items) == 5
    assert postgres.items[0].text == "Production database provisioned"
    assert postgres.items[0].id == (
        "phase-1-pre-deployment/infrastructure/postgresql-database/production-database-provisioned"
    )
    migrations = _item(runbooks["pre-deployment-check"], "4 Migrations angewendet:")
    assert [i.text for i in migrations.items] == [
        "001_add_documents_tables",
        "002_add_workflow_tables",
        "003_add_archive_table",
        "004_add_numbering_table",
    ]


@pytest.mark.parametrize("name", sorted(COUNTS))
def test_no_mojibake_left_in_any_text(runbooks, name):
    for text in _all_text(runbooks[name]):
        for bad in MOJIBAKE:
            assert bad not in text, f"{bad!r} in {text!r}"


def test_two_runbooks_are_kept_double_encoded(runbook_files):
    """The repair tests above mean something only while the files still need repairing."""
    broken = {
        name
        for name, path in runbook_files.items()
        if "Ã¼".encode() in path.read_bytes() and "âœ…".encode() in path.read_bytes()
    }
    assert broken == {"pre-deployment-check", "deployment-plan"}


def test_mojibake_repaired_in_code_titles_and_details(runbooks):
    pre = runbooks["pre-deployment-check"]
    setup = _section(pre, "2.1 PostgreSQL-Setup")
    assert any("# Prüfe PostgreSQL-Verbindung" in block.code for block in setup.context)
    assert _section(pre, "1.1 Code-Qualität").id == "phase-1-code-build/1-1-code-qualitaet"
    tests = _item(pre, "**Alle Tests passing**")
    assert tests.done is True
    assert tests.details[0] == "Unit-Tests: ✅"
    assert _item(pre, "PostgreSQL läuft (Version ≥ 14)")
    assert _section(pre, "8.4 Cutover (Blue → Green)")
    plan = runbooks["deployment-plan"]
    assert _item(plan, "Smoke-Tests durchführen").id.endswith("/smoke-tests-durchfuehren")


def test_code_block_context(runbooks):
    deploy = _item(runbooks["go-live-checklist"], "**Deploy to Staging**")
    assert [block.lang for block in deploy.context] == ["bash"]
    assert "helm upgrade --install valeo-erp-staging" in deploy.context[0].code
    assert deploy.context[0].code.endswith("--wait")
    cutover = _section(runbooks["pre-deployment-check"], "8.4 Cutover (Blue → Green)")
    code = "\n".join(block.code for block in cutover.context)
    assert "kubectl patch service valeo-erp -n production" in code
    assert """'{"spec":{"selector":{"version":"green"}}}'""" in code
    assert "# Wenn Green OK → Cutover Traffic" in code


def test_roles(runbooks):
    signers = {
        i.text: i.role for i in runbooks["pre-deployment-check"].walk_items() if i.role is not None
    }
    assert signers == {
        "Technical Lead: _______________": "Technical Lead",
        "Business Owner: _______________": "Business Owner",
        "Security Officer: _______________": "Security Officer",
        "Data Protection Officer: _______________": "Data Protection Officer",
    }
    roles = [i.role for i in runbooks["pre-go-live-checklist"].walk_items() if i.role]
    assert roles == ["DevOps-Team", "Security-Team", "Product Owner", "Operations"]


def test_deployment_plan_timeline(runbooks):
    steps = [
        (str(s.at), str(s.until) if s.until else None, s.title)
        for s in runbooks["deployment-plan"].timeline
    ]
    assert steps == [
        ("T-7d", None, "T-7 Tage: Vorbereitung"),
        ("T-3d", None, "T-3 Tage: Staging-Deployment"),
        ("T-1d", None, "T-1 Tag: Final-Check"),
        ("08:00", None, "Vorbereitung"),
        ("09:00", None, "Database-Migration"),
        ("10:00", None, "Staging-Deploy (Final Test)"),
        ("10:30", None, "Smoke-Tests auf Staging"),
        ("11:00", None, "Go/No-Go-Decision"),
        ("11:30", None, "Production-Deploy (Blue-Green)"),
        ("12:00", None, "Cutover Traffic"),
        ("12:00", "13:00", "Monitor"),
        ("13:00", None, "Cleanup Blue"),
        ("14:00", None, "Post-Deployment-Verification"),
        ("15:00", None, "Sign-Off & Communication"),
    ]


def test_timeline_steps_point_at_their_sections(runbooks):
    plan = runbooks["deployment-plan"]
    sections = {s.id: s for s in plan.walk_sections()}
    for step in plan.timeline:
        assert step.section in sections
    cutover = next(s for s in plan.timeline if s.title == "Cutover Traffic")
    assert sections[cutover.section].title == "11:30 - Production-Deploy (Blue-Green)"
    assert cutover.at.at == time(12, 0)


def test_a_step_that_names_the_cutover_is_done_by_the_cutover_action(runbooks):
    actions = {s.title: s.action for s in runbooks["deployment-plan"].timeline if s.action}
    assert actions == {"Cutover Traffic": "cutover"}


def test_items_under_a_time_heading_are_due_then(runbooks):
    plan = runbooks["deployment-plan"]
    section = _section(plan, "14:00 - Post-Deployment-Verification")
    assert section.items[0].text == "All services running"
    assert len(section.items) == 5
    assert {str(i.due) for i in section.items} == {"14:00"}
    assert {str(i.due) for i in _section(plan, "T-3 Tage: Staging-Deployment").items} == {"T-3d"}
    assert _item(plan, "Backup erstellen").due is not None
    assert str(_item(plan, "Backup erstellen").due) == "T-1d"
    assert _item(plan, "Deployment-Report erstellen").due is None  # not in the timeline


def test_critical_items(runbooks):
    plan = runbooks["deployment-plan"]
    critical = [i.text for i in plan.walk_items() if i.critical]
    assert critical == [
        "Error-Rate < 1%",
        "P95-Latency < 500ms",
        "SSE-Connections: 100+ aktiv",
        "Memory-Usage: < 1 GB pro Pod",
        "CPU-Usage: < 50%",
    ]


def test_rollback_triggers(runbooks):
    triggers = {r.name: r for r in runbooks["deployment-plan"].rollback_triggers}
    assert list(triggers) == [
        "Error-Rate > 5%",
        "P95-Latency > 2000ms",
        "Critical Bug (Data-Loss, Security)",
        "Service Down > 5 Minuten",
    ]
    error_rate = triggers["Error-Rate > 5%"]
    assert error_rate.metric == "error_rate"
    assert str(error_rate.condition) == "> 5%"
    assert error_rate.condition.value == pytest.approx(0.05)
    p95 = triggers["P95-Latency > 2000ms"]
    assert p95.metric == "p95_latency"
    assert str(p95.condition) == "> 2000ms"
    assert p95.condition.value == pytest.approx(2.0)
    down = triggers["Service Down > 5 Minuten"]
    assert down.metric == "up"
    assert str(down.condition) == "== 0"
    assert down.for_ == timedelta(minutes=5)
    assert triggers["Critical Bug (Data-Loss, Security)"].manual


def test_rollback_triggers_under_when_to_rollback(runbooks):
    triggers = runbooks["pre-deployment-check"].rollback_triggers
    assert [(r.name, r.metric) for r in triggers] == [
        ("Error-Rate > 5%", "error_rate"),
        ("P95-Latency > 2000ms", "p95_latency"),
        ("Critical Bug entdeckt", None),
        ("Data-Loss festgestellt", None),
    ]
    assert runbooks["pre-deployment-check"].success == []


def test_success_rules(runbooks):
    success = {r.name: r for r in runbooks["deployment-plan"].success}
    assert len(success) == 14
    pods = success["All pods running (3/3)"]
    assert (pods.metric, str(pods.condition)) == ("pods_ready", "ready == desired")
    error_rate = success["Error-Rate < 1%"]
    assert (error_rate.metric, str(error_rate.condition)) == ("error_rate", "< 1%")
    assert error_rate.condition.value == pytest.approx(0.01)
    latency = success["P95-Latency < 500ms"]
    assert latency.condition.holds(0.4) and not latency.condition.holds(0.6)
    assert success["Backups working"].manual
    german = [r.name for r in runbooks["deployment-plan-v1"].success]
    assert german[0] == "Alle Services in der Produktivumgebung stabil laufen"
    assert len(german) == 5


def test_metadata(runbooks):
    pre = runbooks["pre-deployment-check"]
    assert (pre.version, pre.environment, pre.date) == ("3.0.0", "Production", "2025-10-09")
    assert pre.meta == {}
    plan = runbooks["deployment-plan"]
    assert plan.version == "3.0.0"
    assert plan.meta == {
        "Deployment-Datum": "[TBD]",
        "Deployment-Fenster": "[TBD] - [TBD]",
        "Deployment-Typ": "Blue-Green mit Zero-Downtime",
    }
    assert runbooks["go-live-checklist"].version is None


def test_groups_of_task_items_become_sections(runbooks):
    v1 = runbooks["deployment-plan-v1"]
    groups = _section(v1, "Go-Live-Checkliste").sections
    assert [g.title for g in groups] == [
        "Systemüberprüfung",
        "Performance-Überprüfung",
        "Sicherheitsüberprüfung",
        "Betriebsbereitschaft",
    ]
    assert groups[0].id == "go-live-checkliste/systemueberpruefung"
    assert [len(g.items) for g in groups] == [4, 3, 3, 4]


# --- constructed runbooks -------------------------------------------------------------------


def test_task_syntax_inside_fenced_code_is_not_an_item():
    runbook = parse_markdown(
        "# Runbook\n\n"
        "## Deploy\n\n"
        "```markdown\n- [ ] not an item\n- [x] nor this\n```\n\n"
        "~~~\n* [ ] tilde fence\n~~~\n\n"
        "- [ ] real item\n"
        "  ```bash\n  - [ ] inside the item's code\n  ```\n",
        "r.md",
    )
    assert [i.text for i in runbook.walk_items()] == ["real item"]
    section = runbook.sections[0]
    assert [b.lang for b in section.context] == ["markdown", ""]
    assert runbook.sections[0].items[0].context[0].code == "- [ ] inside the item's code"


def test_all_list_markers_count():
    runbook = parse_markdown(
        "# R\n\n- [ ] dash\n\n* [ ] star\n\n+ [X] plus upper\n\n"
        "1. [ ] ordered\n2. [x] ordered done\n\n3) [ ] paren\n",
        "r.md",
    )
    assert [(i.text, i.done) for i in runbook.walk_items()] == [
        ("dash", False),
        ("star", False),
        ("plus upper", True),
        ("ordered", False),
        ("ordered done", True),
        ("paren", False),
    ]
    assert runbook.summary() == (6, 2, 1)


def test_not_task_items():
    runbook = parse_markdown(
        "# R\n\n- [ ] real\n- [] no space\n- [y] other mark\n- [ ]\n- plain bullet\n", "r.md"
    )
    assert [i.text for i in runbook.walk_items()] == ["real"]
    assert runbook.sections[0].items[0].details == []
    assert runbook.sections[0].notes == ["[] no space", "[y] other mark", "[ ]", "plain bullet"]


def test_nesting_by_indentation_and_details():
    runbook = parse_markdown(
        "# R\n\n## S\n\n"
        "- [ ] parent\n"
        "  continued on the next line\n"
        "  - [x] child\n"
        "    - [ ] grandchild\n"
        "  - a detail\n"
        "- [ ] sibling\n",
        "r.md",
    )
    parent, sibling = runbook.sections[0].items
    assert parent.text == "parent continued on the next line"
    assert [c.text for c in parent.items] == ["child"]
    assert parent.items[0].done
    assert parent.items[0].items[0].id == "s/parent-continued-on-the-next-line/child/grandchild"
    assert parent.details == ["a detail"]
    assert sibling.id == "s/sibling"
    assert runbook.summary() == (4, 1, 1)


def test_roles_from_constructed_items():
    runbook = parse_markdown(
        "# R\n\n## Sign-Off\n\n"
        "- [ ] Technical Lead: ____\n"
        "- [ ] **Business Owner**: _______________\n"
        "- [ ] **Security Officer:** _______________\n"
        "- [ ] Technical Lead approves: the plan\n"
        "- [ ] Ticket: __init__\n",
        "r.md",
    )
    assert [i.role for i in runbook.walk_items()] == [
        "Technical Lead",
        "Business Owner",
        "Security Officer",
        None,
        None,
    ]


def test_day_and_time_headings():
    runbook = parse_markdown(
        "# R\n\n## T-2 Tage: Vorbereitung\n\n- [ ] a\n\n"
        "## T-0\n\n### 09:00 - Start\n\n- [ ] b\n\n### 10:00–11:30: Rollout\n\n- [ ] c\n\n"
        "**Step 1: Verify (10:15)**\n\n",
        "r.md",
    )
    steps = [(str(s.at), str(s.until) if s.until else None, s.title) for s in runbook.timeline]
    assert steps == [
        ("T-2d", None, "T-2 Tage: Vorbereitung"),
        ("09:00", None, "Start"),
        ("10:00", "11:30", "Rollout"),
        ("10:15", None, "Verify"),
    ]
    assert [str(i.due) for i in runbook.walk_items()] == ["T-2d", "09:00", "10:00"]


def test_time_headings_without_a_day_are_not_timeline():
    runbook = parse_markdown("# R\n\n## 08:00 - Start\n\n- [ ] a\n", "r.md")
    assert runbook.timeline == []
    assert runbook.sections[0].items[0].due is None


def test_a_clock_that_is_no_time_does_not_break_the_import():
    runbook = parse_markdown(
        "# R\n\n## T-0\n\n### 24:00 - Abschluss\n\n- [ ] a\n\n**Step 9: Party (25:00)**\n",
        "r.md",
    )
    assert runbook.timeline == []
    assert runbook.summary() == (1, 0, 2)


def test_a_window_over_midnight_ends_the_next_day():
    runbook = parse_markdown(
        "# R\n\n## T-1 Tag\n\n### 23:00 - 01:00 - Wartungsfenster\n\n- [ ] a\n", "r.md"
    )
    window = runbook.timeline[1]
    assert (str(window.at), str(window.until)) == ("T-1d 23:00", "01:00")
    assert window.until.sort_key > window.at.sort_key


def test_rules_from_constructed_runbook():
    runbook = parse_markdown(
        "# R\n\n- [ ] item\n\n## Rollback-Trigger\n\n"
        "- Fehlerrate ≥ 2,5%\n- Service down > 90s\n- ✅\n- Pods ready\n- Service Down > 1%\n\n"
        "## Erfolgskriterien\n\n1. p95 ≤ 300 ms\n",
        "r.md",
    )
    triggers = [
        (r.name, r.metric, r.condition and str(r.condition)) for r in runbook.rollback_triggers
    ]
    assert triggers == [
        ("Fehlerrate ≥ 2,5%", "error_rate", ">= 2.5%"),
        ("Service down > 90s", "up", "== 0"),
        ("✅", None, None),
        ("Pods ready", "pods_ready", "ready == desired"),
        ("Service Down > 1%", None, None),  # a percentage is no duration: a person decides
    ]
    assert runbook.rollback_triggers[1].for_ == timedelta(seconds=90)
    assert [(r.metric, str(r.condition)) for r in runbook.success] == [("p95_latency", "<= 300ms")]


def test_metadata_before_the_first_section():
    runbook = parse_markdown(
        "# Title\n\n**Version:** 1.2  \n**Umgebung:** Staging\n**Owner:** Platform\n\nFree note\n\n"
        "## S\n\n- [ ] a\n",
        "r.md",
    )
    assert (runbook.version, runbook.environment) == ("1.2", "Staging")
    assert runbook.meta == {"Owner": "Platform"}
    assert runbook.notes == ["Free note"]


def test_items_before_any_heading_get_a_section():
    runbook = parse_markdown("- [ ] first\n- [x] second\n", "plan.md")
    assert runbook.title == "plan"
    assert [s.id for s in runbook.sections] == ["plan"]
    assert [i.id for i in runbook.walk_items()] == ["plan/first", "plan/second"]


def test_mojibake_is_repaired_on_import():
    broken = "# PrÃ¼fung\n\n## âœ… Phase 1\n\n- [ ] Daten-IntegritÃ¤t verifiziert\n"
    runbook = parse_markdown(broken, "r.md")
    assert runbook.title == "Prüfung"
    assert runbook.sections[0].title == "✅ Phase 1"
    assert runbook.sections[0].items[0].text == "Daten-Integrität verifiziert"


@pytest.mark.parametrize(
    "text",
    ["", "# Only a title\n", "# R\n\n- plain\n- bullets\n", "```\n- [ ] fenced\n```\n", "\n\n"],
)
def test_no_task_items_is_a_located_error(text):
    with pytest.raises(LoadError) as info:
        parse_markdown(text, "empty.md")
    [problem] = info.value.problems
    assert (problem.path, problem.line, problem.col) == ("empty.md", 1, 1)
    assert "no task-list items" in problem.message
    assert str(problem).startswith("empty.md:1:1: ")


def test_runbook_without_task_items_from_file(tmp_path):
    path = tmp_path / "notes.md"
    path.write_text("# Notes\n\nNothing to tick here.\n", encoding="utf-8")
    with pytest.raises(LoadError) as info:
        load_runbook(path)
    assert [(p.line, p.col) for p in info.value.problems] == [(1, 1)]


def test_invalid_utf8_is_located(tmp_path):
    path = tmp_path / "bad.md"
    path.write_bytes(b"# R\n\n- [ ] fine\n- [ ] b\xffd byte\n")
    with pytest.raises(LoadError) as info:
        load_runbook(path)
    [problem] = info.value.problems
    assert (problem.line, problem.col) == (4, 8)
    assert "UTF-8" in problem.message and "0xff" in problem.message


def test_invalid_utf8_in_a_runbook_is_located(tmp_path, runbook_files):
    lines = runbook_files["go-live-checklist"].read_bytes().split(b"\n")
    lines[99] = b"- [ ] \xc3\x28 broken"  # a lead byte followed by ASCII
    path = tmp_path / "go-live.md"
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(LoadError) as info:
        load_runbook(path)
    assert [(p.line, p.col) for p in info.value.problems] == [(100, 7)]


def test_bom_and_crlf_do_not_change_the_import(tmp_path, runbook_files, runbooks):
    raw = runbook_files["pre-deployment-check"].read_bytes()
    path = tmp_path / "crlf.md"
    path.write_bytes(b"\xef\xbb\xbf" + raw.replace(b"\n", b"\r\n"))
    assert load_runbook(path) == runbooks["pre-deployment-check"]


def test_nul_byte_is_rejected(tmp_path):
    path = tmp_path / "binary.md"
    path.write_bytes(b"# R\n- [ ] a\n\x00\x01")
    with pytest.raises(LoadError) as info:
        load_runbook(path)
    assert [(p.line, p.col) for p in info.value.problems] == [(3, 1)]


def test_decision_criteria_become_a_gate_of_items(runbooks):
    plan = runbooks["deployment-plan"]
    (gate,) = plan.gates
    section = "timeline/t-0-deployment-tag/11-00-go-no-go-decision"
    assert (gate.id, gate.title, gate.section) == (
        "11-00-go-no-go-decision",
        "11:00 - Go/No-Go-Decision",
        section,
    )
    items = {i.id: i.text for i in plan.section(section).items}
    assert list(items.values()) == [
        "Staging-Tests passing",
        "Database-Migration successful",
        "No critical bugs",
        "On-Call-Team ready",
    ]
    assert [c.requires for c in gate.criteria] == [[i] for i in items]
    assert "**Decision Criteria:**" in plan.section(section).notes


RAW_CONTROLS = ("\x1b", "\x07", "\x9b", "\u202e")


def test_escape_sequences_in_a_runbook_are_shown_not_obeyed(tmp_path):
    path = tmp_path / "runbook.md"
    path.write_text(
        "# Go-live \x1b]0;owned\x07\n\n"
        "## Phase \u202e1\n\n"
        "```bash\nprintf '\x1b]52;c;ZXZpbA==\x07'\n```\n\n"
        "- [ ] Deploy \x1b]0;pwned\x07 green\n"
        "  - [ ] clear the screen \x1b[2J\x9bH\n",
        encoding="utf-8",
    )
    runbook = load_runbook(path)
    assert runbook.title == "Go-live ␛]0;owned␇"
    assert _section(runbook, "Phase <U+202E>1").context[0].code == "printf '␛]52;c;ZXZpbA==␇'"
    # the 8-bit CSI is repaired as mojibake (cp1252 "›") before the model sees it
    nested = _item(runbook, "Deploy ␛]0;pwned␇ green").items[0]
    assert nested.text.startswith("clear the screen ␛[2J")
    assert not [s for s in _all_text(runbook) if any(c in s for c in RAW_CONTROLS)]


#: each seed runbook's sign-off: (where the roles stand, the roles in order); German and
#: English, two of them double-encoded ("âœ… Sign-Off" in the file)
SIGN_OFFS = {
    "deployment-plan": [
        ("✅ Sign-Off", ["Technical Lead", "Business Owner", "On-Call-Lead", "Security Officer"])
    ],
    "pre-deployment-check": [
        (
            "✅ Sign-Off",
            ["Technical Lead", "Business Owner", "Security Officer", "Data Protection Officer"],
        )
    ],
    "go-live-checklist": [
        (
            "**Stakeholder Sign-Off**",
            ["Business Owner", "IT Manager", "Security Officer", "Data Protection Officer"],
        ),
        ("Sign-Off", ["Project Manager", "Technical Lead", "Business Owner"]),
    ],
    "pre-go-live-checklist": [
        ("Sign-Off", ["DevOps-Team", "Security-Team", "Product Owner", "Operations"])
    ],
    "deployment-plan-v1": [],
}


def _signers(runbook: Runbook) -> list[tuple[str, list[str]]]:
    """(the section or parent item holding role items, their roles), in the runbook's order."""
    found: dict[str, list[str]] = {}

    def items(entries: list[Item], holder: str) -> None:
        for item in entries:
            if item.role:
                found.setdefault(holder, []).append(item.role)
            items(item.items, item.text)

    for section in runbook.walk_sections():
        items(section.items, section.title)
    return list(found.items())


@pytest.mark.parametrize("name", sorted(SIGN_OFFS))
def test_the_seed_runbooks_sign_off_roles(runbooks, name):
    assert _signers(runbooks[name]) == SIGN_OFFS[name]


@pytest.mark.parametrize("name", sorted(SIGN_OFFS))
def test_the_shipped_checklists_sign_off_roles_are_the_runbooks(runbooks, name):
    shipped = load_runbook(Path(__file__).parents[2] / "checklists" / f"{name}.yaml")
    assert _signers(shipped) == _signers(runbooks[name])


def test_a_role_line_with_a_date_column_names_only_the_role():
    runbook = parse_markdown(
        "# R\n\n## Sign-Off\n\n- [ ] DevOps-Team: _______________ Datum: ______\n"
        "- [ ] **IT-Leitung:** ______ (Unterschrift)\n",
        "r.md",
    )
    assert [i.role for i in runbook.walk_items()] == ["DevOps-Team", "IT-Leitung"]
