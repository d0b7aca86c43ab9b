"""Reading the configuration: file, then environment, then flags — each checked."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import platformdirs

from cockpit.load.schema import validate
from cockpit.load.text import read_text
from cockpit.load.yaml_tree import Positions, Shape, load_yaml
from cockpit.model.config import Config

#: environment variable → config key
ENVIRONMENT = {
    "COCKPIT_LAYOUT": "layout",
    "COCKPIT_CONTEXT": "context",
    "COCKPIT_NAMESPACE": "namespace",
    "COCKPIT_WINDOW": "window",
    "COCKPIT_OPERATOR": "operator",
    "COCKPIT_READ_ONLY": "read_only",
    "COCKPIT_PROMETHEUS_URL": "prometheus.url",
}


def default_path() -> Path:
    return platformdirs.user_config_path("cockpit") / "config.yaml"


CONFIG = Shape(
    "configuration",
    frozenset(Config.model_fields),
    "a mapping of settings such as 'layout', 'context' or 'namespace'",
)


def parse_config(text: str, file: str) -> Config:
    data, positions = load_yaml(text, file, CONFIG)
    return validate(Config, data, positions, file)


def _set(data: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    for key in parents:
        data = data.setdefault(key, {})
    data[last] = value


def load_config(
    path: str | None,
    environ: Mapping[str, str] = os.environ,
    overrides: Mapping[str, Any] | None = None,
) -> Config:
    """File (explicit, or the XDG default if present) < environment < flags."""
    file = path or environ.get("COCKPIT_CONFIG") or str(default_path())
    data: dict[str, Any] = {}
    positions = Positions()
    if path or environ.get("COCKPIT_CONFIG") or Path(file).is_file():
        data, positions = load_yaml(read_text(file), file, CONFIG)
    for variable, key in ENVIRONMENT.items():
        if environ.get(variable):
            _set(data, key, environ[variable])
    for key, value in (overrides or {}).items():
        if value is not None:
            _set(data, key, value)
    return validate(Config, data, positions, file)
