"""Text from the journal in a Markdown report: one line, its pipes escaped.

A reason, a title or an approver's name is written by whoever could reach the journal's
sources (a ConfigMap anyone with cluster access may edit): a newline in it must not start
a heading or a `- [x]` line of its own, nor a pipe a table cell.
"""

from __future__ import annotations

import re
from typing import Any

#: every line break str.splitlines() knows (a Markdown viewer may honour more than \n)
BREAKS = re.compile(r"[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]+")


def cell(value: Any) -> str:
    return BREAKS.sub(" ", str(value)).replace("|", "\\|")
