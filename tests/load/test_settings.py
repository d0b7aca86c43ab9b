"""Settings through pydantic-settings: every setting has its `COCKPIT_…` variable, flags beat
variables beat the file, and each problem is told where it was written."""

from __future__ import annotations

import os
import pwd
from datetime import date, timedelta
from pathlib import Path

import pytest
from pydantic import BaseModel

from cockpit.load.errors import LoadError
from cockpit.load.settings import load_config
from cockpit.model.config import Config, ContextConfig
from cockpit.runtime.session import open_session

#: variable → (the setting's path, what the variable says, what the setting becomes)
SAMPLES: dict[str, tuple[tuple[str, ...], str, object]] = {
    "COCKPIT_OPERATOR": (("operator",), "alice@bastion", "alice@bastion"),
    "COCKPIT_WINDOW": (("window",), "prod@erp", "prod@erp"),
    "COCKPIT_LAYOUT": (("layout",), "pre-deployment", "pre-deployment"),
    "COCKPIT_KUBECONFIG": (("kubeconfig",), "/etc/kc", "/etc/kc"),
    "COCKPIT_CONTEXT": (("context",), "prod", "prod"),
    "COCKPIT_NAMESPACE": (("namespace",), "erp", "erp"),
    "COCKPIT_LOCK": (("lock",), "window-lock", "window-lock"),
    "COCKPIT_READ_ONLY": (("read_only",), "true", True),
    "COCKPIT_T0": (("t0",), "2026-11-21", date(2026, 11, 21)),
    "COCKPIT_TIMEZONE": (("timezone",), "Europe/Berlin", "Europe/Berlin"),
    "COCKPIT_PROMETHEUS__URL": (("prometheus", "url"), "http://p:9090", "http://p:9090"),
    "COCKPIT_PROMETHEUS__VERIFY_TLS": (("prometheus", "verify_tls"), "false", False),
    "COCKPIT_PROMETHEUS__TIMEOUT": (("prometheus", "timeout"), "3s", timedelta(seconds=3)),
    "COCKPIT_POSTGRES__DSN": (("postgres", "dsn"), "host=db", "host=db"),
    "COCKPIT_POSTGRES__BACKUP_DIR": (("postgres", "backup_dir"), "/backups", "/backups"),
    "COCKPIT_POSTGRES__KEEP_DAILY": (("postgres", "keep_daily"), "7", 7),
    "COCKPIT_POSTGRES__KEEP_MONTHLY": (("postgres", "keep_monthly"), "0", 0),
    "COCKPIT_ACTIONS__LABEL": (("actions", "label"), "track", "track"),
    "COCKPIT_ACTIONS__BLUE": (("actions", "blue"), "old", "old"),
    "COCKPIT_ACTIONS__GREEN": (("actions", "green"), "new", "new"),
    "COCKPIT_ACTIONS__VERIFY_TIMEOUT": (("actions", "verify_timeout"), "1m", timedelta(minutes=1)),
    "COCKPIT_ACTIONS__SOAK": (("actions", "soak"), "30m", timedelta(minutes=30)),
    "COCKPIT_ACTIONS__RELEASE": (("actions", "release"), "erp-prod", "erp-prod"),
    "COCKPIT_VARS__SERVICE": (("vars",), "valeo-erp", {"service": "valeo-erp"}),
    "COCKPIT_KEYS__TICK": (("keys",), "space,x", {"tick": "space,x"}),
    "COCKPIT_CONTEXTS__PROD__READ_ONLY": (
        ("contexts",),
        "1",
        {"prod": ContextConfig(read_only=True)},
    ),
    "COCKPIT_APPROVAL__REQUIRED_FOR": (("approval", "required_for"), '["cutover"]', ["cutover"]),
}


def _leaves(model: type[BaseModel], above: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    """Every setting's path; a nested model's fields each count, a mapping counts once."""
    found = set()
    for name, field in model.model_fields.items():
        kind = field.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            found |= _leaves(kind, (*above, name))
        else:
            found.add((*above, name))
    return found


def _get(config: Config, path: tuple[str, ...]) -> object:
    value: object = config
    for name in path:
        value = getattr(value, name)
    return value


@pytest.fixture(autouse=True)
def no_config_file(tmp_path, monkeypatch):
    """No user's config.yaml and no `.env` beside the test: only what a test gives counts."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return str(path)


def test_the_samples_cover_every_setting():
    """A new setting fails here until its variable is tried below."""
    covered = {path[:1] if path[0] == "approval" else path for path, _, _ in SAMPLES.values()}
    assert covered == _leaves(Config)


@pytest.mark.parametrize("variable", sorted(SAMPLES))
def test_every_setting_has_its_variable(variable, monkeypatch):
    path, raw, expected = SAMPLES[variable]
    monkeypatch.setenv(variable, raw)
    assert _get(load_config(None), path) == expected


def test_nested_variables_lay_over_the_files_nested_settings(tmp_path, monkeypatch):
    path = write(tmp_path, "prometheus: {url: 'http://file:9090', timeout: 5s}\n")
    monkeypatch.setenv("COCKPIT_PROMETHEUS__URL", "http://env:9090")
    monkeypatch.setenv("COCKPIT_CONTEXTS__PROD__NAMESPACE", "erp")
    config = load_config(path)
    assert config.prometheus.url == "http://env:9090"
    assert config.prometheus.timeout == timedelta(seconds=5)  # the file's, kept beside it
    assert config.contexts["prod"].namespace == "erp"


def test_a_whole_mapping_as_json(monkeypatch):
    monkeypatch.setenv("COCKPIT_VARS", '{"service": "erp", "base_url": "https://erp"}')
    assert load_config(None).vars == {"service": "erp", "base_url": "https://erp"}


def test_the_variable_from_before_nesting_still_works_and_the_nested_one_wins(monkeypatch):
    monkeypatch.setenv("COCKPIT_PROMETHEUS_URL", "http://old:9090")
    assert load_config(None).prometheus.url == "http://old:9090"
    monkeypatch.setenv("COCKPIT_PROMETHEUS__URL", "http://new:9090")
    assert load_config(None).prometheus.url == "http://new:9090"


def test_flags_beat_environment_beat_file_beat_defaults(tmp_path, monkeypatch):
    path = write(tmp_path, "layout: pre-deployment\nnamespace: staging\ncontext: kind-a\n")
    monkeypatch.setenv("COCKPIT_NAMESPACE", "production")
    monkeypatch.setenv("COCKPIT_CONTEXT", "kind-env")
    monkeypatch.setenv("COCKPIT_PROMETHEUS_URL", "http://env:9090")
    overrides = {"context": "kind-b", "layout": None, "prometheus.url": "http://flag:9090"}
    config = load_config(path, overrides=overrides)
    assert config.layout == "pre-deployment"  # file (no flag, no variable)
    assert config.namespace == "production"  # variable over file
    assert config.context == "kind-b"  # flag over variable and file
    assert config.prometheus.url == "http://flag:9090"  # a nested flag over a variable
    assert config.lock == "cockpit-window"  # default
    assert type(config) is Config  # the model, not the reader


def test_an_empty_variable_is_unset(tmp_path, monkeypatch):
    monkeypatch.setenv("COCKPIT_NAMESPACE", "")
    assert load_config(write(tmp_path, "namespace: staging\n")).namespace == "staging"


def test_the_config_file_from_its_variable_and_the_xdg_default(tmp_path, monkeypatch):
    monkeypatch.setenv("COCKPIT_CONFIG", write(tmp_path, "namespace: staging\n"))
    assert load_config(None).namespace == "staging"
    monkeypatch.delenv("COCKPIT_CONFIG")
    xdg = tmp_path / "xdg" / "cockpit"
    xdg.mkdir(parents=True)
    (xdg / "config.yaml").write_text("namespace: from-xdg\n")
    assert load_config(None).namespace == "from-xdg"


def test_no_dotenv_file_configures_the_cockpit(tmp_path):
    (tmp_path / ".env").write_text("COCKPIT_READ_ONLY=false\nCOCKPIT_NAMESPACE=evil\n")
    config = load_config(None)
    assert config.namespace is None and not config.read_only


def test_problems_in_the_file_and_in_variables_are_all_told_where(tmp_path, monkeypatch):
    path = write(tmp_path, "layout: go-live\nread_only: perhaps\nprometheus:\n  timeout: soon\n")
    monkeypatch.setenv("COCKPIT_ACTIONS__SOAK", "forever")
    monkeypatch.setenv("COCKPIT_POSTGRES__KEEP_DAILY", "0")
    with pytest.raises(LoadError) as caught:
        load_config(path)
    assert [str(p) for p in caught.value.problems] == [
        "$COCKPIT_ACTIONS__SOAK: actions.soak: bad duration 'forever': write e.g. '30s', "
        "'2m', '1h'",
        "$COCKPIT_POSTGRES__KEEP_DAILY: postgres.keep_daily: Input should be greater than "
        "or equal to 1",
        f"{path}:2:12: read_only: Input should be a valid boolean, unable to interpret input",
        f"{path}:4:12: prometheus.timeout: bad duration 'soon': write e.g. '30s', '2m', '1h'",
    ]


def test_a_wrong_value_is_blamed_on_the_source_that_gave_it(tmp_path, monkeypatch):
    """A variable holding JSON for a sibling does not take the blame for the file's value."""
    path = write(tmp_path, "prometheus:\n  timeout: soon\n")
    monkeypatch.setenv("COCKPIT_PROMETHEUS", '{"verify_tls": false}')
    with pytest.raises(LoadError) as caught:
        load_config(path)
    assert [(p.path, p.line, p.col) for p in caught.value.problems] == [(path, 2, 12)]


def test_a_missing_key_is_blamed_on_the_variable_that_began_the_mapping(monkeypatch):
    monkeypatch.setenv("COCKPIT_APPROVAL__EXPIRES", "5m")
    with pytest.raises(LoadError) as caught:
        load_config(None)
    assert str(caught.value) == (
        "$COCKPIT_APPROVAL__EXPIRES: approval: missing required key 'required_for'"
    )


def test_a_bad_variable_names_itself(monkeypatch):
    monkeypatch.setenv("COCKPIT_READ_ONLY", "perhaps")
    with pytest.raises(LoadError, match=r"^\$COCKPIT_READ_ONLY: read_only: Input should be"):
        load_config(None)
    monkeypatch.setenv("COCKPIT_READ_ONLY", "1")
    monkeypatch.setenv("COCKPIT_PROMETHEUS__VERIFY", "false")
    with pytest.raises(LoadError) as caught:
        load_config(None)
    assert str(caught.value) == "$COCKPIT_PROMETHEUS__VERIFY: prometheus: unknown key 'verify'"


def test_a_mapping_or_list_that_is_not_json_names_its_variable(monkeypatch):
    monkeypatch.setenv("COCKPIT_VARS", "service=erp")
    with pytest.raises(LoadError, match=r"^\$COCKPIT_VARS: not JSON \(Expecting value"):
        load_config(None)
    monkeypatch.delenv("COCKPIT_VARS")
    monkeypatch.setenv("COCKPIT_CONTEXTS__PROD__NAMESPACE", "erp")  # plain text, rightly
    monkeypatch.setenv("COCKPIT_CONTEXTS__PROD__APPROVAL__REQUIRED_FOR", "cutover")
    with pytest.raises(LoadError) as caught:
        load_config(None)
    assert [p.path for p in caught.value.problems] == [
        "$COCKPIT_CONTEXTS__PROD__APPROVAL__REQUIRED_FOR"
    ]


def test_an_explicit_config_that_is_missing_is_an_error(tmp_path, monkeypatch):
    with pytest.raises(LoadError, match="cannot read"):
        load_config(str(tmp_path / "nope.yaml"))
    monkeypatch.setenv("COCKPIT_CONFIG", str(tmp_path / "nope.yaml"))
    with pytest.raises(LoadError, match="cannot read"):
        load_config(None)


def test_no_variable_sets_who_the_operator_is(monkeypatch):
    """`COCKPIT_OPERATOR` names the operator on screen and in the journal; four-eyes takes
    the person from the process's uid, which no variable reaches."""
    for name in ("COCKPIT_OPERATOR", "COCKPIT_LOGIN", "COCKPIT_USER", "LOGNAME", "USER"):
        monkeypatch.setenv(name, "mallory")
    session = open_session(load_config(None))
    assert session.operator == "mallory"
    assert session.login == pwd.getpwuid(os.getuid()).pw_name
