"""Schema validation with pydantic, its errors translated to `file:line:col: message`."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from cockpit.load.errors import LoadError, Problem
from cockpit.load.yaml_tree import Path_, Positions

M = TypeVar("M", bound=BaseModel)


def dotted(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}" if out else str(part)
    return out or "(top level)"


def _data_path(loc: tuple[str | int, ...], data: Any) -> Path_:
    """Drop pydantic's own segments (union tags, validator names) that are not in the data."""
    path: list[str | int] = []
    node = data
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        ):
            path.append(part)
            node = node[part]
        elif last:
            path.append(part)  # a missing key
        # else: a union tag such as 'http', not a place in the file
    return tuple(path)


def _message(error: ErrorDetails, path: Path_) -> str:
    kind, msg = error["type"], error["msg"]
    where = dotted(path)
    if kind == "missing":
        return f"{dotted(path[:-1])}: missing required key {path[-1]!r}"
    if kind == "extra_forbidden":
        return f"{dotted(path[:-1])}: unknown key {path[-1]!r}"
    if kind == "union_tag_invalid":
        ctx = error.get("ctx", {})
        tag, expected = ctx.get("tag"), ctx.get("expected_tags")
        return f"{where}: unknown kind {tag!r}; expected one of {expected}"
    if kind == "union_tag_not_found":
        return f"{where}: missing required key 'kind'"
    if kind == "literal_error":
        return f"{where}: {msg}, not {error.get('input')!r}"
    return f"{where}: {msg.removeprefix('Value error, ')}"


def message_of(err: ErrorDetails) -> str:
    """The message for an error whose place is not in a file (an environment variable):
    pydantic's `loc` is the path, as the configuration has no tagged unions to drop."""
    return _message(err, tuple(err["loc"]))


def problem_of(err: ErrorDetails, data: Any, positions: Positions, file: str) -> Problem:
    path = _data_path(tuple(err["loc"]), data)
    if err["type"] == "missing":
        line, col = positions.locate(path[:-1])
    else:
        line, col = positions.locate(path, key=err["type"] == "extra_forbidden")
    return Problem(file, line, col, _message(err, path))


def problems_of(
    error: ValidationError, data: Any, positions: Positions, file: str
) -> list[Problem]:
    return [problem_of(err, data, positions, file) for err in error.errors()]


def validate(model: type[M], data: Any, positions: Positions, file: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise LoadError(problems_of(exc, data, positions, file)) from None
