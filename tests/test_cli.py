"""`cockpit check` and `cockpit import`, in process and through the console entry point."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from cockpit import __version__
from cockpit.cli import main

SUMMARIES = [
    "checklists/deployment-plan-v1.yaml: 14 items (0 done) in 26 sections",
    "checklists/deployment-plan.yaml: 57 items (0 done) in 34 sections",
    "checklists/go-live-checklist.yaml: 196 items (0 done) in 21 sections",
    "checklists/pre-deployment-check.yaml: 102 items (11 done) in 41 sections",
    "checklists/pre-go-live-checklist.yaml: 69 items (0 done) in 26 sections",
]
#: runbook → "N items (M done) in K sections"
RUNBOOK_COUNTS = {
    "pre-deployment-check": "102 items (11 done) in 41 sections",
    "deployment-plan": "57 items (0 done) in 34 sections",
    "go-live-checklist": "196 items (0 done) in 21 sections",
    "pre-go-live-checklist": "69 items (0 done) in 26 sections",
    "deployment-plan-v1": "14 items (0 done) in 26 sections",
}
HEAVY = ("kubernetes", "psycopg", "textual")


def cockpit(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cockpit", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_shipped_checklists_through_the_console(repo_dir):
    paths = sorted(str(p.relative_to(repo_dir)) for p in (repo_dir / "checklists").glob("*.yaml"))
    done = cockpit("check", *paths, cwd=repo_dir)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == SUMMARIES
    assert done.stderr == ""


def test_check_broken_file_through_the_console(repo_dir):
    broken = "tests/load/broken/several_problems.yaml"
    done = cockpit("check", "checklists/deployment-plan.yaml", broken, cwd=repo_dir)
    assert done.returncode == 1
    assert done.stdout.splitlines() == [SUMMARIES[1]]
    assert "Traceback" not in done.stderr
    errors = done.stderr.splitlines()
    assert len(errors) == 6
    assert errors[0] == (
        f"{broken}:8:11: sections[0].items[0].done: "
        "Input should be a valid boolean, unable to interpret input"
    )
    assert errors[1] == f"{broken}:9:9: duplicate id 'deploy/start'"
    assert all(line.startswith(f"{broken}:") for line in errors)


def test_check_in_process(capsys, repo_dir, monkeypatch):
    monkeypatch.chdir(repo_dir)
    assert main(["check", "checklists/go-live-checklist.yaml"]) == 0
    out, err = capsys.readouterr()
    assert out == SUMMARIES[2] + "\n"
    assert err == ""


@pytest.mark.parametrize("name", sorted(RUNBOOK_COUNTS))
def test_check_accepts_markdown_runbooks(capsys, runbook_files, name):
    assert main(["check", str(runbook_files[name])]) == 0
    out, _ = capsys.readouterr()
    assert out == f"{runbook_files[name]}: {RUNBOOK_COUNTS[name]}\n"


@pytest.mark.parametrize(
    ("name", "content", "where", "word"),
    [
        ("missing.yaml", None, "1:1", "cannot read"),
        ("list.json", "[]", "1:1", "unknown file type"),
        ("empty.md", "# Nothing to tick\n", "1:1", "no task-list items"),
        ("bad.md", b"- [ ] \xff\n", "1:7", "not UTF-8"),
    ],
)
def test_check_reports_unreadable_files(capsys, tmp_path, name, content, where, word):
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    elif isinstance(content, bytes):
        path.write_bytes(content)
    assert main(["check", str(path)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"{path}:{where}: ")
    assert word in err
    assert len(err.splitlines()) == 1


@pytest.mark.parametrize("name", sorted(RUNBOOK_COUNTS))
def test_import_writes_a_checklist_that_check_accepts(capsys, tmp_path, runbook_files, name):
    out_path = tmp_path / f"{name}.yaml"
    assert main(["import", str(runbook_files[name]), "-o", str(out_path)]) == 0
    out, err = capsys.readouterr()
    assert out == f"{runbook_files[name]}: {RUNBOOK_COUNTS[name]}\n"
    assert err == ""
    text = out_path.read_text(encoding="utf-8")
    assert text.startswith(f"# Imported by cockpit {__version__} from {runbook_files[name]}\n")
    assert main(["check", str(out_path)]) == 0
    out, err = capsys.readouterr()
    assert out == f"{out_path}: {RUNBOOK_COUNTS[name]}\n"
    assert err == ""


def test_import_through_the_console_then_check(tmp_path, repo_dir, runbook_files):
    out_path = tmp_path / "plan.yaml"
    done = cockpit(
        "import", str(runbook_files["deployment-plan"]), "-o", str(out_path), cwd=repo_dir
    )
    assert done.returncode == 0, done.stderr
    assert (
        done.stdout == f"{runbook_files['deployment-plan']}: {RUNBOOK_COUNTS['deployment-plan']}\n"
    )
    checked = cockpit("check", str(out_path), cwd=repo_dir)
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout == f"{out_path}: {RUNBOOK_COUNTS['deployment-plan']}\n"
    assert out_path.stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize("target", [None, "-"])
def test_import_to_stdout_prints_yaml_and_the_summary_on_stderr(capsys, runbook_files, target):
    runbook = runbook_files["go-live-checklist"]
    args = ["import", str(runbook)] + (["-o", target] if target else [])
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert err == f"{runbook}: {RUNBOOK_COUNTS['go-live-checklist']}\n"
    assert out.startswith(f"# Imported by cockpit {__version__} from {runbook}\ntitle: ")
    data = yaml.safe_load(out)
    assert data["title"] == "VALEO-NeuroERP Go-Live Checklist"
    assert [s["id"] for s in data["sections"]][:2] == [
        "phase-1-pre-deployment",
        "phase-2-deployment",
    ]


def test_import_of_a_file_without_items_fails_located(capsys, tmp_path):
    path = tmp_path / "notes.md"
    path.write_text("# Notes\n\nJust prose.\n", encoding="utf-8")
    target = tmp_path / "out.yaml"
    assert main(["import", str(path), "-o", str(target)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"{path}:1:1: no task-list items")
    assert not target.exists()


def test_import_to_an_unwritable_place_fails_located(capsys, tmp_path, runbook_files):
    target = tmp_path / "no" / "such" / "dir" / "out.yaml"
    assert main(["import", str(runbook_files["deployment-plan-v1"]), "-o", str(target)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"{target}:1:1: cannot write")


def _brackets(n: int) -> str:
    return "[" * n + "]" * n


def _seconds(*argv: str) -> float:
    started = time.perf_counter()
    assert main(list(argv)) == 0
    return time.perf_counter() - started


def test_import_of_a_line_of_brackets_takes_linear_time(capsys, tmp_path):
    """The item's id came from a regex that rescanned the rest of the line after every `[`."""
    sizes = {"small": 10_000, "big": 100_000}
    for name, n in sizes.items():
        text = f"# T\n\n## S\n\n- [ ] {_brackets(n)}\n"
        (tmp_path / f"{name}.md").write_text(text, encoding="utf-8")
    small = min(_seconds("import", str(tmp_path / "small.md"), "-o", "-") for _ in range(2))
    big = _seconds("import", str(tmp_path / "big.md"), "-o", str(tmp_path / "big.yaml"))
    assert big < 30 * small  # 10× the text: about 10× the time (it was 50×: 25 s)
    items = yaml.safe_load((tmp_path / "big.yaml").read_text(encoding="utf-8"))["sections"]
    assert items[0]["items"][0]["text"] == _brackets(100_000)
    capsys.readouterr()


def test_check_of_an_item_text_of_brackets_takes_linear_time(capsys, tmp_path):
    """An item without an id gets one from its text: the same regex (7.5 s)."""
    path = tmp_path / "brackets.yaml"
    path.write_text(
        f'title: T\nsections:\n- title: S\n  items:\n  - text: "{_brackets(100_000)}"\n',
        encoding="utf-8",
    )
    assert _seconds("check", str(path)) < 2.0  # 0.07 s now
    assert capsys.readouterr().out == f"{path}: 1 items (0 done) in 1 sections\n"


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["check"])
    assert info.value.code == 2
    assert "PATH" in capsys.readouterr().err


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out == f"cockpit {__version__}\n"


def test_building_the_parser_imports_nothing_heavy(repo_dir):
    code = (
        "import sys; from cockpit.cli import build_parser; build_parser(); "
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=repo_dir,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "[]\n"


def test_help_through_the_console_imports_nothing_heavy(repo_dir):
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "cockpit", "--help"],
        cwd=repo_dir,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0
    assert "check" in done.stdout and "import" in done.stdout
    imported = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines() if "|" in line}
    assert "cockpit.cli" in imported
    assert {m.split(".")[0] for m in imported} & set(HEAVY) == set()


MARKER = "SECRET-MARKER"
#: text that is no checklist, each with a line no message may repeat
FOREIGN = {
    "passwd": f"root:{MARKER}:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/usr/sbin:/bin/false\n",
    "kubeconfig": f"apiVersion: v1\nusers:\n- name: admin\n  user: {{token: !!int {MARKER}}}\n",
    "duplicates": f"{MARKER}: 1\n{MARKER}: 2\n",
    "tagged": f"password: !{MARKER} x\n",
    "alias": f"token: *{MARKER}\n",
    "anchors": f"a: &{MARKER} 1\nb: &{MARKER} 2\n",
}


@pytest.mark.parametrize("loader", ["CSafeLoader", "SafeLoader"])
@pytest.mark.parametrize("suffix", [".yaml", ".yml", ".md", ".txt", ""])
def test_check_never_repeats_a_foreign_file(capsys, tmp_path, monkeypatch, loader, suffix):
    monkeypatch.setattr("cockpit.load.yaml_tree._COMPOSER", getattr(yaml, loader))
    paths = []
    for name, text in FOREIGN.items():
        paths.append(tmp_path / f"{name}{suffix}")
        paths[-1].write_text(text, encoding="utf-8")
    assert main(["check", *map(str, paths)]) == 1
    out, err = capsys.readouterr()
    assert MARKER not in out + err and "input_value" not in err
    assert out == ""
    assert [line.split(":", 1)[0] for line in err.splitlines()] == list(map(str, paths))


#: a client's first import, on a source's thread, still running when the command ends
MID_IMPORT = """
import sys, threading, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from cockpit.clients.imports import preload
from cockpit.cli import main
threading.Thread(target=preload, args=("slow_client",), daemon=True).start()
while not (Path(sys.argv[1]) / "started").exists():
    time.sleep(0.01)
raise SystemExit(main(["audit", "verify", sys.argv[2]]))
"""


def test_the_cockpit_ends_only_after_a_client_import_in_progress(tmp_path):
    """A cockpit quit (or hung up) while a source's thread was still importing its client
    (scipy.stats: seconds on a loaded machine) was aborted by the interpreter's exit in the
    middle of the import: SIGABRT, "Fatal Python error: Aborted", status 134 instead of 0
    (found by tests/truth/process_machine.py). The command waits for the import to end."""
    (tmp_path / "slow_client.py").write_text(
        "from pathlib import Path\nimport time\n"
        f"Path({str(tmp_path)!r}, 'started').touch()\n"
        "time.sleep(1.5)\n"
        f"Path({str(tmp_path)!r}, 'imported').touch()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", MID_IMPORT, str(tmp_path), str(tmp_path / "none.jsonl")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr  # no such journal: said, after the import
    assert (tmp_path / "imported").exists()
