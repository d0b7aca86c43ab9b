"""The report opens with who approved what and why: the sign-off table, the items skipped
or marked not applicable, and every override, cancel and take-over with its reason."""

import pytest

from cockpit.model import events as ev
from tests.helpers.report import Window, section

HEALTHZ = "phase-2-deployment/staging-deployment/smoke-tests-on-staging/healthz-returns-200"
ZAP = (
    "phase-1-pre-deployment/security/security-scanning/owasp-zap-full-scan-passed-no-high-critical"
)
TRIVY = "phase-1-pre-deployment/security/security-scanning/trivy-image-scan-passed"
ROLLBACK_READY = "phase-2-deployment/production-deployment/pre-deployment/rollback-plan-ready"
ALICE = "alice@bastion"


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def accountable(path) -> str:
    """A window with sign-offs (one from an older journal, without its recorder), skips (a
    closed-loop item whose check then fails, a role nobody could sign), items marked not
    applicable, an override, a cancel and a take-over with their reasons."""
    w = Window(path)
    w.at(1)
    w.at(
        1,
        ev.SignOff(
            checklist="go-live",
            item="sign-off/technical-lead",
            name="Dana Weber",
            role="Technical Lead",
            at=w.iso(),
            by=ALICE,
        ),
        ev.AddNote(
            checklist="go-live",
            item="sign-off/technical-lead",
            text="approved in CAB-231",
            by=ALICE,
            at=w.iso(),
        ),
        ev.SignOff(
            checklist="plan",
            item="sign-off/business-owner",
            name="Erik Lang",
            role="Business Owner",
            at=w.iso(),
        ),
    )
    w.at(2)
    w.at(
        2,
        ev.Skip(
            checklist="go-live",
            item=HEALTHZ,
            reason="staging is down for maintenance",
            by=ALICE,
            at=w.iso(),
        ),
        ev.CheckResult(
            checklist="go-live", item=HEALTHZ, status="fail", detail="status 503", at=w.iso()
        ),
        ev.Skip(
            checklist="plan",
            item="sign-off/security-officer",
            reason="on leave, deputy signs Monday",
            by=ALICE,
            at=w.iso(),
        ),
        ev.NotApplicable(
            checklist="go-live", item=ZAP, reason="no new endpoints", by=ALICE, at=w.iso()
        ),
        ev.NotApplicable(checklist="go-live", item=TRIVY, by=ALICE, at=w.iso()),
    )
    w.at(
        3,
        ev.LockTakeover(previous="bob@bastion#1-a", by=ALICE, at=w.iso(), reason="bob's VPN died"),
    )
    w.at(4)
    w.at(
        4,
        ev.ActionPlanned(
            id="c1", action="cutover", target="valeo-erp", title="Cutover valeo-erp", by=ALICE
        ),
        ev.ActionConfirmed(
            id="c1",
            by=ALICE,
            overridden=("go/no-go is GO",),
            at=w.iso(),
            reason="CAB-231 accepted the staging gap",
        ),
        ev.ActionFinished(id="c1", outcome="succeeded", detail="window OK"),
    )
    w.at(6)
    w.at(
        6,
        ev.ActionPlanned(id="b1", action="backup", target="valeo", title="Backup valeo", by=ALICE),
        ev.ActionConfirmed(id="b1", by=ALICE, at=w.iso()),
        ev.ActionStep(id="b1", step="dump", status="running"),
        ev.ActionAbort(id="b1", by=ALICE, reason="too slow for the window", at=w.iso()),
        ev.ActionStep(id="b1", step="cancelled", status="failed", detail="cancelled"),
        ev.ActionFinished(id="b1", outcome="cancelled", detail="cancelled"),
    )
    w.at(7, ev.LockTakeover(previous="carol@bastion#2-b", by=ALICE, at=w.iso()))  # older journal
    return w.done()


def test_the_report_opens_with_sign_off_and_decisions(tmp_path):
    story = accountable(tmp_path / "window.jsonl")
    sections = [line for line in story.splitlines() if line.startswith("## ")]
    assert sections[0] == "## Sign-off and decisions"
    head = story.split("\n## ", 1)[0]
    assert "checklists 2/253 done, 2 skipped, 2 n/a, 8 critical open; journal intact" in head
    assert (
        "- Cutover valeo-erp: **succeeded** at 11:46:05 (overriding go/no-go is GO because "
        "CAB-231 accepted the staging gap)"
    ) in head
    assert "- Backup valeo: **cancelled** at 11:48:05 (cancelled by alice@bastion: too slow" in head


def test_the_sign_off_table_names_role_signer_recorder_time_and_notes(tmp_path):
    story = accountable(tmp_path / "window.jsonl")
    header, *rows = section(story, "Sign-off and decisions")[:12]
    assert header == "| role | name | recorded by | when | for | notes |"
    plan = "VALEO-NeuroERP 3.0 - Deployment-Plan › ✅ Sign-Off"
    live = "VALEO-NeuroERP Go-Live Checklist › Sign-Off"
    assert rows[:4] == [
        f"| Technical Lead | **not signed** | — | — | {plan} | — |",
        f"| Business Owner | Erik Lang | — | 11:43:05 | {plan} | — |",  # no recorder: older
        f"| On-Call-Lead | **not signed** | — | — | {plan} | — |",
        f"| Security Officer | skipped | alice@bastion | 11:44:05 | {plan} "
        "| skipped: on leave, deputy signs Monday |",
    ]
    stakeholders = [r for r in rows if "Stakeholder Sign-Off" in r]
    assert [r.split(" | ")[0] for r in stakeholders] == [
        "| Business Owner",
        "| IT Manager",
        "| Security Officer",
        "| Data Protection Officer",
    ]
    assert (
        f"| Technical Lead | Dana Weber | alice@bastion | 11:43:05 | {live} "
        "| approved in CAB-231 (alice@bastion) |"
    ) in rows


def test_skipped_and_not_applicable_items_with_who_when_why_and_the_check(tmp_path):
    story = accountable(tmp_path / "window.jsonl")
    rows = [r for r in section(story, "Sign-off and decisions") if r.count(" | ") == 6]
    header, *items = rows
    assert header == "| item | checklist | state | by | when | why | check at the end |"
    live, plan = "VALEO-NeuroERP Go-Live Checklist", "VALEO-NeuroERP 3.0 - Deployment-Plan"
    assert items == [
        f"| Security Officer: _______________ | {plan} | skipped | alice@bastion | 11:44:05 "
        "| on leave, deputy signs Monday | — |",
        f"| OWASP ZAP Full-Scan passed (no high/critical findings) | {live} | not applicable "
        "| alice@bastion | 11:44:05 | no new endpoints | — |",
        f"| Trivy image scan passed | {live} | not applicable | alice@bastion | 11:44:05 "
        "| no reason given | — |",
        f"| `/healthz` returns 200 | {live} | skipped | alice@bastion | 11:44:05 "
        "| staging is down for maintenance | fail status 503 |",  # the live check stays
    ]


def test_overrides_cancels_and_take_overs_with_their_reasons(tmp_path):
    story = accountable(tmp_path / "window.jsonl")
    rows = section(story, "Sign-off and decisions")
    start = rows.index("| time | decision | by | reason |")
    assert rows[start + 1 :] == [
        "| 11:45:05 | took the window lock over from bob@bastion#1-a | alice@bastion "
        "| bob's VPN died |",
        "| 11:46:05 | override on Cutover valeo-erp: go/no-go is GO | alice@bastion "
        "| CAB-231 accepted the staging gap |",
        "| 11:48:05 | cancel of Backup valeo (it ended cancelled) | alice@bastion "
        "| too slow for the window |",
        "| 11:49:05 | took the window lock over from carol@bastion#2-b | alice@bastion "
        "| not asked (journal from before reasons were) |",
    ]
    timeline = section(story, "Window timeline")
    assert "| 11:44:05 | skipped: `/healthz` returns 200 — staging is down for maintenance " in (
        "\n".join(timeline)
    )
    assert "| 11:43:05 | signed off: Technical Lead: _______________ | Dana Weber " in (
        "\n".join(timeline)
    )
    assert "- confirmed 11:46:05, overriding go/no-go is GO because CAB-231 accepted" in story


def test_checklists_count_skipped_and_not_applicable_apart_from_done(tmp_path):
    story = accountable(tmp_path / "window.jsonl")
    assert "### VALEO-NeuroERP Go-Live Checklist: 1/196, 1 skipped, 2 n/a" in story
    assert "| Phase 1: Pre-Deployment | 0 | 0 | 2 | 99 |" in story


def test_a_window_without_decisions_says_so(tmp_path):
    w = Window(tmp_path / "window.jsonl")
    story = w.done()
    assert "No item was skipped or marked not applicable." in story
    assert "No override, cancel or take-over." in story
    assert "approved by" not in story and "run without approval" not in story
