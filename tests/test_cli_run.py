"""`cockpit run` refuses bad configuration before the UI starts, with located errors."""

import subprocess
import sys

import pytest


def run(tmp_path, *args, config: str | None = None, kubeconfig=None):
    env = {
        "XDG_STATE_HOME": str(tmp_path / "s"),
        "XDG_CONFIG_HOME": str(tmp_path / "c"),
        "PATH": "",
    }
    if kubeconfig is not None:
        env["KUBECONFIG"] = str(kubeconfig)
    if config is not None:
        (tmp_path / "config.yaml").write_text(config)
        args = ("--config", str(tmp_path / "config.yaml"), *args)
    return subprocess.run(
        [sys.executable, "-m", "cockpit", "run", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )


def test_unknown_binding_id_in_keys(tmp_path):
    result = run(tmp_path, config="keys: {tick: x, explode: e}\n")
    assert result.returncode == 1
    assert "no binding with id explode" in result.stderr and "Traceback" not in result.stderr


def test_bad_config_value_is_located(tmp_path):
    result = run(tmp_path, config="layout: go-live\nread_only: perhaps\n")
    assert result.returncode == 1
    assert f"{tmp_path / 'config.yaml'}:2:12: read_only" in result.stderr


def test_unknown_layout_names_where_it_looked(tmp_path):
    result = run(tmp_path, "--layout", "no-such-layout")
    assert result.returncode == 1
    assert "no layout 'no-such-layout'" in result.stderr and "layouts" in result.stderr


def test_broken_layout_file_is_located(tmp_path):
    layout = tmp_path / "mine.yaml"
    layout.write_text(
        "title: x\nchecklists: {a: deployment-plan}\nrows:\n  - panes: [{kind: chart}]\n"
    )
    result = run(tmp_path, "--layout", str(layout))
    assert result.returncode == 1
    assert f"{layout}:4:" in result.stderr and "kind" in result.stderr


def test_a_context_the_kubeconfig_lacks_is_refused_and_located(tmp_path):
    from cockpit.sim.kube.valeo import write_kubeconfig

    kubeconfig = write_kubeconfig(tmp_path / "kc", "https://127.0.0.1:1")
    result = run(tmp_path, "--context", "prod-cluster", kubeconfig=kubeconfig)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"{kubeconfig}:")
    assert "no context 'prod-cluster'" in result.stderr and "valeo-sim" in result.stderr


#: files that are not layouts or checklists, each holding a line no message may repeat
MARKER = "SECRET-MARKER"
FOREIGN = {
    "passwd": f"root:{MARKER}:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/usr/sbin:/bin/false\n",
    "env": f"PASSWORD={MARKER}\nexport TOKEN={MARKER}\n",
    "kubeconfig": f"apiVersion: v1\nusers:\n- name: admin\n  user: {{token: !!int {MARKER}}}\n",
    "duplicates": f"{MARKER}: 1\n{MARKER}: 2\n",
    "tagged": f"password: !{MARKER} x\n",
}


def _foreign(tmp_path, name):
    folder = tmp_path / "elsewhere"
    folder.mkdir(exist_ok=True)
    path = folder / name  # no suffix, like /etc/passwd
    path.write_text(FOREIGN[name])
    return path


@pytest.mark.parametrize("name", sorted(FOREIGN))
def test_a_foreign_file_as_layout_is_refused_without_a_line_of_it(tmp_path, name):
    path = _foreign(tmp_path, name)
    result = run(tmp_path, "--layout", str(path))
    assert result.returncode == 1
    assert MARKER not in result.stdout + result.stderr
    assert result.stderr == (
        f"{path}:1:1: not a layout: expected a mapping with 'title', 'checklists' and 'rows'\n"
    )


@pytest.mark.parametrize("name", sorted(FOREIGN))
def test_a_foreign_file_as_checklist_is_refused_without_a_line_of_it(tmp_path, name):
    """Inside the layout's folder, so allowed to be read, but still not repeated."""
    (tmp_path / "elsewhere").mkdir()
    path = tmp_path / "elsewhere" / f"{name}.yaml"
    path.write_text(FOREIGN[name])
    layout = tmp_path / "elsewhere" / "mine.yaml"
    layout.write_text(
        f"title: x\nchecklists: {{a: {name}.yaml}}\nrows:\n  - panes: [{{kind: checklist, "
        "checklist: a}]\n"
    )
    result = run(tmp_path, "--layout", str(layout))
    assert result.returncode == 1
    assert MARKER not in result.stdout + result.stderr
    assert result.stderr == (
        f"{path}:1:1: not a checklist: expected a mapping with 'title' and 'sections'\n"
    )


def test_the_system_password_file_is_not_a_layout(tmp_path):
    result = run(tmp_path, "--layout", "/etc/passwd")
    assert result.returncode == 1
    assert result.stderr.startswith("/etc/passwd:1:1: not a layout: ")
    with open("/etc/passwd", encoding="utf-8") as passwd:
        for line in filter(None, (line.strip() for line in passwd)):
            assert line not in result.stdout + result.stderr


@pytest.mark.parametrize("ref", ["../../etc/passwd", "/etc/passwd", "x/../../../etc/passwd"])
def test_a_layouts_checklist_outside_its_folder_is_refused(tmp_path, ref):
    layout = tmp_path / "mine.yaml"
    layout.write_text(
        f"title: x\nchecklists: {{a: '{ref}'}}\nrows:\n  - panes: [{{kind: checklist, "
        "checklist: a}]\n"
    )
    result = run(tmp_path, "--layout", str(layout))
    assert result.returncode == 1
    assert (
        result.stderr == f"{layout}:2:17: checklists.a: {ref!r} is outside the folder {tmp_path}\n"
    )


def test_a_layout_name_leading_out_of_layouts_is_refused(tmp_path):
    (tmp_path / "layouts").mkdir()
    (tmp_path / "layouts" / "go-live.yaml").symlink_to("/etc/passwd")
    result = run(tmp_path, "--layout", "go-live")
    assert result.returncode == 1
    assert result.stderr.startswith(
        f"go-live:1:1: layout: {tmp_path / 'layouts' / 'go-live.yaml'} leads outside"
    )
    assert "root:" not in result.stderr


def test_an_audit_path_another_cockpit_writes_is_refused_and_located(tmp_path):
    from cockpit.audit.journal import Journal

    path = tmp_path / "window.jsonl"
    other = Journal(path)  # the other cockpit, still running
    other.append("session.start", {})
    try:
        result = run(tmp_path, "--layout", "go-live", "--audit", str(path))
    finally:
        other.close()
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{path}:1:1: " in result.stderr and "another cockpit" in result.stderr
    assert len(path.read_bytes().splitlines()) == 1  # nothing of the refused one in it


def test_an_audit_path_that_is_a_symlink_is_refused_and_located(tmp_path):
    path = tmp_path / "window.jsonl"
    path.symlink_to(tmp_path / "elsewhere.jsonl")
    result = run(tmp_path, "--layout", "go-live", "--audit", str(path))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{path}:1:1: " in result.stderr and "symbolic link" in result.stderr
    assert not (tmp_path / "elsewhere.jsonl").exists()


def test_kubectl_and_k9s_spellings_are_understood(tmp_path):
    """`--kubeconfig` wins over KUBECONFIG, `-n` is `--namespace`, `--readonly` (k9s's)
    is `--read-only`: what on-call hands type without thinking."""
    from cockpit.cli import build_parser
    from cockpit.sim.kube.valeo import write_kubeconfig

    given = write_kubeconfig(tmp_path / "given", "https://127.0.0.1:1")
    result = run(
        tmp_path, "--kubeconfig", str(given), "--context", "nowhere", "-n", "production",
        kubeconfig=tmp_path / "absent",
    )  # fmt: skip
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"{given}:") and "no context 'nowhere'" in result.stderr
    args = build_parser().parse_args(["run", "--readonly", "-n", "staging"])
    assert (args.read_only, args.namespace) == (True, "staging")
