"""Which file a layout or checklist reference reaches: names stay in their folders, paths
are taken as given on the command line and stay in the layout's folder inside a layout."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.load.errors import LoadError
from cockpit.load.workspace import open_layout

REPO = Path(__file__).resolve().parents[2]
CHECKLIST = "title: Mine\nsections:\n- title: S\n  items:\n  - text: tick me\n"


def layout(checklists: str, compact: str | None = None) -> str:
    return (
        f"title: t\nchecklists: {{{checklists}}}\n"
        + (f"compact: {compact}\n" if compact else "")
        + "rows:\n  - panes:\n      - {kind: checklist, checklist: a}\n"
    )


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> Path:
    """A working directory with its own layouts/ and checklists/, and a file outside both
    that loads fine as a checklist: the reference tests must not reach it by accident."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    work = tmp_path / "work"
    (work / "layouts").mkdir(parents=True)
    (work / "checklists").mkdir()
    (tmp_path / "outside.yaml").write_text(CHECKLIST)
    (work / "outside.yaml").write_text(CHECKLIST)  # beside layouts/, not in it
    monkeypatch.chdir(work)
    return work


def problems(ref: str | Path) -> list[tuple[str, int, int, str]]:
    with pytest.raises(LoadError) as caught:
        open_layout(ref)
    return [(p.path, p.line, p.col, p.message) for p in caught.value.problems]


# --- --layout and `layout:` ----------------------------------------------------------------


def test_a_name_is_found_in_the_working_directorys_layouts_first(project):
    (project / "layouts" / "mine.yaml").write_text(layout("a: deployment-plan"))
    workspace = open_layout("mine")
    assert workspace.layout_path == project / "layouts" / "mine.yaml"
    assert workspace.runbooks["a"].title == "VALEO-NeuroERP 3.0 - Deployment-Plan"  # bundled


def test_a_name_that_is_a_symlink_out_of_its_folder_is_refused(project):
    (project / "layouts" / "mine.yaml").symlink_to(project.parent / "outside.yaml")
    [(path, line, col, message)] = problems("mine")
    assert (path, line, col) == ("mine", 1, 1)
    assert message.startswith(f"layout: {project / 'layouts' / 'mine.yaml'} leads outside ")


@pytest.mark.parametrize("name", ["..", ".", ".hidden", "a b", "~root", "a\\..\\b"])
def test_what_is_neither_a_name_nor_a_path_is_refused(project, name):
    [(path, line, col, message)] = problems(name)
    assert (path, line, col) == (name, 1, 1)
    assert (
        message == f"layout: {name!r} is neither a name (letters, digits, '-', '_', '.') nor a path"
    )


@pytest.mark.parametrize("given", ["sub/mine.yaml", "./sub/mine.yaml", "sub/mine", "ABSOLUTE"])
def test_a_path_is_taken_as_typed(project, given):
    (project / "sub").mkdir()
    (project / "sub" / "mine").write_text(layout("a: plan.yaml"))
    (project / "sub" / "mine.yaml").write_text(layout("a: plan.yaml"))
    (project / "sub" / "plan.yaml").write_text(CHECKLIST)
    given = str(project / "sub" / "mine.yaml") if given == "ABSOLUTE" else given
    workspace = open_layout(given)
    assert workspace.layout_path == Path(given)
    assert workspace.runbooks["a"].title == "Mine"


def test_a_file_name_is_a_path_not_a_name_but_the_name_is_suggested(project):
    assert problems("go-live.yaml") == [
        (
            "go-live.yaml",
            1,
            1,
            "no file 'go-live.yaml' here; the layout folders' one is named 'go-live'",
        )
    ]
    assert problems("nothing.yaml")[0][3] == "cannot read: No such file or directory"


def test_a_path_out_of_the_working_directory_is_the_operators_to_give(project):
    (project.parent / "theirs.yaml").write_text(layout("a: deployment-plan"))
    assert open_layout("../theirs.yaml").layout.title == "t"


# --- references written in a layout --------------------------------------------------------


@pytest.mark.parametrize(
    "ref", ["../outside.yaml", "x/../../outside.yaml", "ABSOLUTE", "../../outside.yaml"]
)
def test_a_checklist_path_out_of_the_layouts_folder_is_refused(project, ref):
    ref = str(project.parent / "outside.yaml") if ref == "ABSOLUTE" else ref
    mine = project / "layouts" / "mine.yaml"
    mine.write_text(layout(f"a: '{ref}'"))
    [(path, line, col, message)] = problems(str(mine))
    assert (path, line, col) == (str(mine), 2, 17)
    assert message == f"checklists.a: {ref!r} is outside the folder {mine.parent}"


def test_a_checklist_name_that_is_a_symlink_out_of_its_folder_is_refused(project):
    (project / "checklists" / "plan.yaml").symlink_to(project.parent / "outside.yaml")
    mine = project / "layouts" / "mine.yaml"
    mine.write_text(layout("a: plan"))
    [(_, line, col, message)] = problems(str(mine))
    assert (line, col) == (2, 17)
    assert message.startswith(f"checklists.a: {project / 'checklists' / 'plan.yaml'} leads outside")


def test_a_compact_path_out_of_the_layouts_folder_is_refused(project):
    (project / "compact.yaml").write_text(layout("a: deployment-plan"))
    mine = project / "layouts" / "mine.yaml"
    mine.write_text(layout("a: deployment-plan", compact="../compact.yaml"))
    [(_, line, col, message)] = problems(str(mine))
    assert (line, col) == (3, 10)
    assert message == f"compact: '../compact.yaml' is outside the folder {mine.parent}"


def test_checklists_beside_and_below_the_layout_and_by_name(project):
    folder = project / "layouts"
    (folder / "beside.yaml").write_text(CHECKLIST)
    (folder / "deeper").mkdir()
    (folder / "deeper" / "below.md").write_text("# Below\n\n- [ ] one\n- [x] two\n")
    (project / "checklists" / "named.yaml").write_text(CHECKLIST.replace("Mine", "Named"))
    (folder / "twin.yaml").write_text(layout("a: beside.yaml"))
    mine = folder / "mine.yaml"
    refs = "a: beside.yaml, b: ./deeper/below.md, c: named, d: deployment-plan"
    mine.write_text(layout(refs, compact="twin.yaml"))
    workspace = open_layout(str(mine))
    titles = {key: runbook.title for key, runbook in workspace.runbooks.items()}
    assert titles == {
        "a": "Mine",
        "b": "Below",
        "c": "Named",
        "d": "VALEO-NeuroERP 3.0 - Deployment-Plan",
    }
    assert workspace.compact_path == folder / "twin.yaml"


def test_a_missing_compact_layout_is_located_in_the_layout(project):
    mine = project / "layouts" / "mine.yaml"
    mine.write_text(layout("a: deployment-plan", compact="no-such-twin"))
    assert problems(str(mine)) == [(str(mine), 3, 10, "compact: no layout 'no-such-twin'")]


def test_the_shipped_layouts_still_find_their_compact_twins(project):
    assert open_layout("go-live").compact_path.name == "compact.yaml"
    assert open_layout("pre-deployment").compact_path.name == "compact-pre-deployment.yaml"


def test_a_checklist_name_never_finds_a_layout(project, capsys):
    """`layouts/x.yaml` naming its checklist `x` found itself beside it ("unknown key
    'checklists'"): a layout in a checklist folder is passed over, the search goes on."""
    from cockpit.cli import main

    (project / "layouts" / "x.yaml").write_text(layout("a: x"))
    (project / "layouts" / "y.yaml").write_text(layout("a: x"))  # another layout named x
    (project / "checklists" / "x.yaml").write_text(CHECKLIST.replace("Mine", "Checklist x"))
    for name in ("x", "y"):
        assert open_layout(name).runbooks["a"].title == "Checklist x"
    assert main(["check", "layouts/x.yaml"]) == 0
    assert capsys.readouterr().out.startswith("layouts/x.yaml: ")


def test_a_checklist_name_that_only_a_layout_has_is_not_found(project):
    mine = project / "layouts" / "mine.yaml"
    mine.write_text(layout("a: mine"))
    assert problems("mine") == [(str(mine), 2, 17, "checklists.a: no checklist 'mine'")]
