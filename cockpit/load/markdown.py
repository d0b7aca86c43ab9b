"""Markdown runbooks → `Runbook`: GitHub task lists become items, headings sections.

What the importer understands, beyond `- [ ]` / `- [x]` items nested by indentation:
- `**Key:** value` lines before the first section: version, date, environment, meta;
- a fenced block inside an item (or right under a heading) is its context;
- plain bullets under an item are its details; a plain bullet holding task items is a
  group (a subsection);
- headings `T-7 Tage: …`, `08:00 - …` and bold steps `**… (12:00 - 13:00)**` form the
  T-0 timeline, and the items under them are due then;
- bullets under "Rollback-Trigger" / "When to Rollback" and "Success-Criteria" become
  rules (`Error-Rate > 5%` → metric `error_rate`, condition `> 5%`);
- `Technical Lead: ______` names the role that signs the item.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode
from pydantic import ValidationError

from cockpit.load.errors import LoadError
from cockpit.load.text import repair
from cockpit.model.checklist import Runbook
from cockpit.model.ids import IdAllocator

TASK = re.compile(r"^\[([ xX])\][ \t]+(\S.*)$", re.S)
ROLE = re.compile(r"^\**([^:*_\n]+?)\**:\**\s*_{3,}")
META = re.compile(r"^\*\*([^*]+?):?\*\*:?\s*(.*?)\s*$")
DAY_HEADING = re.compile(r"^T\s*([-+])\s*(\d+)\b")
TIME_HEADING = re.compile(r"^(\d{1,2}:\d{2})(?:\s*[-–]\s*(\d{1,2}:\d{2}))?\s*[-–:]\s*(\S.*)$")
BOLD_STEP = re.compile(r"^\*\*(.+?)\s*\((\d{1,2}:\d{2})(?:\s*[-–]\s*(\d{1,2}:\d{2}))?\)\s*\*\*$")
STEP_PREFIX = re.compile(r"^Step\s+\d+\s*:\s*", re.I)
CUTOVER = re.compile(r"\bcut-?over\b", re.I)
TRIGGERS = re.compile(r"rollback[- ]?trigger|when to roll ?back", re.I)
SUCCESS = re.compile(r"success|erfolgskriterien", re.I)
CRITICAL = re.compile(r"kritisch|critical", re.I)
#: "**Decision Criteria:**" opens a go/no-go gate: the bullets after it are its criteria
CRITERIA = re.compile(r"^\W*(decision[- ]criteria|entscheidungskriterien)\W*$", re.I)
LEADING_MARKS = re.compile(r"^[^\w\[(*`]+")
COMPARISON = re.compile(
    r"(<=|>=|<|>|≤|≥)\s*(\d+(?:[.,]\d+)?)\s*(%|ms|s|min|minuten|minutes|m|h)?(?!\w)", re.I
)
METRICS = (
    (re.compile(r"error[- ]?rate|fehlerrate", re.I), "error_rate"),
    (re.compile(r"p95", re.I), "p95_latency"),
    (re.compile(r"service[- ]?down", re.I), "up"),
    (re.compile(r"pods?\s+(running|ready)", re.I), "pods_ready"),
)
META_FIELDS = {
    "version": "version",
    "datum": "date",
    "date": "date",
    "environment": "environment",
    "ziel-environment": "environment",
    "umgebung": "environment",
}
_PARSER = MarkdownIt("commonmark")


def plain(text: str) -> str:
    """Label text without leading emoji/checkmarks and surrounding emphasis."""
    return LEADING_MARKS.sub("", text).strip().strip("*").strip()


def _inline(node: SyntaxTreeNode) -> str:
    """A paragraph's source text, soft and hard line breaks joined by a space."""
    inline = node.children[0] if node.children else None
    content = inline.content if inline is not None else ""
    return " ".join(line.strip() for line in content.splitlines() if line.strip())


def _first_text(list_item: SyntaxTreeNode) -> str:
    first = list_item.children[0] if list_item.children else None
    return _inline(first) if first is not None and first.type == "paragraph" else ""


def _has_task(node: SyntaxTreeNode) -> bool:
    if node.type == "list_item" and TASK.match(_first_text(node)):
        return True
    return any(_has_task(child) for child in node.children if child.type != "inline")


def _code(node: SyntaxTreeNode) -> dict[str, str]:
    return {"lang": (node.info or "").strip(), "code": node.content.rstrip("\n")}


def _clock(text: str) -> int | None:
    """Minutes since midnight of `HH:MM`, or None when it is no time of day (`24:00`)."""
    hours, minutes = (int(part) for part in text.split(":"))
    return hours * 60 + minutes if hours <= 23 and minutes <= 59 else None


def _rule(text: str) -> dict[str, Any]:
    """`Error-Rate > 5%` → a metric rule; anything unrecognised is a manual rule."""
    name = plain(text) or text.strip()  # "✅" alone is still a (manual) rule
    metric = next((m for pattern, m in METRICS if pattern.search(name)), None)
    found = COMPARISON.search(name)
    if metric == "pods_ready":
        return {"name": name, "metric": metric, "condition": "ready == desired"}
    if metric is None or found is None:
        return {"name": name}
    op = {"≤": "<=", "≥": ">="}.get(found.group(1), found.group(1))
    number = found.group(2).replace(",", ".")
    unit = (found.group(3) or "").lower()
    if metric == "up":  # "Service Down > 5 Minuten": down for that long
        if unit == "%":  # not a duration: a person decides
            return {"name": name}
        minutes = unit.startswith("m") and unit != "ms"
        return {
            "name": name,
            "metric": "up",
            "condition": "== 0",
            "for": f"{number}{'m' if minutes else unit or 's'}",
        }
    unit = {"minuten": "m", "minutes": "m", "min": "m"}.get(unit, unit)
    return {"name": name, "metric": metric, "condition": f"{op} {number}{unit}"}


class _Builder:
    def __init__(self, fallback_title: str) -> None:
        self.runbook: dict[str, Any] = {"title": fallback_title, "sections": []}
        self.meta: dict[str, str] = {}
        self.ids = IdAllocator()
        self.stack: list[tuple[int, dict[str, Any]]] = []
        self.flags: dict[int, dict[str, Any]] = {}  # id(section) → inherited facts
        self.items = 0
        self.titled = False

    # --- sections ------------------------------------------------------------------------

    @property
    def section(self) -> dict[str, Any] | None:
        return self.stack[-1][1] if self.stack else None

    def _facts(self, section: dict[str, Any] | None) -> dict[str, Any]:
        return self.flags.get(id(section), {}) if section is not None else {}

    def open_section(self, level: int, title: str) -> None:
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()
        parent = self.section
        section = self._new_section(title, parent)
        self.stack.append((level, section))
        self._timeline_heading(section, title)

    def _new_section(self, title: str, parent: dict[str, Any] | None) -> dict[str, Any]:
        section: dict[str, Any] = {
            "id": self.ids.allocate(parent["id"] if parent else None, plain(title) or "section"),
            "title": title,
        }
        (parent.setdefault("sections", []) if parent else self.runbook["sections"]).append(section)
        facts = dict(self._facts(parent))
        label = plain(title)
        if TRIGGERS.search(label):
            facts["rules"] = "rollback_triggers"
        elif SUCCESS.search(label):
            facts["rules"] = "success"
        if CRITICAL.search(label):
            facts["critical"] = True
        self.flags[id(section)] = facts
        return section

    def _timeline_heading(self, section: dict[str, Any], title: str) -> None:
        label = plain(title)
        facts = self.flags[id(section)]
        day = DAY_HEADING.match(label)
        if day:
            days = int(day.group(2)) * (-1 if day.group(1) == "-" else 1)
            facts["day"] = days
            if days != 0:
                facts["due"] = f"T{days:+d}d"
                self._step(f"T{days:+d}d", None, label, section["id"])
            return
        timed = TIME_HEADING.match(label)
        window = self._window(facts, timed.group(1), timed.group(2)) if timed else None
        if window:
            facts["due"] = window[0]
            self._step(*window, timed.group(3).strip(), section["id"])

    def _window(
        self, facts: dict[str, Any], start: str, end: str | None
    ) -> tuple[str, str | None] | None:
        """`at` and `until` on the heading's day; None outside a day or for a clock like 25:00."""
        begin, finish = _clock(start), _clock(end) if end else None
        if "day" not in facts or begin is None or (end is not None and finish is None):
            return None
        day = facts["day"]
        if finish is None:
            return self._at(day, start), None
        # 23:00 - 01:00 runs over midnight: it ends the next day
        return self._at(day, start), self._at(day + 1 if finish < begin else day, end)

    @staticmethod
    def _at(day: int, clock: str) -> str:
        return clock if day == 0 else f"T{day:+d}d {clock}"

    def _step(self, at: str, until: str | None, title: str, section: str) -> None:
        step = {"at": at, "title": title, "section": section}
        if until:
            step["until"] = until
        if CUTOVER.search(title):  # its evidence is the cutover action, not the clock
            step["action"] = "cutover"
        self.runbook.setdefault("timeline", []).append(step)

    # --- content -------------------------------------------------------------------------

    def paragraph(self, text: str) -> None:
        section = self.section
        if section is None:
            for line in text.split("\n"):
                found = META.match(line.strip())
                if found and found.group(2):
                    self.meta[found.group(1).strip()] = found.group(2)
                elif line.strip():
                    self.runbook.setdefault("notes", []).append(line.strip())
            return
        text = " ".join(text.split())
        facts = self._facts(section)
        step = BOLD_STEP.match(text)
        window = self._window(facts, step.group(2), step.group(3)) if step else None
        if window:
            title = STEP_PREFIX.sub("", step.group(1).strip())
            self._step(*window, title, section["id"])
        if CRITERIA.match(plain(text)):
            facts["gate"] = True
        section.setdefault("notes", []).append(text)

    def code(self, node: SyntaxTreeNode) -> None:
        target = self.section if self.section is not None else self.runbook
        if target is self.runbook:
            self.runbook.setdefault("notes", []).append(node.content.rstrip("\n"))
        else:
            target.setdefault("context", []).append(_code(node))

    def bullets(
        self, node: SyntaxTreeNode, section: dict[str, Any] | None, parent: dict | None
    ) -> None:
        for list_item in node.children:
            if section is None:  # a task item above may have opened one
                section = self.section
            text = _first_text(list_item)
            task = TASK.match(text)
            if task:
                self._item(list_item, task, section, parent)
            elif parent is not None:
                if text:
                    parent.setdefault("details", []).append(text)
                self._children(list_item, section, parent)
            elif _has_task(list_item):
                group = self._group(section, text)
                self._children(list_item, group, None)
            else:
                self._note(section, text)
                self._children(list_item, section, None)

    def _group(self, section: dict[str, Any] | None, text: str) -> dict[str, Any]:
        if section is None:  # task items before any heading
            self.open_section(1, self.runbook["title"])
            section = self.section
        return self._new_section(plain(text).rstrip(":*").strip() or text, section)

    def _note(self, section: dict[str, Any] | None, text: str) -> None:
        if not text:
            return
        rules = self._facts(section).get("rules")
        if rules:
            self.runbook.setdefault(rules, []).append(_rule(text))
        elif section is not None and self._facts(section).get("gate"):
            self._criterion(section, text)
        elif section is None:
            self.runbook.setdefault("notes", []).append(text)
        else:
            section.setdefault("notes", []).append(text)

    def _criterion(self, section: dict[str, Any], text: str) -> None:
        """A decision criterion is an item someone confirms, and a criterion of the gate."""
        text = LEADING_MARKS.sub("", text).strip() or text
        item = {"id": self.ids.allocate(section["id"], text), "text": text}
        section.setdefault("items", []).append(item)
        self.items += 1
        gates = self.runbook.setdefault("gates", [])
        gate = next((g for g in gates if g["section"] == section["id"]), None)
        if gate is None:
            gate_id = section["id"].rsplit("/", 1)[-1]
            gate = {"id": gate_id, "title": section["title"], "section": section["id"]}
            gates.append(gate)
        gate.setdefault("criteria", []).append({"name": text, "requires": [item["id"]]})

    def _item(
        self, list_item: SyntaxTreeNode, task: re.Match, section: dict | None, parent: dict | None
    ) -> None:
        if section is None:
            self.open_section(1, self.runbook["title"])
            section = self.section
        text = task.group(2)
        owner = parent or section
        item: dict[str, Any] = {"id": self.ids.allocate(owner["id"], text), "text": text}
        if task.group(1) in "xX":
            item["done"] = True
        role = ROLE.match(text)
        if role:
            item["role"] = role.group(1).strip()
        facts = self._facts(section)
        if "due" in facts:
            item["due"] = facts["due"]
        if facts.get("critical"):
            item["critical"] = True
        owner.setdefault("items", []).append(item)
        self.items += 1
        self._children(list_item, section, item)

    def _children(self, list_item: SyntaxTreeNode, section: dict | None, item: dict | None) -> None:
        for child in list_item.children[1:] if list_item.children else []:
            if child.type in ("bullet_list", "ordered_list"):
                self.bullets(child, section, item)
            elif child.type in ("fence", "code_block"):
                if item is not None:
                    item.setdefault("context", []).append(_code(child))
                elif section is not None:
                    section.setdefault("context", []).append(_code(child))
            elif child.type == "paragraph":
                text = _inline(child)
                if item is not None:
                    item.setdefault("details", []).append(text)
                else:
                    self._note(section, text)

    def finish(self) -> dict[str, Any]:
        for key, value in self.meta.items():
            field = META_FIELDS.get(key.lower())
            if field and field not in self.runbook:
                self.runbook[field] = value
            else:
                self.runbook.setdefault("meta", {})[key] = value
        return self.runbook


def _walk(builder: _Builder, nodes: list[SyntaxTreeNode]) -> None:
    for node in nodes:
        if node.type == "heading":
            level = int(node.tag[1:])
            title = _inline(node)
            if level == 1 and not builder.titled and not builder.stack:
                builder.runbook["title"] = plain(title) or title or builder.runbook["title"]
                builder.titled = True
            else:
                builder.open_section(level, title)
        elif node.type == "paragraph":
            builder.paragraph(node.children[0].content if node.children else "")
        elif node.type in ("bullet_list", "ordered_list"):
            builder.bullets(node, builder.section, None)
        elif node.type in ("fence", "code_block"):
            builder.code(node)
        elif node.type == "blockquote":
            _walk(builder, node.children)


def parse_markdown(text: str, file: str) -> Runbook:
    """Import a Markdown runbook; raises `LoadError` (located) when it holds no checklist."""
    text = repair(text)
    builder = _Builder(Path(file).stem or "runbook")
    _walk(builder, SyntaxTreeNode(_PARSER.parse(text)).children)
    if builder.items == 0:
        raise LoadError.at(file, 1, 1, "no task-list items ('- [ ] …' or '- [x] …') found")
    data = builder.finish()
    try:
        return Runbook.model_validate(data)
    except ValidationError as exc:  # the importer built something the schema refuses
        first = exc.errors()[0]
        raise LoadError.at(file, 1, 1, f"cannot import: {first['loc']}: {first['msg']}") from None
