"""Broken checklists: `cockpit check` names every problem as file:line:col: message."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from cockpit.cli import main
from cockpit.load import yaml_tree
from cockpit.load.errors import LoadError

BROKEN = Path(__file__).resolve().parent / "broken"
LOCATED = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<message>.+)$")

#: file → every problem it must report, in order: (line, column, a word of the message)
EXPECTED: dict[str, list[tuple[int, int, str]]] = {
    "tabs.yaml": [(5, 1, "tabs cannot indent YAML")],
    "duplicate_ids.yaml": [(8, 9, "duplicate id 'deploy/start'")],
    "duplicate_keys.yaml": [(7, 5, "duplicate key 'text' (first at line 5)")],
    "unknown_kind.yaml": [(7, 7, "unknown kind 'ftp'")],
    "wrong_types.yaml": [
        (6, 11, "sections[0].items[0].done: Input should be a valid boolean"),
        (8, 12, "sections[0].items[1].items: Input should be a valid list"),
    ],
    "bad_thresholds.yaml": [
        (9, 14, "rollback_triggers[0].condition: '>' needs a number"),
        (13, 8, "rollback_triggers[1].for: bad duration 'soon'"),
    ],
    "bad_times.yaml": [
        (3, 7, "timeline[0].at: bad time 'noon'"),
        (9, 10, "sections[0].items[0].due: bad time 25:00"),
    ],
    "bad_tags.yaml": [
        (6, 11, "bad value 'maybe'"),
        (8, 15, "bad value ''"),
        (9, 10, "bad value 'tomorrow'"),
    ],
    "unknown_keys.yaml": [
        (2, 1, "(top level): unknown key 'owner'"),
        (7, 5, "sections[0].items[0]: unknown key 'colour'"),
    ],
    "missing_text.yaml": [(5, 5, "sections[0].items[0]: missing required key 'text'")],
    "gate_missing_refs.yaml": [
        (5, 12, "gates[0].section: no section with id 'decision'"),
        (8, 31, "gates[0].criteria[0].requires[1]: no item or section with id 'staging/perf'"),
    ],
    "timeline_missing_section.yaml": [(8, 12, "timeline[1].section: no section with id 'migrate'")],
    "timeline_until_before_at.yaml": [
        (4, 10, "timeline[0].until: 11:00 is before 12:00"),
        (9, 12, "timeline[1].section: no section with id 'prepare'"),
    ],
    "several_problems.yaml": [
        (8, 11, "sections[0].items[0].done: Input should be a valid boolean"),
        (9, 9, "duplicate id 'deploy/start'"),
        (11, 5, "sections[0].items[1]: unknown key 'colour'"),
        (13, 12, "sections[0].items[2].items: Input should be a valid list"),
        (15, 3, "rollback_triggers[0]: 'metric' and 'condition' go together"),
        (20, 8, "rollback_triggers[1].for: bad duration 'soon'"),
    ],
    "control_character.yaml": [(5, 17, "control character U+0007")],
    "two_documents.yaml": [(7, 1, "more than one YAML document")],
    "not_yaml.yaml": [(2, 9, "expected")],
    "prose.yaml": [(1, 49, "mapping values are not allowed")],
    "markdown.yaml": [(3, 7, "expected")],
    "empty.yaml": [(1, 1, "empty file")],
}


def _check(capsys, *paths: str) -> tuple[int, list[str], list[str]]:
    code = main(["check", *paths])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err.splitlines()


def test_the_corpus_is_complete():
    on_disk = sorted(p.name for p in BROKEN.iterdir())
    assert on_disk == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_file_is_reported_where_the_problem_is(capsys, name):
    path = str(BROKEN / name)
    code, out, err = _check(capsys, path)
    assert code == 1
    assert out == []  # no summary for a file that does not load
    assert "Traceback" not in "\n".join(err)
    found = []
    for line in err:
        located = LOCATED.match(line)
        assert located, f"not file:line:col: message: {line!r}"
        assert located["path"] == path
        found.append((int(located["line"]), int(located["col"]), located["message"]))
    expected = EXPECTED[name]
    assert [(line, col) for line, col, _ in found] == [(line, col) for line, col, _ in expected]
    for (_, _, message), (_, _, word) in zip(found, expected, strict=True):
        assert word in message


def test_one_file_reports_all_its_problems_not_only_the_first(capsys):
    code, _, err = _check(capsys, str(BROKEN / "several_problems.yaml"))
    assert code == 1
    assert len(err) == len(EXPECTED["several_problems.yaml"]) == 6
    lines = [int(LOCATED.match(line)["line"]) for line in err]
    assert lines == sorted(lines)  # in file order


def test_every_file_is_checked_and_good_ones_still_summarised(capsys, repo_dir):
    good = str(repo_dir / "checklists" / "go-live-checklist.yaml")
    broken = [str(BROKEN / name) for name in sorted(EXPECTED)]
    code, out, err = _check(capsys, broken[0], good, *broken[1:])
    assert code == 1
    assert out == [f"{good}: 196 items (0 done) in 21 sections"]
    assert len(err) == sum(len(problems) for problems in EXPECTED.values())
    assert {LOCATED.match(line)["path"] for line in err} == set(broken)


TOO_DEEP = "nested too deeply (more than 100 levels of lists and mappings)"
LOADERS = ["CSafeLoader", "SafeLoader"]  # libyaml stops at 1000 by itself; pure Python recurses


def _flow(depth: int) -> str:
    """`title:` and `depth` flow lists inside each other: the k-th '[' is level k + 1."""
    return "title: " + "[" * depth + "]" * depth + "\n"


@pytest.mark.parametrize("loader", LOADERS)
def test_deeply_nested_yaml_is_refused_where_it_gets_too_deep(
    capsys, tmp_path, monkeypatch, loader
):
    monkeypatch.setattr(yaml_tree, "_COMPOSER", getattr(yaml, loader))
    flow = tmp_path / "flow.yaml"
    flow.write_text(_flow(5000), encoding="utf-8")
    block = tmp_path / "block.yaml"
    block.write_text(
        "title: t\nsections:\n- title: s\n"
        + "".join("  " * i + "  items:\n" + "  " * i + "  - text: x\n" for i in range(2000)),
        encoding="utf-8",
    )
    code, out, err = _check(capsys, str(flow), str(block))
    assert code == 1
    assert out == []
    # flow: level 101 is the 100th '[', at column 7 + 100. block: line 5 + 2i holds
    # `- text: x`, a list (level 4 + 2i) at column 3 + 2i whose mapping (level 5 + 2i) starts
    # at column 5 + 2i; level 101 is i = 48
    assert err == [f"{flow}:1:107: {TOO_DEEP}", f"{block}:101:101: {TOO_DEEP}"]


@pytest.mark.parametrize("loader", LOADERS)
def test_nesting_up_to_the_limit_loads(monkeypatch, loader):
    monkeypatch.setattr(yaml_tree, "_COMPOSER", getattr(yaml, loader))
    data, _ = yaml_tree.load_yaml(_flow(99), "deep.yaml")  # levels 1 … 100
    for _ in range(99):
        (data,) = data.values() if isinstance(data, dict) else data
    assert data == []
    with pytest.raises(LoadError) as caught:
        yaml_tree.load_yaml(_flow(100), "deep.yaml")
    assert [str(p) for p in caught.value.problems] == [f"deep.yaml:1:107: {TOO_DEEP}"]


@pytest.mark.parametrize("loader", LOADERS)
def test_nesting_through_aliases_counts_too(monkeypatch, loader):
    """60 levels written twice, the second time around an alias of the first: 121 in all."""
    monkeypatch.setattr(yaml_tree, "_COMPOSER", getattr(yaml, loader))
    text = "a: &a " + "[" * 60 + "]" * 60 + "\nb: " + "[" * 60 + "*a" + "]" * 60 + "\n"
    with pytest.raises(LoadError) as caught:
        yaml_tree.load_yaml(text, "alias.yaml")
    # under b's 60 lists (levels 2 … 61) the alias's lists are 62 …: level 101 is its 40th,
    # at column 6 + 40 of line 1
    assert [str(p) for p in caught.value.problems] == [f"alias.yaml:1:46: {TOO_DEEP}"]


RULE = (
    "title: t\nsections:\n- title: s\n  items:\n  - text: a\n"
    "rollback_triggers:\n- name: x\n  metric: error_rate\n"
)


@pytest.mark.parametrize(
    ("rest", "where", "word"),
    [
        ("  condition: '> 5%'\n  for: .inf\n", (10, 8), "bad duration"),
        ("  condition: '> 5%'\n  for: 99999999999999999999\n", (10, 8), "bad duration"),
        ("  condition: '> 5%'\n  for: 99999999999999999d\n", (10, 8), "bad duration"),
        ("  condition: '> 5%'\n  for: 1.0e+300\n", (10, 8), "bad duration"),
        ("  condition: {op: '>', right: 5, unit: parsecs}\n", (9, 14), "bad unit"),
        ("  condition: '> 5 percent'\n", (9, 14), "needs a number"),
    ],
)
def test_absurd_values_are_located_errors(capsys, tmp_path, rest, where, word):
    path = tmp_path / "absurd.yaml"
    path.write_text(RULE + rest, encoding="utf-8")
    code, _, err = _check(capsys, str(path))
    assert code == 1
    [line] = err
    located = LOCATED.match(line)
    assert located and word in located["message"]
    assert (int(located["line"]), int(located["col"])) == where
