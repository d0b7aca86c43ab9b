"""Which plan an approval names, and when it holds: pure, judged alike in every cockpit."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from cockpit.model import events as ev
from cockpit.model.approval import Approval, person, plan_digest, refusal, self_approval
from cockpit.model.reduce import reduce
from cockpit.model.state import State

T = datetime(2026, 11, 21, 11, 0, tzinfo=UTC)
CHANGES = ("-   version: blue", "+   version: green")
PARAMS = {"move": {"service": "valeo-erp", "to": "green"}, "expected": "blue"}
DIGEST = plan_digest("cutover", "valeo-erp", CHANGES, PARAMS)
GIVEN = Approval(
    request="c1",
    action="cutover",
    target="valeo-erp",
    title="Cutover",
    digest=DIGEST,
    requester="alice@bastion",
    status="granted",
    approver="bob@laptop",
    approved_at=T.isoformat(),
    expires_at=(T + timedelta(minutes=15)).isoformat(),
)


def judged(approval=GIVEN, digest=DIGEST, minutes=1, valid=15, request="c1"):
    now = T + timedelta(minutes=minutes)
    return refusal(
        approval, request=request, digest=digest, now=now, valid_for=timedelta(minutes=valid)
    )


def test_the_digest_is_canonical_and_names_what_the_plan_changes():
    reordered = {"expected": "blue", "move": {"to": "green", "service": "valeo-erp"}}
    assert plan_digest("cutover", "valeo-erp", list(CHANGES), reordered) == DIGEST
    assert len(DIGEST) == 64 and int(DIGEST, 16) >= 0
    assert plan_digest("cutover", "valeo-erp", CHANGES, PARAMS | {"expected": "canary"}) != DIGEST
    assert plan_digest("rollback-selector", "valeo-erp", CHANGES, PARAMS) != DIGEST
    overriding = plan_digest("cutover", "valeo-erp", CHANGES, PARAMS, ["b", "a"])
    assert overriding != DIGEST  # a failed precondition: another plan
    assert plan_digest("cutover", "valeo-erp", CHANGES, PARAMS, ["a", "b"]) == overriding


@given(st.lists(st.text(), max_size=4), st.lists(st.text(), max_size=4))
def test_different_changes_have_different_digests(a, b):
    same = plan_digest("cutover", "t", a, {}) == plan_digest("cutover", "t", b, {})
    assert same == (a == b)


def test_a_person_on_two_hosts_is_one_person():
    assert person("Alice@bastion-1") == person("alice@bastion-2") == person("alice")
    assert self_approval(GIVEN, "alice@laptop") is not None
    assert self_approval(GIVEN, "bob@bastion") is None


def test_a_name_that_only_looks_different_is_the_same_person():
    disguised = [
        "ａｌｉｃｅ@bastion-2",  # full-width
        "al\u200bice@bastion-2",  # a zero-width space
        "alice\u00ad@bastion-2",  # a soft hyphen
        "\u0430lice@bastion-2",  # a Cyrillic а
        "\u0391LICE@bastion-2",  # a Greek Α
        " ALICE @bastion-2",
        "alice＠bastion-2",  # a full-width at sign
        "alice\u034f@bastion-2",  # a combining grapheme joiner (default-ignorable, not Cf)
        "alice\u3164@bastion-2",  # a Hangul filler (default-ignorable, a letter)
        "\u115falice@bastion-2",  # a Hangul choseong filler
        "al\ufe0fice@bastion-2",  # a variation selector
        "alice\U000e0041@bastion-2",  # a tag character
        "\u0251lice@bastion-2",  # a Latin alpha ɑ
        "aIice@bastion-2",  # a capital I passes for an l
        "a1ice@bastion-2",  # and so does a one
    ]
    for name in disguised:
        assert person(name) == person("alice"), name
        assert self_approval(GIVEN, name) is not None, name
    assert self_approval(GIVEN, "bob@bastion") is None


def test_two_names_in_one_os_account_are_one_person():
    asked = replace(GIVEN, requester_login="ops")
    assert "runs under ops, the OS account that requested" in self_approval(asked, "bob@x", "ops")
    assert self_approval(asked, "bob@x", "bob") is None
    assert self_approval(asked, "bob@x", "") is None  # unknown: the names decide
    assert self_approval(GIVEN, "bob@x", "ops") is None  # an older object: no login in it
    assert "approved by its own requester" in judged(replace(asked, approver_login="ops"))
    assert judged(replace(asked, approver_login="bob")) is None


def test_the_approvers_clock_does_not_stretch_the_approval():
    asked = replace(GIVEN, requested_at=(T - timedelta(minutes=1)).isoformat())
    assert judged(asked) is None
    ahead = replace(
        asked,
        approved_at=(T + timedelta(hours=2)).isoformat(),
        expires_at=(T + timedelta(hours=2, minutes=15)).isoformat(),
    )
    assert "ahead of this cockpit's clock" in judged(ahead, minutes=1)  # as it arrives
    skewed = replace(asked, approved_at=(T + timedelta(minutes=2)).isoformat())
    assert judged(skewed, minutes=0) is None  # a clock two minutes fast is tolerated
    early = replace(asked, requested_at=(T + timedelta(seconds=1)).isoformat())
    assert "before the request" in judged(early)
    naive = replace(asked, approved_at="2026-11-21T11:00:00")
    assert "no readable time" in judged(naive)


def test_an_approval_holds_only_for_its_request_its_plan_and_its_time():
    assert judged() is None
    assert judged(None) == "no approval object in the window's namespace"
    assert "names another request (c1)" in judged(request="c2")
    assert "not approved (the request is requested)" in judged(replace(GIVEN, status="requested"))
    assert "approved by its own requester" in judged(replace(GIVEN, approver="alice@laptop"))
    assert "the plan changed since it was approved" in judged(digest="00" * 32)
    assert "expired at 2026-11-21T11:15:00+00:00" in judged(minutes=16)
    assert "expired at 2026-11-21T11:05:00+00:00" in judged(minutes=6, valid=5)  # policy wins
    assert "treated as expired" in judged(replace(GIVEN, approved_at="soon"))


def test_the_approval_events_hold_their_text_on_one_line():
    asked = ev.ApprovalRequested(
        request="r",
        action="cutover",
        target="svc",
        title="Cutover svc\n ACTION: Cutover svc — soak done",
        digest="d",
        requester="mallory\r\nbob",
        preview=("-   version: blue", "+   version: green"),
    )
    assert asked.title == "Cutover svc ACTION: Cutover svc — soak done"
    assert asked.requester == "mallory bob" and len(asked.preview) == 2
    granted = ev.ApprovalGranted(request="r", digest="d", approver="bob", reason="ok\n\nFAKE")
    assert granted.reason == "ok FAKE"
    assert ev.ApprovalEmergency("r", "a", "t", "x\ny", "d", "by", "P1\nok").reason == "P1 ok"


def test_the_reducer_keeps_the_windows_approval_object():
    asked = ev.ApprovalRequested(
        request="c1",
        action="cutover",
        target="valeo-erp",
        title="Cutover",
        digest=DIGEST,
        requester="alice@bastion",
        at=T.isoformat(),
    )
    state = reduce(State(), asked)
    assert (state.approval.status, state.approval.requested_at) == ("requested", T.isoformat())
    other = ev.ApprovalGranted(request="c0", digest=DIGEST, approver="bob@laptop")
    assert reduce(state, other) is state  # about an older request: ignored
    state = reduce(state, ev.ApprovalGranted(request="c1", digest=DIGEST, approver="bob@laptop"))
    assert (state.approval.status, state.approval.approver) == ("granted", "bob@laptop")
    refused = ev.ApprovalRefused(request="c1", digest=DIGEST, by="alice@bastion", reason="expired")
    assert reduce(state, refused).approval.refused == "expired"
    closed = reduce(state, ev.ApprovalClosed(request="c1", status="withdrawn"))
    assert closed.approval.status == "withdrawn"
    back = ev.from_record(asked.kind, asked.to_data())
    assert back == asked  # journaled and replayed alike
