"""Safe YAML with positions: every value and key remembers its line and column.

PyYAML's constructors forget where things were and silently keep the last of two
duplicate keys; the cockpit needs both to report `file:line:col` for schema errors.

No message repeats the text of a file that is not what it was opened as (a mistyped
`--layout`, `/etc/passwd`): syntax errors name only the place and what is wrong there,
and the problems that quote a key or value wait until the file has the `Shape` asked for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from cockpit.load.errors import LoadError, Problem

Path_ = tuple[str | int, ...]
#: libyaml's parser when PyYAML has it: same nodes and marks, several times faster
_COMPOSER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_NODES = 200_000  # a few anchors can expand to billions of nodes ("billion laughs")
#: lists and mappings inside one another; the shipped checklists need a dozen. The loader
#: keeps its own limit, well below libyaml's (1000) and the pure-Python composer's stack,
#: so a too-deep file gets the same located message whichever PyYAML is installed
MAX_DEPTH = 100
TOO_DEEP = f"nested too deeply (more than {MAX_DEPTH} levels of lists and mappings)"


#: PyYAML's pure-Python messages that quote a name from the file (libyaml's do not)
_NAMED = re.compile(
    r"^(found undefined alias|found undefined tag handle|duplicate tag handle) .*$", re.S
)


@dataclass(frozen=True)
class Shape:
    """What a file must look like (a mapping with one of `markers`) before the problems
    that quote its keys and values are told; until then it may be any file at all."""

    kind: str
    markers: frozenset[str]
    expected: str

    def fits(self, data: Any) -> bool:
        return isinstance(data, dict) and not self.markers.isdisjoint(data)

    def refusal(self, path: str) -> LoadError:
        return LoadError.at(path, 1, 1, f"not a {self.kind}: expected {self.expected}")


@dataclass
class Positions:
    """Where each path's value (and, for mapping entries, its key) starts; 1-based."""

    values: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def locate(self, path: Path_, *, key: bool = False) -> tuple[int, int]:
        """The nearest known place for `path`, walking up to its parents."""
        table = self.keys if key else self.values
        while path:
            if path in table:
                return table[path]
            if path in self.values:
                return self.values[path]
            path = path[:-1]
        return self.values.get((), (1, 1))


def _mark(node: yaml.Node | yaml.Event) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def _check_depth(text: str, path: str) -> None:
    """Refuse, at the first list or mapping past `MAX_DEPTH`, before anything is composed."""
    try:
        _walk_depth(text, path, _COMPOSER)
    except yaml.MarkedYAMLError as exc:
        if _COMPOSER is yaml.SafeLoader or "nesting depth" not in str(exc.problem):
            raise
        # libyaml reads ahead (up to 1024 characters of a line, for a possible key) and can
        # hit its own limit of 1000 before the event past ours comes out: the pure-Python
        # parser has no limit of its own and finds that place
        _walk_depth(text, path, yaml.SafeLoader)
        mark = exc.problem_mark
        raise LoadError.at(path, mark.line + 1, mark.column + 1, TOO_DEEP) from None


def _walk_depth(text: str, path: str, loader: type) -> None:
    """The parser's events come from a loop, not recursion: this pass cannot overflow."""
    depth = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise LoadError.at(path, *_mark(event), TOO_DEEP)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


class _Builder:
    def __init__(self, path: str) -> None:
        self.path = path
        self.positions = Positions()
        self.problems: list[Problem] = []
        self._scalars = yaml.SafeLoader("")
        self._count = 0

    def problem(self, node: yaml.Node, message: str) -> None:
        self.problems.append(Problem(self.path, *_mark(node), message))

    def build(self, node: yaml.Node, where: Path_, active: frozenset[int]) -> Any:
        self._count += 1
        if self._count > MAX_NODES:
            raise LoadError.at(
                self.path, *_mark(node), f"document too large (over {MAX_NODES} values)"
            )
        self.positions.values[where] = _mark(node)
        if id(node) in active:
            raise LoadError.at(self.path, *_mark(node), "recursive alias")
        active = active | {id(node)}
        collection = isinstance(node, yaml.MappingNode | yaml.SequenceNode)
        if collection and len(where) >= MAX_DEPTH:  # deeper through aliases than in the text
            raise LoadError.at(self.path, *_mark(node), TOO_DEEP)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, where, active)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(child, (*where, i), active) for i, child in enumerate(node.value)]
        return self._scalar(node)

    def _scalar(self, node: yaml.Node) -> Any:
        try:
            return self._scalars.construct_object(node, deep=True)
        except (yaml.constructor.ConstructorError, ValueError) as exc:
            self.problem(node, getattr(exc, "problem", None) or f"bad value: {exc}")
            return None
        except (LookupError, AttributeError, TypeError):  # e.g. `!!bool maybe`, `!!int ""`
            self.problem(node, f"bad value {node.value!r} for tag {node.tag!r}")
            return None

    def _mapping(self, node: yaml.MappingNode, where: Path_, active: frozenset[int]) -> dict:
        try:
            self._scalars.flatten_mapping(node)
        except yaml.constructor.ConstructorError as exc:
            self.problem(node, exc.problem or "bad merge key")
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                self.problem(key_node, "a key must be plain text, not a list or mapping")
                continue
            key = self._scalar(key_node)
            if key is None:
                self.problem(key_node, "a key must be text, not empty")
                continue
            key = key if isinstance(key, str) else str(key)
            if key in result:
                first = self.positions.keys[(*where, key)]
                self.problem(key_node, f"duplicate key {key!r} (first at line {first[0]})")
                continue
            self.positions.keys[(*where, key)] = _mark(key_node)
            result[key] = self.build(value_node, (*where, key), active)
        return result


def _code(character: int | str) -> int:
    return character if isinstance(character, int) else ord(character)


def load_yaml(text: str, path: str, shape: Shape | None = None) -> tuple[Any, Positions]:
    """Parse one YAML document; raise `LoadError` with every problem found, or only the
    refusal of `shape` when the document does not have it."""
    try:
        _check_depth(text, path)
        documents = list(yaml.compose_all(text, Loader=_COMPOSER))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = _NAMED.sub(r"\1", exc.problem or exc.context or "YAML syntax error")
        lines = text.splitlines()
        if 0 < line <= len(lines) and "\t" in lines[line - 1]:
            message += " (tabs cannot indent YAML; use spaces)"
        raise LoadError.at(path, line, col, message) from None
    except yaml.reader.ReaderError as exc:  # control characters and the like
        before = text[: exc.position]
        line, col = before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1
        raise LoadError.at(
            path, line, col, f"control character U+{_code(exc.character):04X} is not allowed"
        ) from None
    if len(documents) > 1:
        raise LoadError.at(path, *_mark(documents[1]), "more than one YAML document in the file")
    if not documents or documents[0] is None:
        raise LoadError.at(path, 1, 1, "empty file")
    builder = _Builder(path)
    data = builder.build(documents[0], (), frozenset())
    if shape is not None and not shape.fits(data):
        raise shape.refusal(path)
    if builder.problems:
        raise LoadError(builder.problems)
    return data, builder.positions
