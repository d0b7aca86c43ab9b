"""YAML checklists: the Markdown → YAML → model round trip, the shipped files, derived ids."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from cockpit.load.checklist_yaml import dump_checklist, parse_checklist
from cockpit.load.errors import LoadError
from cockpit.load.files import load_runbook
from cockpit.model.checklist import KubeCheck, PostgresCheck, PrometheusCheck, Runbook

RUNBOOKS = [
    "pre-deployment-check",
    "deployment-plan",
    "go-live-checklist",
    "pre-go-live-checklist",
    "deployment-plan-v1",
]


@pytest.fixture(scope="module")
def from_markdown(runbook_files: dict[str, Path]) -> dict[str, Runbook]:
    return {name: load_runbook(path) for name, path in runbook_files.items()}


@pytest.mark.parametrize("name", RUNBOOKS)
def test_markdown_yaml_model_round_trip_is_lossless(from_markdown, name):
    runbook = from_markdown[name]
    text = dump_checklist(runbook, header=f"Imported from {name}")
    assert text.startswith(f"# Imported from {name}\n")
    again = parse_checklist(text, f"{name}.yaml")
    assert again == runbook
    # and the dump of the reloaded model is the same text: nothing drifts on a second pass
    assert dump_checklist(again, header=f"Imported from {name}") == text


@pytest.mark.parametrize("name", RUNBOOKS)
def test_dump_is_plain_readable_yaml(from_markdown, name):
    text = dump_checklist(from_markdown[name])
    assert "&id" not in text and "*id" not in text  # no anchors and aliases
    assert "\\u" not in text and "\\x" not in text  # umlauts and emoji as they are
    data = yaml.safe_load(text)
    assert next(iter(data)) == "title"
    assert data["sections"][0]["id"] == from_markdown[name].sections[0].id


def test_dump_leaves_out_defaults(from_markdown):
    data = yaml.safe_load(dump_checklist(from_markdown["deployment-plan"]))
    first = data["sections"][0]["sections"][0]["items"][0]
    assert first == {
        "id": "timeline/t-7-tage-vorbereitung/stakeholder-approval-eingeholt",
        "text": "Stakeholder-Approval eingeholt",
        "due": "T-7d",
    }
    down = data["rollback_triggers"][3]
    assert down == {
        "name": "Service Down > 5 Minuten",
        "metric": "up",
        "condition": "== 0",
        "for": "5m",
    }


def test_multiline_code_is_a_block_scalar(from_markdown):
    text = dump_checklist(from_markdown["go-live-checklist"])
    assert "code: |-\n" in text
    assert "helm upgrade --install valeo-erp-staging ./k8s/helm/valeo-erp \\\n" in text


def test_times_that_yaml_would_read_as_numbers_are_quoted(from_markdown):
    text = dump_checklist(from_markdown["deployment-plan"])
    assert "- at: '12:00'" in text
    assert "until: '13:00'" in text
    reloaded = parse_checklist(text, "plan.yaml")
    assert [str(s.at) for s in reloaded.timeline][-2:] == ["14:00", "15:00"]


@pytest.mark.parametrize("name", RUNBOOKS)
def test_shipped_checklists_load_with_the_runbook_counts(repo_dir, from_markdown, name):
    shipped = load_runbook(repo_dir / "checklists" / f"{name}.yaml")
    assert shipped.summary() == from_markdown[name].summary()
    # the hand-added checks keep the imported ids and texts
    imported = {i.id: i.text for i in from_markdown[name].walk_items()}
    assert {i.id: i.text for i in shipped.walk_items()} == imported


def test_shipped_checklists_are_exactly_the_runbooks(repo_dir):
    names = sorted(p.stem for p in (repo_dir / "checklists").glob("*.yaml"))
    assert names == sorted(RUNBOOKS)
    assert sorted(p.stem for p in (repo_dir / "runbooks").iterdir()) == names
    for name in names:  # each header names the runbook in the repository it was made from
        with (repo_dir / "checklists" / f"{name}.yaml").open(encoding="utf-8") as file:
            header = file.readline()
        assert re.match(rf"# Imported by cockpit \S+ from runbooks/{name}\.md, ", header), header


def test_shipped_checklists_have_checks(repo_dir):
    pre = load_runbook(repo_dir / "checklists" / "pre-deployment-check.yaml")
    checks = {i.id: i.check for i in pre.walk_items() if i.check is not None}
    assert len(checks) >= 10
    kinds = {c.kind for c in checks.values()}
    assert {"http", "prometheus", "kube", "postgres"} <= kinds
    healthz = checks["phase-8-production-deployment/8-3-health-checks/healthz-200-ok"]
    assert healthz.kind == "http"
    assert healthz.url == "${base_url}/healthz"
    assert healthz.expect.holds(200) and not healthz.expect.holds(503)
    assert any(isinstance(c, PrometheusCheck) for c in checks.values())
    assert any(isinstance(c, KubeCheck) for c in checks.values())
    assert any(isinstance(c, PostgresCheck) for c in checks.values())


def test_shipped_checklist_rules_wait_before_rolling_back(repo_dir):
    plan = load_runbook(repo_dir / "checklists" / "deployment-plan.yaml")
    waits = {r.name: r.for_.total_seconds() for r in plan.rollback_triggers if not r.manual}
    assert waits == {
        "Error-Rate > 5%": 120,
        "P95-Latency > 2000ms": 120,
        "Service Down > 5 Minuten": 300,
    }


# --- ids left out -------------------------------------------------------------------------


def test_ids_left_out_are_derived_from_text():
    runbook = parse_checklist(
        """\
title: Derived
sections:
- title: Vorbereitung & Prüfung
  items:
  - text: '**Backup** erstellt'
    items:
    - text: Größe geprüft
  - text: Backup erstellt
  sections:
  - title: Secrets
    items:
    - text: DB-Credentials
""",
        "derived.yaml",
    )
    assert [s.id for s in runbook.walk_sections()] == [
        "vorbereitung-pruefung",
        "vorbereitung-pruefung/secrets",
    ]
    assert [i.id for i in runbook.walk_items()] == [
        "vorbereitung-pruefung/backup-erstellt",
        "vorbereitung-pruefung/backup-erstellt/groesse-geprueft",
        "vorbereitung-pruefung/backup-erstellt-2",
        "vorbereitung-pruefung/secrets/db-credentials",
    ]


def test_given_ids_are_never_renamed_by_derived_ones():
    runbook = parse_checklist(
        """\
title: Mixed
sections:
- id: prep
  title: Vorbereitung
  items:
  - text: Backup erstellt
  - id: prep/backup-erstellt
    text: Something else, with the id the first one would have got
  - text: Restore getestet
    items:
    - text: Daten intakt
  - id: prep/restore-getestet/daten-intakt
    text: Given later in the file
""",
        "mixed.yaml",
    )
    ids = {i.text: i.id for i in runbook.walk_items()}
    assert ids == {
        "Backup erstellt": "prep/backup-erstellt-2",
        "Something else, with the id the first one would have got": "prep/backup-erstellt",
        "Restore getestet": "prep/restore-getestet",
        "Daten intakt": "prep/restore-getestet/daten-intakt-2",
        "Given later in the file": "prep/restore-getestet/daten-intakt",
    }


def test_derived_ids_follow_a_given_parent_id():
    runbook = parse_checklist(
        "title: t\nsections:\n- id: custom\n  title: Whatever\n  items:\n  - text: Go live\n",
        "t.yaml",
    )
    assert runbook.sections[0].items[0].id == "custom/go-live"


def test_derived_ids_are_stable_when_items_are_added_before():
    base = "title: t\nsections:\n- title: S\n  items:\n{items}"
    before = parse_checklist(base.format(items="  - text: B\n  - text: C\n"), "t.yaml")
    after = parse_checklist(
        base.format(items="  - text: A\n  - text: B\n  - text: X\n  - text: C\n"), "t.yaml"
    )
    ids_after = {i.text: i.id for i in after.walk_items()}
    for item in before.walk_items():
        assert ids_after[item.text] == item.id


def test_duplicate_given_ids_are_reported_with_their_place():
    with pytest.raises(LoadError) as info:
        parse_checklist(
            "title: t\nsections:\n- id: s\n  title: S\n  items:\n"
            "  - id: s/a\n    text: A\n  - id: s/a\n    text: B\n  - id: s\n    text: C\n",
            "dup.yaml",
        )
    assert [(p.line, p.col, p.message) for p in info.value.problems] == [
        (8, 9, "duplicate id 's/a'"),
        (10, 9, "duplicate id 's'"),
    ]


def test_yaml_scalars_that_are_text_to_a_runbook():
    runbook = parse_checklist(
        "title: t\nversion: 3.0\ndate: 2025-10-09\nsections:\n- title: S\n  items:\n"
        "  - text: a\n    due: 11:30\n",
        "t.yaml",
    )
    assert (runbook.version, runbook.date) == ("3.0", "2025-10-09")
    assert str(runbook.sections[0].items[0].due) == "11:30"  # YAML read 690
    assert parse_checklist(dump_checklist(runbook), "t.yaml") == runbook


def test_not_a_mapping_is_located():
    with pytest.raises(LoadError) as info:
        parse_checklist("- just\n- a list\n", "list.yaml")
    assert [(p.line, p.col) for p in info.value.problems] == [(1, 1)]
    assert "mapping" in info.value.problems[0].message


def test_escape_sequences_in_a_yaml_checklist_are_shown_not_obeyed(tmp_path):
    path = tmp_path / "checklist.yaml"
    path.write_text(
        'title: "Go-live \\e]0;owned\\a"\n'
        'meta: {owner: "ops \\u202e"}\n'
        "sections:\n"
        '  - title: "Phase \\x9b2J"\n'
        '    notes: ["\\e[2J wiped"]\n'
        "    items:\n"
        '      - text: "Deploy \\e]0;pwned\\a green"\n'
        '        details: ["\\x7f"]\n'
        '        role: "Lead \\e[5m"\n',
        encoding="utf-8",
    )
    runbook = load_runbook(path)
    section = runbook.sections[0]
    item = section.items[0]
    assert runbook.title == "Go-live ␛]0;owned␇" and runbook.meta == {"owner": "ops <U+202E>"}
    assert section.title == "Phase <U+009B>2J" and section.notes == ["␛[2J wiped"]
    assert (item.text, item.details, item.role) == ("Deploy ␛]0;pwned␇ green", ["␡"], "Lead ␛[5m")


def test_a_rule_in_shadow_mode_and_a_wrong_shadow_located():
    text = (
        "title: t\nrollback_triggers:\n"
        "- {name: P95 > 1s, metric: p95_latency, condition: '> 1s', for: 1m, shadow: true}\n"
        "- {name: Errors > 5%, metric: error_rate, condition: '> 5%'}\n"
        "sections: []\n"
    )
    shadow, live = parse_checklist(text, "t.yaml").rollback_triggers
    assert (shadow.shadow, live.shadow) == (True, False)
    assert (
        parse_checklist(dump_checklist(parse_checklist(text, "t.yaml")), "t.yaml")
        .rollback_triggers[0]
        .shadow
    )
    with pytest.raises(LoadError) as info:
        parse_checklist(text.replace("shadow: true", "shadow: maybe"), "t.yaml")
    (problem,) = info.value.problems
    assert (problem.line, "shadow" in problem.message) == (3, True)
