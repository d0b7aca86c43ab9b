"""Shared fixtures: the five source runbooks in `shared/seeds`, beside the repository."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEEDS_DIR = REPO / ".." / "shared" / "seeds"

#: readable name → file name prefix in shared/seeds
SEED_PREFIXES = {
    "pre-deployment-check": "000_",
    "deployment-plan": "001_",
    "go-live-checklist": "002_",
    "pre-go-live-checklist": "003_",
    "deployment-plan-v1": "004_",
}


@pytest.fixture(scope="session")
def repo_dir() -> Path:
    return REPO


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    assert SEEDS_DIR.is_dir(), f"the seed runbooks are missing: expected {SEEDS_DIR.resolve()}"
    return SEEDS_DIR


@pytest.fixture(scope="session")
def seeds(seeds_dir: Path) -> dict[str, Path]:
    """Readable name → seed file, e.g. `seeds["deployment-plan"]`."""
    found = {}
    for name, prefix in SEED_PREFIXES.items():
        matches = sorted(seeds_dir.glob(f"{prefix}*"))
        assert len(matches) == 1, f"expected one seed {prefix}* in {seeds_dir}, found {matches}"
        found[name] = matches[0]
    return found
