"""One zone for every time an export shows: the window's, as its `session.start` recorded it.

The journal stores UTC; the operator read the window's zone (the runbook's times are in
it, and so are the times inside the banners' messages). A journal without a zone, or with
one this host does not know, is shown in UTC, and the report says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def recorded_zone(start: Mapping[str, Any]) -> tzinfo | None:
    """The zone a `session.start` names; None when it names none or one unknown here."""
    name = start.get("timezone") or ""
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


@dataclass(frozen=True)
class ReportClock:
    """Formats every time of one report alike: in one zone, with the date only when the
    recording spans more than one day there."""

    zone: tzinfo
    name: str
    dated: bool
    note: str = ""

    @classmethod
    def of(cls, start: Mapping[str, Any], first: datetime, last: datetime) -> ReportClock:
        zone = recorded_zone(start)
        written = start.get("timezone") or ""
        note = f" (the recorded zone {written!r} is not known here)" if written and not zone else ""
        zone = zone or UTC
        dated = first.astimezone(zone).date() != last.astimezone(zone).date()
        return cls(zone, str(getattr(zone, "key", "UTC")), dated, note)

    def __call__(self, moment: datetime | str) -> str:
        """`moment` may be an event's RFC 3339 text; text that is no time is kept as it is."""
        if isinstance(moment, str):
            try:
                moment = datetime.fromisoformat(moment)
            except ValueError:
                return moment
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(self.zone).strftime(
            "%Y-%m-%d %H:%M:%S" if self.dated else "%H:%M:%S"
        )

    def day(self, moment: datetime) -> str:
        return moment.astimezone(self.zone).strftime("%Y-%m-%d")

    def label(self, moment: datetime) -> str:
        """The zone, said once: `Europe/Berlin (UTC+01:00)`."""
        offset = moment.astimezone(self.zone).strftime("%z")
        return f"{self.name} (UTC{offset[:3]}:{offset[3:]}){self.note}"
