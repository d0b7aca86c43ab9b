"""Four-eyes approval, the pure part: which plan an approval names, and when it holds.

An approval names the plan it approves by a digest of what the plan would do (action,
target, changes, params and the names of its failed preconditions as canonical JSON,
SHA-256): the same plan has the same digest in
every cockpit, and a plan that changed needs a new approval. Whether an approval holds is
decided here from its facts alone, so the approver's cockpit (refusing to approve one's
own plan) and the executor's (refusing at execute time) judge alike.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from cockpit.model.untrusted import aware_time

#: the object's status through its life: asked, approved, taken back, gone on without it,
#: approved and acted on (an approval is used once)
REQUESTED, GRANTED, WITHDRAWN, EMERGENCY = "requested", "granted", "withdrawn", "emergency"
USED = "used"
#: what a policy's `required_for` names → the plans' actions it covers
COVERS = {
    "cutover": ("cutover",),
    "rollback": ("rollback-selector", "rollback-helm"),
    "restore": ("restore",),
}


def plan_digest(
    action: str,
    target: str,
    changes: Iterable[str],
    params: Mapping,
    failed: Iterable[str] = (),
) -> str:
    """SHA-256 of the plan's canonical JSON: what it changes, not when or by whom — and
    which of its preconditions failed, so an approval of a plan whose checks passed does
    not cover overriding one that fails by the time it runs."""
    plan = {
        "action": action,
        "target": target,
        "changes": list(changes),
        "params": params,
        "failed": sorted(failed),
    }
    canonical = json.dumps(plan, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


#: Default_Ignorable_Code_Point (Unicode's DerivedCoreProperties.txt): drawn as nothing,
#: whatever their category — a combining grapheme joiner (Mn), a Hangul filler (Lo), a
#: variation selector, a tag character — so `alice\u3164` reads as alice
_IGNORABLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)

#: letters and digits that pass for Latin ones (UTS #39's confusables, the part that
#: matters for names), read as the letter they pass for. i, l, I, 1 and | are one letter
#: here: after casefolding, an `I` could have been either, so both read alike.
LOOKALIKES = str.maketrans(
    {
        **dict(zip("аеорсхуіјѕһԁԛԝкмтвнӏ", "aeopcxyljshdqwkmtbhl", strict=True)),  # Cyrillic
        **dict(zip("αορικνυχε", "aoplkvuxe", strict=True)),  # Greek
        **dict(zip("ɑɡɩɪıǀȷʋ", "agllllju", strict=True)),  # Latin (IPA and others)
        **dict(zip("օսցհո", "oughn", strict=True)),  # Armenian
        **dict(zip("ᎪᎬᎻᎫᏦᎷᏢᏚᎢᏔᏟᏙᏃ", "aehjkmpstwcvz", strict=True)),  # Cherokee
        **dict(zip("iI1|0", "llllo", strict=True)),  # as said above
    }
)


def person(operator: str) -> str:
    """The person behind an operator name: `alice@bastion-1` and `alice@bastion-2` are one
    person on two hosts, and may not approve each other's plans.

    Compared as a reader sees the name, not as its code points are — a skeleton in the
    manner of UTS #39: NFKC (full-width `ａｌｉｃｅ` is alice), format and default-ignorable
    characters dropped (a zero-width space, a soft hyphen, a Hangul filler), casefolded,
    look-alikes read as the Latin letters they pass for (`ɑlice`, `аlice`, `a1ice`), `rn`
    as `m`. Conservative on purpose: two people whose names differ only by such a letter
    are taken for one, and one of them asks someone else — a refusal too many, never an
    approval too many."""
    name = unicodedata.normalize("NFKC", operator).split("@", 1)[0]
    name = _IGNORABLE.sub("", name)
    name = "".join(c for c in name if unicodedata.category(c) != "Cf").translate(LOOKALIKES)
    name = unicodedata.normalize("NFKC", name.casefold())
    name = _IGNORABLE.sub("", name).strip().translate(LOOKALIKES)
    return name.replace("rn", "m")


#: how far ahead of the checking cockpit's clock an approver's may be
SKEW = timedelta(minutes=2)


@dataclass(frozen=True)
class Approval:
    """The window's approval object as the cockpit last saw it (or published it)."""

    request: str  # the requesting cockpit's action id
    action: str
    target: str
    title: str
    digest: str
    requester: str
    requester_identity: str = ""  # the requesting cockpit's lock identity
    requester_login: str = ""  # the OS account the requesting cockpit runs under
    requested_at: str = ""
    valid_for: int = 0  # seconds an approval holds once given
    preview: tuple[str, ...] = ()
    status: str = REQUESTED
    approver: str = ""
    approver_identity: str = ""
    approver_login: str = ""
    reason: str = ""
    approved_at: str = ""
    expires_at: str = ""
    resource_version: str = ""
    #: why the last attempt to use or give it was refused ("" if none was)
    refused: str = ""

    @property
    def short(self) -> str:
        return self.digest[:12]


def self_approval(approval: Approval, approver: str, login: str = "") -> str | None:
    """Why `approver` (running under the OS account `login`, "" if unknown) may not
    approve this request, or None. Two operator names in one OS account are one person."""
    if person(approver) == person(approval.requester):
        return f"{approver} requested this plan: the approver must be someone else"
    if login and login == approval.requester_login:
        return (
            f"{approver} runs under {login}, the OS account that requested this plan: "
            "the approver must be someone else"
        )
    return None


def refusal(
    approval: Approval | None,
    *,
    request: str,
    digest: str,
    now: datetime,
    valid_for: timedelta,
) -> str | None:
    """Why the approval does not let the plan `request` (whose digest *now* is `digest`)
    run at `now`, or None when it does. The first reason found, said plainly."""
    if approval is None:
        return "no approval object in the window's namespace"
    if approval.request != request:
        return f"the approval object names another request ({approval.request})"
    if approval.status != GRANTED:
        return f"the plan is not approved (the request is {approval.status})"
    if why := self_approval(approval, approval.approver, approval.approver_login):
        return f"approved by its own requester: {why}"
    if approval.digest != digest:
        return (
            f"the plan changed since it was approved (digest {digest[:12]}, approved "
            f"{approval.short}): ask for a new approval"
        )
    approved, expires = aware_time(approval.approved_at), aware_time(approval.expires_at)
    requested = aware_time(approval.requested_at) if approval.requested_at else approved
    if approved is None or expires is None or requested is None:
        return "the approval has no readable time: treated as expired"
    # the approver's clock is not trusted to stretch the approval: not ahead of ours by
    # more than a skew, not before the request it approves
    if approved > now + SKEW:
        return (
            f"the approval by {approval.approver} is dated {approved.isoformat()}, ahead of "
            f"this cockpit's clock ({now.isoformat()}): treated as not approved"
        )
    if approved < requested:
        return (
            f"the approval by {approval.approver} is dated {approved.isoformat()}, before "
            f"the request ({requested.isoformat()}): treated as not approved"
        )
    expires = min(expires, approved + valid_for)  # never longer than this cockpit's policy
    if now > expires:
        return f"the approval by {approval.approver} expired at {expires.isoformat()}"
    return None
