"""The configuration as pydantic-settings reads it: flags, then `COCKPIT_…` variables, then
the YAML file, then the model's defaults — and each problem told where it was written.

Every setting has its variable without a line of code here: `COCKPIT_NAMESPACE`, and `__`
into nested ones (`COCKPIT_PROMETHEUS__URL`, `COCKPIT_ACTIONS__SOAK`,
`COCKPIT_CONTEXTS__PROD__READ_ONLY`); a list or mapping is JSON
(`COCKPIT_APPROVAL__REQUIRED_FOR='["cutover"]'`). An empty variable counts as unset.

`Config` stays a plain model in `cockpit.model`: `Settings` adds the reading, here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from cockpit.load.config_yaml import CONFIG, default_path
from cockpit.load.errors import LoadError, Problem
from cockpit.load.schema import message_of, problem_of
from cockpit.load.text import read_text
from cockpit.load.yaml_tree import Path_, Positions, load_yaml
from cockpit.model.config import Config

PREFIX = "COCKPIT_"
NESTED = "__"
#: names from before nested settings had variables, still read; the nested name wins
RENAMED: dict[str, Path_] = {"COCKPIT_PROMETHEUS_URL": ("prometheus", "url")}
#: where problems with the flags are said to be
COMMAND_LINE = "command line"


@dataclass(frozen=True)
class ConfigFile:
    """A configuration file, read: its settings and where each one is written."""

    name: str
    data: dict[str, Any]
    positions: Positions

    @classmethod
    def find(cls, path: str | None) -> ConfigFile | None:
        """`--config`, else `COCKPIT_CONFIG` (either must exist), else the XDG default if
        there is one."""
        name = path or os.environ.get("COCKPIT_CONFIG")
        if not name:
            if not default_path().is_file():
                return None
            name = str(default_path())
        data, positions = load_yaml(read_text(name), name, CONFIG)
        return cls(name, data, positions)


#: the file `load_config` reads: pydantic-settings asks a classmethod for the sources, so the
#: file a caller chose reaches them this way (set and reset around one `Settings(…)`)
_FILE: ContextVar[ConfigFile | None] = ContextVar("cockpit_config_file", default=None)


def _set(data: dict[str, Any], path: Path_, value: Any) -> None:
    *parents, last = path
    for key in parents:
        data = data.setdefault(key, {})
    data[last] = value


def _holds(data: Any, path: Path_) -> bool:
    """Whether `data` gives the value at `path` (or a plain value above it, which is wrong)."""
    for part in path:
        if isinstance(data, dict):
            if part not in data:
                return False
            data = data[part]
        elif isinstance(data, list):
            if not (isinstance(part, int) and 0 <= part < len(data)):
                return False
            data = data[part]
        else:
            return True
    return True


class _Given(PydanticBaseSettingsSource):
    """Settings already read into a mapping: the file's, or the renamed variables'."""

    def __init__(self, settings_cls: type[BaseSettings], data: dict[str, Any]) -> None:
        super().__init__(settings_cls)
        self.data = data

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return self.data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return self.data


def _renamed(environ: Mapping[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, path in RENAMED.items():
        if environ.get(name):
            _set(data, path, environ[name])
    return data


class _Environment(EnvSettingsSource):
    """pydantic-settings' own, but a list or mapping that is not JSON names its variable."""

    def prepare_field_value(
        self, field_name: str, field: FieldInfo, value: Any, value_is_complex: bool
    ) -> Any:
        try:
            return super().prepare_field_value(field_name, field, value, value_is_complex)
        except ValueError as exc:  # the library's own SettingsError names only the field
            text = getattr(exc, "doc", None)  # what json.loads was given
            top = (self.env_prefix + field_name).lower()
            names = [
                name
                for name, given in self.env_vars.items()
                if (name == top or name.startswith(top + NESTED))
                and (text is None or given == text)
            ] or [top]
            message = f"not JSON ({exc}): a list or mapping is written as JSON here"
            raise LoadError([Problem(f"${n.upper()}", 0, 0, message) for n in names]) from None


class Settings(Config, BaseSettings):
    """`Config` with a `COCKPIT_…` variable for every setting."""

    model_config = SettingsConfigDict(
        env_prefix=PREFIX, env_nested_delimiter=NESTED, env_ignore_empty=True
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Flags (passed in) > variables > the file. No `.env` nor secrets directory: a file
        lying in the working directory must not configure a production cockpit unseen."""
        file = _FILE.get()
        return (
            init_settings,
            _Environment(settings_cls),
            _Given(settings_cls, _renamed(os.environ)),
            _Given(settings_cls, file.data if file is not None else {}),
        )


def _variable(path: Path_) -> str:
    """The variable that set the value at `path`: its own, one above it holding JSON, a
    renamed one, or — for a missing key — one that set something under it."""
    given = {name.lower(): name for name, value in os.environ.items() if value}
    parts = [str(part).lower() for part in path]
    names = [(PREFIX.lower() + NESTED.join(parts[:n])) for n in range(len(parts), 0, -1)]
    names += [old.lower() for old, new in RENAMED.items() if tuple(parts[: len(new)]) == new]
    for name in names:
        if name in given:
            return given[name]
    under = PREFIX.lower() + NESTED.join(parts) + NESTED
    return next(given[name] for name in sorted(given) if name.startswith(under))


def _locate(err: ErrorDetails, flags: dict[str, Any], file: ConfigFile | None) -> Problem:
    """Where the wrong value was given: the source that wins for its place says."""
    path = tuple(err["loc"])
    held = path[:-1] if err["type"] == "missing" else path
    if not _holds(flags, held):
        environment = (_Environment(Settings)(), _renamed(os.environ))
        if any(_holds(data, held) for data in environment):
            return Problem(f"${_variable(held)}", 0, 0, message_of(err))
        if file is not None:
            return problem_of(err, file.data, file.positions, file.name)
    return Problem(COMMAND_LINE, 0, 0, message_of(err))


def load_config(path: str | None, overrides: Mapping[str, Any] | None = None) -> Config:
    """Flags (`overrides`: dotted keys, None for not given) > environment > file > defaults.
    `LoadError` lists every problem, each at its `file:line:col` or naming its variable."""
    file = ConfigFile.find(path)
    flags: dict[str, Any] = {}
    for key, value in (overrides or {}).items():
        if value is not None:
            _set(flags, tuple(key.split(".")), value)
    token = _FILE.set(file)
    try:
        settings = Settings(**flags)
    except ValidationError as exc:
        raise LoadError([_locate(err, flags, file) for err in exc.errors()]) from None
    finally:
        _FILE.reset(token)
    # the rest of the cockpit is handed the model, not the reader that filled it
    values = {name: getattr(settings, name) for name in Config.model_fields}
    return Config.model_construct(settings.model_fields_set, **values)
