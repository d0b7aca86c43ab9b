"""Sources, journal and progress for a session: what `cockpit run` and `cockpit demo` share
(the sources themselves: `runtime.sources`)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from cockpit.audit.journal import Journal, JournalBusy, written_now
from cockpit.audit.trail import AuditTrail, beside, default_journal_path
from cockpit.model import events as ev
from cockpit.model.session import Session
from cockpit.runtime.progress import ProgressStore, window_path
from cockpit.runtime.restore import restore_window, window_journals
from cockpit.runtime.sources import source_factories
from cockpit.sources.base import SourceFactory

#: how long a restart waits for the cockpit it replaces (an SSH drop: the old process is
#: still writing its `session.end`) before journaling beside it
RESTART_WAIT = 3.0


class SetupError(Exception):
    """The window cannot be opened; the message is located (`file:line:col: …`)."""


@dataclass(frozen=True)
class Parts:
    """What a cockpit app is given besides its session."""

    store: ProgressStore
    restored: list[ev.Event]
    trail: AuditTrail
    sources: list[SourceFactory]
    #: said on start and at the end: the window's journal was busy, this one is elsewhere
    journal_note: str | None = None
    notices: list[str] = field(default_factory=list)  # about the progress file, located


def assemble(
    session: Session,
    *,
    journal: str | Path | None = None,
    progress: Path | None = None,
    restored: Iterable[ev.Event] | None = None,
) -> Parts:
    """The window's progress (unless `restored` is given: as far as its journal proves it,
    see `cockpit.runtime.restore`), its journal (at `journal`, else the window's own) and a
    factory per configured source."""
    store = ProgressStore(progress or window_path(session.window), session.window)
    try:  # first: a restart waits here for the old process's last records
        opened, note = open_journal(journal, session.window)
    except SetupError:
        store.close()
        raise
    notices: list[str] = []
    if restored is None:
        own = Path(journal) if journal else default_journal_path(session.window)
        try:
            journals = window_journals(own)
            live = [p for p in journals if p != opened.path and written_now(p)]
            found = restore_window(store.path, journals, session.window, live=live)
        except OSError as exc:
            opened.close()
            store.close()
            raise SetupError(f"{own}:1:1: cannot read the journal: {exc}") from None
        store.start_from(found.events, on_disk=found.on_disk)
        restored, notices = found.events, found.notices
    trail = AuditTrail(opened)
    return Parts(store, list(restored), trail, source_factories(session), note, notices)


def audit_key() -> bytes | None:
    """`COCKPIT_AUDIT_KEY`: every record is sealed with an HMAC when it is set."""
    key = os.environ.get("COCKPIT_AUDIT_KEY")
    return key.encode() if key else None


def open_journal(path: str | Path | None, window: str) -> tuple[Journal, str | None]:
    """The journal at `path`, or the window's own under $XDG_STATE_HOME/cockpit/audit/, and
    what to tell the operator about it. A journal has one writer: a `path` another cockpit
    writes is refused (it was asked for by name); the window's own is waited for a moment
    (a restart after an SSH drop), then a second cockpit journals beside it."""
    key = audit_key()
    own = Path(path) if path else default_journal_path(window)
    try:
        return Journal(own, key=key, wait=0.0 if path else RESTART_WAIT), None
    except JournalBusy as exc:
        if path:
            raise _located(own, exc) from None
    except (OSError, RuntimeError) as exc:
        raise _located(own, exc) from None
    n = 2
    while True:
        other = beside(own, n)
        try:
            journal = Journal(other, key=key)
        except JournalBusy:
            n += 1
            continue
        except (OSError, RuntimeError) as exc:
            raise _located(other, exc) from None
        return journal, f"audit: another cockpit writes {own}; this one journals to {other}"


def _located(path: Path, exc: Exception) -> SetupError:
    reason = str(exc).removeprefix(f"{path}: ")
    return SetupError(f"{path}:1:1: audit journal: {reason}")
