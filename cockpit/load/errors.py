"""Problems in users' files, each with a place a person can jump to."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """`path` is a file, or a place outside files (`$COCKPIT_READ_ONLY`) with line 0."""

    path: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        if not self.line:
            return f"{self.path}: {self.message}"
        return f"{self.path}:{self.line}:{self.col}: {self.message}"


class LoadError(Exception):
    """All problems found in one file; raised instead of a traceback-worthy exception."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @classmethod
    def at(cls, path: str, line: int, col: int, message: str) -> LoadError:
        return cls([Problem(path, line, col, message)])
