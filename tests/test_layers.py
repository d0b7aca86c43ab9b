"""The packages' imports point one way: the architecture, checked rather than hoped for.

model ← load ← clients ← sources / actions ← audit ← runtime ← ui ← cli (sim beside it).
A layer imports only those to its left; `sources` and `actions` never each other (both
reach the world through `clients`), `audit` never the UI, and nothing imports a private
name of another module's.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "cockpit"
#: what each layer may import (besides itself and the leaf modules)
ALLOWED = {
    "model": set(),
    "load": {"model"},
    "clients": {"model"},
    "sources": {"model", "clients"},
    "actions": {"model", "clients"},
    "audit": {"model", "load"},
    "runtime": {"model", "load", "clients", "sources", "audit"},
    "ui": {"model", "load", "clients", "actions", "audit", "runtime", "sources"},
    "sim": {"model", "load", "runtime", "ui"},
    "bundled": set(),
}
LEAVES = {
    "fsutil",
    "__init__",
    "__version__",
}  # modules every layer may use: no cockpit imports of their own


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def imports(path: Path) -> list[tuple[str, list[str], int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("cockpit"):
            found.append((node.module, [a.name for a in node.names], node.lineno))
        elif isinstance(node, ast.Import):
            found += [(a.name, [], node.lineno) for a in node.names if a.name.startswith("cockpit")]
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_one_way(path):
    own = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
    if own not in ALLOWED:  # cli.py, __main__.py: the top, may import anything
        return
    wrong = []
    for module, names, line in imports(path):
        target = layer(module) or (names[0] if names else "")
        if target in (own, *LEAVES) or target in ALLOWED[own]:
            continue
        wrong.append(f"{path.name}:{line}: {own} imports {module}")
    assert not wrong, wrong


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_private_name_crosses_a_module(path):
    private = [
        f"{path.name}:{line}: {module}.{name}"
        for module, names, line in imports(path)
        for name in names
        if name.startswith("_") and not name.startswith("__")
    ]
    assert not private, private
