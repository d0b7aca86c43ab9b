"""Stable slug-path ids for sections and items."""

from __future__ import annotations

import re
import time

import pytest

from cockpit.load.markdown import parse_markdown
from cockpit.model.ids import MAX_SLUG, IdAllocator, slugify

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Alle Pods running (3/3)", "alle-pods-running-3-3"),
        ("**Alle Pods running (3/3)**", "alle-pods-running-3-3"),
        ("Prüfe Datenbank", "pruefe-datenbank"),
        ("Code-Qualität", "code-qualitaet"),
        ("Größe ändern", "groesse-aendern"),
        ("Übersicht", "uebersicht"),
        ("Risiken und Maßnahmen", "risiken-und-massnahmen"),
        ("Café résumé", "cafe-resume"),
        (
            "Deploy to Staging (siehe [STAGING-DEPLOYMENT.md](./STAGING-DEPLOYMENT.md))",
            "deploy-to-staging-siehe-staging-deployment-md",
        ),
        ("[link text](https://example.com/very/long/url)", "link-text"),
        ("Namespace `production` erstellt", "namespace-production-erstellt"),
        ("*emphasis* and ~~strike~~", "emphasis-and-strike"),
        ("/healthz: 200 OK", "healthz-200-ok"),
        ("✅ Phase 1: Code & Build", "phase-1-code-build"),
        ("  --- spaced ---  ", "spaced"),
    ],
)
def test_slugify(text, slug):
    assert slugify(text) == slug


@pytest.mark.parametrize("text", ["", "   ", "✅", "🚀🚀", "***", "`", "[](x)", "---", "日本語"])
def test_slugify_is_never_empty(text):
    assert slugify(text) == "item"


def test_slugify_caps_length_at_a_word_boundary():
    text = "Performance-Tests durchführen und Ergebnisse dokumentieren, bitte sofort"
    slug = slugify(text)
    assert len(slug) <= MAX_SLUG
    assert SLUG.match(slug)
    full = "performance-tests-durchfuehren-und-ergebnisse-dokumentieren-bitte-sofort"
    assert full.startswith(slug)
    assert full[len(slug)] == "-"  # cut between words, not inside one
    assert slug == "performance-tests-durchfuehren-und-ergebnisse"


def test_slugify_cuts_a_single_long_word():
    assert slugify("x" * 100) == "x" * MAX_SLUG


@pytest.mark.parametrize(
    "text", ["Ä" * 40, "a b " * 40, "Error-Rate < 1% (P95 < 500ms) für alle Pods & Services"]
)
def test_slugify_shape(text):
    slug = slugify(text)
    assert SLUG.match(slug)
    assert 1 <= len(slug) <= MAX_SLUG


def test_allocator_paths_and_collision_suffixes():
    ids = IdAllocator()
    assert ids.allocate(None, "Deploy") == "deploy"
    assert ids.allocate("deploy", "Start") == "deploy/start"
    assert ids.allocate("deploy", "Start") == "deploy/start-2"
    assert ids.allocate("deploy", "**Start**") == "deploy/start-3"
    assert ids.allocate("other", "Start") == "other/start"
    assert ids.allocate(None, "Deploy") == "deploy-2"


def test_allocator_reserve():
    ids = IdAllocator()
    assert ids.reserve("deploy/start") is True
    assert ids.reserve("deploy/start") is False
    # a derived id never takes a reserved one
    assert ids.allocate("deploy", "Start") == "deploy/start-2"


RUNBOOK = """\
# Runbook

## Deploy

- [ ] Backup erstellt
- [ ] Migrationen angewendet
  - [ ] Init-Skript
- [ ] Pods running (3/3)

## Verify

- [ ] /healthz returns 200
"""

GROWN = """\
# Runbook

## Vorbereitung

- [ ] Wartungsfenster kommuniziert

## Deploy

- [ ] Team informiert
- [ ] Backup erstellt
- [ ] Rollback-Plan gelesen
- [ ] Migrationen angewendet
  - [ ] Baseline-Skript
  - [ ] Init-Skript
- [ ] Pods running (3/3)

## Verify

- [ ] Logs sauber
- [ ] /healthz returns 200
"""


def _ids(markdown: str) -> dict[str, str]:
    return {item.text: item.id for item in parse_markdown(markdown, "r.md").walk_items()}


def test_ids_do_not_change_when_other_items_are_added_before_them():
    before, after = _ids(RUNBOOK), _ids(GROWN)
    assert before == {
        "Backup erstellt": "deploy/backup-erstellt",
        "Migrationen angewendet": "deploy/migrationen-angewendet",
        "Init-Skript": "deploy/migrationen-angewendet/init-skript",
        "Pods running (3/3)": "deploy/pods-running-3-3",
        "/healthz returns 200": "verify/healthz-returns-200",
    }
    for text, item_id in before.items():
        assert after[text] == item_id
    assert len(set(after.values())) == len(after)


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,  # every `[` once scanned to the first `]`
        "[a](" * 50_000,  # every link once scanned to the end for its `)`
        "[" * 100_000 + "](" + "x" * 100_000,
    ],
    ids=["brackets", "open-links", "unclosed-link"],
)
def test_slugify_is_linear_in_brackets_without_links(text):
    started = time.perf_counter()
    slugify(text)
    assert time.perf_counter() - started < 2.0  # 0.05 s when linear, 20 s when quadratic


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("[a [b](u) c", "a-b-c"),
        ("[a](b [c](d) e", "a-e"),
        ("[x](https://en.wikipedia.org/wiki/Foo_(bar)) y", "x-y"),
        ("[open](no close", "open-no-close"),
        ("]([x](y)", "x"),
        ("[[x]](y)", "x-y"),
    ],
)
def test_slugify_strips_links_as_before(text, slug):
    assert slugify(text) == slug


def test_an_id_never_spells_a_credential_of_its_text():
    slug = slugify("Fetch with curl -u admin:curlpw-Pl4nted1 token=tok5n9 https://erp")
    assert "pl4nted1" not in slug and "tok5n9" not in slug
    assert slug.startswith("fetch-with-curl-u-admin")
    assert IdAllocator().allocate("s", "key AKIAPL4NTED8EXAMPLE0") == "s/key"
