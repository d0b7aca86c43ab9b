"""`cockpit run` refuses bad configuration before the UI starts, with located errors."""

import subprocess
import sys


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
