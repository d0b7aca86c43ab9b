"""One number of the window (P95, error rate, SSE connections), blue and green side by side.

Each line: the version, its current value against the runbook's success and rollback
thresholds, and a sparkline of the last 30 minutes. What Prometheus did not say is not
made up: NaN is "no traffic", an empty answer is "no series", old data says how old.
"""

from __future__ import annotations

import math
from datetime import datetime, tzinfo

from rich.style import Style
from rich.text import Text
from textual.content import Content
from textual.widget import Widget

from cockpit.model.checklist import Rule
from cockpit.model.compare import UNKNOWN
from cockpit.model.evidence import COMPARE
from cockpit.model.layout import Pane as PaneSpec
from cockpit.model.metrics import Metric, stale
from cockpit.model.serving import quiet
from cockpit.model.state import State
from cockpit.model.units import format_duration, format_value
from cockpit.ui.palette import CAUTION, ERROR, SUCCESS, WARNING, look
from cockpit.ui.widgets.gate_pane import COMPARE_STYLE
from cockpit.ui.widgets.pane import PaneMixin, clock
from cockpit.ui.widgets.source_pane import source_line

BLOCKS = "▁▂▃▄▅▆▇█"
#: the rules' verdict of a series, as a word and Textual style text (`palette.look`)
VERDICT = {
    "OK": ("ok", SUCCESS),
    "HOLD": ("HOLD", CAUTION),
    "PENDING": ("pending", CAUTION),
    "ROLLBACK": ("ROLLBACK", f"bold reverse {ERROR}"),
}


def sparkline(values: list[float], width: int) -> str:
    points = values[-width:]
    finite = [v for v in points if math.isfinite(v)]
    if not finite:
        return " " * len(points)
    low, high = min(finite), max(finite)
    span = (high - low) or 1.0
    return "".join(
        BLOCKS[int((v - low) / span * (len(BLOCKS) - 1))] if math.isfinite(v) else " "
        for v in points
    )


def series_labels(metric: Metric) -> dict[str, str]:
    """Short names, padded alike: the version, else the pod without the name all pods share."""
    names = {
        key: s.labels.get("version") or s.labels.get("pod") or key or "all"
        for key, s in metric.series.items()
    }
    pods = [s.labels["pod"] for s in metric.series.values() if "pod" in s.labels]
    if len(pods) > 1:
        shared = ""
        for words in zip(*(pod.split("-")[:-1] for pod in pods), strict=False):
            if len(set(words)) > 1:
                break
            shared += f"{words[0]}-"
        names = {k: v.removeprefix(shared) for k, v in names.items()}
    width = min(max((len(n) for n in names.values()), default=3), 32)
    return {key: f"{name:<{width}.{width}}" for key, name in names.items()}


class MetricPane(PaneMixin, Widget, can_focus=True):
    def __init__(
        self,
        pane_id: str,
        spec: PaneSpec,
        state: State,
        tz: tzinfo | None,
        success: Rule | None,
        trigger: Rule | None,
        traffic: str | None = None,
    ) -> None:
        super().__init__(id=pane_id, classes="pane")
        self.setup_pane(pane_id, spec, state, tz)
        self.key = spec.query or pane_id
        self.success, self.trigger = success, trigger
        #: requests/s per version; only rates of requests (latency, errors) go quiet with it
        self.traffic = traffic if spec.unit in ("ratio", "seconds") else None
        self.border_title = Content(spec.title or self.key)  # PromQL's [5m] is no markup

    def affected(self, old: State, new: State) -> bool:
        return (
            old.metrics.get(self.key) is not new.metrics.get(self.key)
            or (
                self.traffic is not None
                and old.metrics.get(self.traffic) is not new.metrics.get(self.traffic)
            )
            or old.sources.get("prometheus") is not new.sources.get("prometheus")
            or old.window is not new.window
            or (old.now or "")[:19] != (new.now or "")[:19]
        )

    def verdict(self, version: str) -> tuple[str, Style, str]:
        """(word, style, why) as the window's judgement gave it for this series — the
        pane never judges a value itself; a series the rules did not judge shows "–"."""
        mark = self.state.window.mark(self.spec.metric or "", version) if self.spec.metric else None
        if mark is None:
            return "–", Style(dim=True), ""
        word, style = VERDICT.get(mark.get("state", ""), ("?", WARNING))
        since = mark.get("since", "")
        why = f"{mark.get('why', '')} since {clock(since, self.tz, '%H:%M:%S')}" if since else ""
        return word, look(style), why

    def render(self) -> Text:
        metric = self.state.metrics.get(self.key)
        source = self.state.sources.get("prometheus")
        if metric is None:
            return source_line("prometheus", self.state, self.tz)
        width = max(self.content_region.width, 20)
        labels = series_labels(metric)
        lines = [self._line(metric, key, labels[key], width) for key in sorted(metric.series)]
        if metric.empty:
            lines = [
                Text("no series: Prometheus answered with an empty vector", style=look(WARNING))
            ]
        compared = self._compared() if self.spec.metric else None
        if compared is not None:
            lines.append(compared)
        lines.append(self._footer(metric, source))
        return Text("\n").join(lines)

    def _line(self, metric: Metric, key: str, label: str, width: int) -> Text:
        series = metric.series[key]
        last = series.last
        value = last.value if last else math.nan
        if quiet(self.state, self.traffic, series.labels.get("version")):
            head = Text.assemble(f"{label} ", (f"{'no traffic':>16}", "dim"), f" {'–':<8}")
            return head.append(" 0 requests/s now", style="dim")
        word, style, why = self.verdict(series.labels.get("version") or label.strip())
        head = Text.assemble(
            f"{label} ", (f"{format_value(value, self.spec.unit):>16}", style), f" {word:<8}"
        )
        room = width - head.cell_len - 1
        spark = sparkline([s.value for s in series.samples], room) if room > 4 else ""
        head.append(spark, style="dim")
        if why:
            head.append(f"\n  ↳ {why}", style=style)
        for shadow in self._shadows(series.labels.get("version") or label.strip()):
            head.append(f"\n  ◌ {shadow}", style="dim")
        return head

    def _shadows(self, version: str) -> list[str]:
        """The shadow rules' verdicts on this series: shown, never acted on."""
        return [
            f"shadow {item['rule']}: {item['state']}"
            for item in self.state.window.evidence
            if item.get("shadow")
            and item["kind"] != COMPARE
            and item.get("metric") == self.spec.metric
            and item.get("series") == version
        ]

    def _compared(self) -> Text | None:
        """Green against blue on this metric, once the comparison can say something."""
        item = next(
            (
                i
                for i in self.state.window.evidence
                if i["kind"] == COMPARE and i.get("metric") == self.spec.metric
            ),
            None,
        )
        if item is None or item["state"] == UNKNOWN:
            return None
        style = look(COMPARE_STYLE.get(item["state"], ""))
        judged = clock(item.get("now", ""), self.tz, "%H:%M:%S")  # its numbers are of then
        return Text(f"≈ {item['rule']}: {item['summary']} (as of {judged})", style=style)

    def _footer(self, metric: Metric, source) -> Text:
        when = clock(metric.at, self.tz, "%H:%M:%S")
        old = ""
        if self.state.now and metric.at:
            now, at = datetime.fromisoformat(self.state.now), datetime.fromisoformat(metric.at)
            if stale(at, now):  # the rules' bound: the verdict holds at the same moment
                old = f" — STALE ({int((now - at).total_seconds())} s old)"
        if source is not None and source.state != "ok":
            old += f" — prometheus {source.state} since {clock(source.since, self.tz, '%H:%M:%S')}"
        limits = []
        if self.success and self.success.condition:
            limits.append(f"ok {self.success.condition}")
        if self.trigger and self.trigger.condition:
            limits.append(
                f"rollback {self.trigger.condition} for {format_duration(self.trigger.for_)}"
            )
        style = look(CAUTION if old else "dim")
        return Text(f"as of {when}{old}  " + " · ".join(limits), style=style)
