"""Credentials planted in a runbook, a pod label and a server error: tests assert that none
of them reaches the journal, the screen, an export or the progress file (invariant I6)."""

from __future__ import annotations

from pathlib import Path

#: each is the secret part of one credential form; none may be seen anywhere
PLANTED = (
    "curlpw-Pl4nted1",
    "BEARERpl4nted2xyz",
    "pgpw-Pl4nted3",
    "tokpl4nted4",
    "ARGVbearer-pl4nted5",
    "argvtoken-pl4nted6",
    "wJalrXUtnFEMI/K7MDENG/pl4nted7",
    "AKIAPL4NTED8EXAMPLE0",
    "httppw-pl4nted9",
    "dsnpw-pl4nted10",
)

LEAKY_CHECKLIST = f"""\
title: Leaky runbook
sections:
- id: one
  title: One
  context:
  - lang: bash
    code: psql postgres://admin:{PLANTED[2]}@db/erp
  items:
  - id: fetch
    text: Fetch with curl -u admin:{PLANTED[0]} https://erp/api
    details:
    - 'Then call it with Bearer {PLANTED[1]} and token={PLANTED[3]}'
    check:
      kind: command
      argv: [curl, -H, 'Authorization: Bearer {PLANTED[4]}', 'https://erp/x?token={PLANTED[5]}']
  - id: aws
    text: 'export AWS_SECRET_ACCESS_KEY={PLANTED[6]} for the key {PLANTED[7]}'
    context:
    - lang: bash
      code: pg_dump 'host=db user=admin password={PLANTED[9]}'
    check:
      kind: http
      url: https://monitor:{PLANTED[8]}@erp/healthz
"""


def leaky_layout(folder: Path) -> str:
    """A layout whose one checklist carries every planted credential but the label's."""
    (folder / "leaky.yaml").write_text(LEAKY_CHECKLIST, encoding="utf-8")
    layout = folder / "layout.yaml"
    layout.write_text(
        "title: Leaky\n"
        "checklists: {leaky: leaky.yaml}\n"
        "min_width: 20\n"
        "min_height: 10\n"
        "rows:\n"
        "  - panes:\n"
        "      - {id: leaky, kind: checklist, checklist: leaky}\n"
        "      - {id: pods, kind: pods}\n",
        encoding="utf-8",
    )
    return str(layout)


def leaked(text: str | bytes) -> list[str]:
    """The planted credentials `text` shows."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = text.replace("\\/", "/")  # JSON may escape a slash
    return [secret for secret in PLANTED if secret in text]
