"""The configuration file: its shape and its settings, each checked where it is written
(`cockpit.load.settings` lays the environment and the flags over it)."""

from __future__ import annotations

from pathlib import Path

import platformdirs

from cockpit.load.schema import validate
from cockpit.load.yaml_tree import Shape, load_yaml
from cockpit.model.config import Config


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
