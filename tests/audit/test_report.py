"""The Markdown report of a window as the auditor files it: outcome first, the runbook's
units, one time zone, each alert once per time it went up."""

import re
from datetime import timedelta

import pytest

from cockpit.audit.session_record import session_start
from cockpit.model import events as ev
from tests.helpers.report import Window, section
from tests.ui.apps import NOW, make_session

TICKED = "phase-1-pre-deployment/infrastructure/postgresql-database/production-database-provisioned"
ROLLBACK_READY = "phase-2-deployment/production-deployment/pre-deployment/rollback-plan-ready"
TRIGGER = (
    "ROLLBACK TRIGGER Error-Rate > 5%: green at 7.77 % since 11:45:05 (for 2m) · r starts the"
    " rollback"
)


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def bad_green(path, zone: str | None = "Europe/Berlin") -> str:
    """Cutover, the trigger fires during the soak (raised three times with the same message),
    the rollback restores health; later the same trigger is raised once more and cleared."""
    w = Window(path, zone)
    w.at(0, ev.Tick(checklist="go-live", item=TICKED, by="alice@bastion", at=w.iso()))
    w.at(0, ev.Tick(checklist="go-live", item=ROLLBACK_READY, by="alice@bastion", at=w.iso()))
    w.metrics(1, {"blue": 0.0016, "green": "NaN"}, {"blue": 0.2488, "green": "NaN"})
    w.at(1, ev.WindowJudged(state="OK", at=w.iso(1)))
    w.action(
        2,
        "c1",
        "cutover",
        "Cutover valeo-erp: blue → green",
        [("execute", "done", "selector version=green")],
        "failed",
        f"rollback trigger during the soak: {TRIGGER}",
    )
    w.metrics(3, {"blue": 0.0017, "green": 0.0777149}, {"blue": 0.2486, "green": 2.63554})
    w.at(3, ev.WindowJudged(state="ROLLBACK", at=w.iso(3)))
    for minute in (3, 4, 5):
        w.alert(minute, TRIGGER)
    w.action(
        6,
        "r1",
        "rollback-selector",
        "Rollback valeo-erp: selector back to blue",
        [("verify", "done", "3/3 blue endpoints ready")],
        "succeeded",
        "3/3 blue endpoints ready",
    )
    w.at(8, ev.WindowJudged(state="OK", at=w.iso(8)))
    w.alert(8, "")
    w.alert(20, TRIGGER)
    w.alert(21, "")
    return w.done()


def test_the_report_opens_with_the_outcome(tmp_path):
    story = bad_green(tmp_path / "window.jsonl")
    title, blank, headline, *_ = story.splitlines()
    assert title == "# Deployment report: Go-Live VALEO-NeuroERP" and blank == ""
    assert headline == (
        "**Outcome: cutover failed, rollback (selector) succeeded; window OK; "
        "checklists 2/253 done, 7 critical open; journal intact.**"  # of 8: one ticked
    )
    head = story.split("\n## ", 1)[0]
    assert "- Cutover valeo-erp: blue → green: **failed** at 11:45:05 (" in head
    assert "- Rollback valeo-erp: selector back to blue: **succeeded** at 11:49:05 (3/3" in head
    assert "- Window: OK at the end (since 11:50:05)" in head
    assert "- Go/no-go (11:00 - Go/No-Go-Decision): NO-GO when the cutover was confirmed" in head
    assert "- Checklists: 2/253 done, 7 critical items open" in head
    assert "- Journal: intact:" in head


def test_numbers_are_in_the_runbooks_units(tmp_path):
    story = bad_green(tmp_path / "window.jsonl")
    (cutover, rollback) = [line for line in story.splitlines() if "on screen when" in line]
    assert "error_rate blue 0.16 %; error_rate green NaN (no traffic); p95 blue 249 ms" in cutover
    assert "error_rate green 7.77 %; p95 blue 249 ms; p95 green 2636 ms" in rollback
    for raw in ("0.0016", "0.0777", "0.2488", "2.6355"):  # as Prometheus answered
        assert raw not in story


def test_every_time_is_in_the_windows_zone_said_once(tmp_path):
    story = bad_green(tmp_path / "window.jsonl")
    assert story.count("Europe/Berlin") == 1 and "- Times: Europe/Berlin (UTC+01:00)" in story
    assert "UTC " not in story and "Z " not in story
    times = re.findall(r"\b\d\d:\d\d(?::\d\d)?\b", story.replace("(UTC+01:00)", ""))
    # 10:42–11:03 UTC is 11:42–12:03 in Berlin; 11:00 is the gate's title
    assert times and all(t[:2] in ("11", "12") for t in times), times
    assert "- Recorded: 2026-11-21 11:42:05 – 12:03:05," in story
    assert section(story, "Operators")[1].startswith("| 11:42:05 | alice@bastion |")
    assert "- confirmed 11:44:05" in story  # an event's own time, not only the records'
    assert "| 11:45:05 | critical: ROLLBACK TRIGGER" in story


def test_a_journal_without_a_zone_is_reported_in_utc(tmp_path):
    story = bad_green(tmp_path / "window.jsonl", zone=None)
    assert "- Times: UTC (UTC+00:00)" in story and story.count("UTC") == 2
    assert "- Recorded: 2026-11-21 10:42:05 – 11:03:05," in story


def test_an_alert_raised_again_is_counted_and_one_cleared_and_raised_is_new(tmp_path):
    story = bad_green(tmp_path / "window.jsonl")
    header, *rows = section(story, "Alerts")
    assert header == "| raised | level | alert | times | last raised | cleared |"
    assert rows == [
        f"| 11:45:05 | critical | {TRIGGER} | 3 | 11:47:05 | 11:50:05 |",
        f"| 12:02:05 | critical | {TRIGGER} | 1 | — | 12:03:05 |",
    ]
    timeline = [row for row in section(story, "Window timeline") if "ROLLBACK TRIGGER" in row]
    assert [row[:12] for row in timeline if "| critical: " in row] == [
        "| 11:45:05 |",
        "| 12:02:05 |",
    ]
    assert "| 11:50:05 | cleared: critical rollback alert |" in story


def test_a_trigger_whose_value_moves_is_one_alert_with_its_last_value(tmp_path):
    w = Window(tmp_path / "window.jsonl")
    w.alert(1, "ROLLBACK TRIGGER Error-Rate > 5%: green at 7.77 %")
    w.alert(2, "ROLLBACK TRIGGER Error-Rate > 5%: green at 7.82 %")
    story = w.done()
    (row,) = section(story, "Alerts")[1:]
    assert row == (
        "| 11:43:05 | critical | ROLLBACK TRIGGER Error-Rate > 5%: green at 7.77 % "
        "(last: ROLLBACK TRIGGER Error-Rate > 5%: green at 7.82 %) | 2 | 11:44:05 | not cleared |"
    )


def test_the_approvals_are_reported_and_an_emergency_stays_open(tmp_path):
    w = Window(tmp_path / "window.jsonl")
    title, digest = "Cutover valeo-erp: blue → green", "ab" * 32
    request = dict(action="cutover", target="valeo-erp", title=title, digest=digest)
    w.at(1, ev.ApprovalRequested(request="c1", requester="alice@bastion", **request))
    for _ in range(2):  # the watch sees the object again on every change: reported once
        w.at(2, ev.ApprovalGranted(request="c1", digest=digest, approver="bob@laptop", reason="ok"))
    w.at(3, ev.ApprovalRefused(request="c1", digest=digest, by="alice@bastion", reason="expired"))
    w.at(4, ev.ApprovalRequested(request="c2", requester="alice@bastion", **request))
    emergency = ev.ApprovalEmergency(request="c2", by="alice@bastion", reason="P1", **request)
    w.at(5, emergency)
    story = w.done()
    opening = story.split("\n## Sign-off and decisions\n", 1)[1].split("\n## ", 1)[0]
    lines = opening.split("\n### Approvals (four eyes)\n", 1)[1].split("\n### ", 1)[0].splitlines()
    assert [line for line in lines if line] == [
        "- session of alice@bastion from 11:42:05: four eyes not required by this cockpit's "
        "configuration",
        f"- {title}: approved by bob@laptop at 11:44:05: ok (plan `{digest[:12]}`)",
        f"- {title}: refused to alice@bastion at 11:45:05: expired",
        f"- [ ] {title}: run without approval by alice@bastion at 11:47:05, emergency: P1 — "
        "approval after the fact: open",
    ]


def test_an_emergency_approved_after_the_fact_is_closed(tmp_path):
    w = Window(tmp_path / "window.jsonl")
    request = dict(action="cutover", target="valeo-erp", title="Cutover", digest="cd" * 32)
    w.at(1, ev.ApprovalRequested(request="c1", requester="alice@bastion", **request))
    w.at(2, ev.ApprovalEmergency(request="c1", by="alice@bastion", reason="P1", **request))
    w.at(30, ev.ApprovalGranted(request="c1", digest="cd" * 32, approver="bob@laptop"))
    story = w.done()
    assert (
        "- [x] Cutover: run without approval by alice@bastion at 11:44:05, emergency: P1 — "
        "approved after the fact by bob@laptop at 12:12:05"
    ) in story


def test_only_someone_elses_approval_of_the_same_plan_closes_an_emergency(tmp_path):
    w = Window(tmp_path / "window.jsonl")
    request = dict(action="cutover", target="valeo-erp", title="Cutover", digest="cd" * 32)
    w.at(1, ev.ApprovalRequested(request="c1", requester="alice@bastion", **request))
    w.at(2, ev.ApprovalEmergency(request="c1", by="alice@bastion", reason="P1", **request))
    # her own, from another bastion; and someone's, of another plan: neither closes it
    w.at(3, ev.ApprovalGranted(request="c1", digest="cd" * 32, approver="alice@bastion-2"))
    w.at(4, ev.ApprovalGranted(request="c1", digest="ee" * 32, approver="bob@laptop"))
    story = w.done()
    assert "emergency: P1 — approval after the fact: open" in story
    assert "approved after the fact" not in story


def test_text_from_the_cluster_cannot_write_the_report(tmp_path):
    """A reason is whatever the ConfigMap said: it stays on its own line."""
    w = Window(tmp_path / "window.jsonl")
    forged = "P1\n\n### Approvals (four eyes)\n\n- [x] Cutover: approved by bob (plan `cd`)"
    request = dict(action="cutover", target="valeo-erp", title="Cutover", digest="cd" * 32)
    w.at(1, ev.ApprovalRequested(request="c1", requester="alice@bastion", **request))
    w.at(2, ev.ApprovalEmergency(request="c1", by="alice@bastion", reason=forged, **request))
    w.at(3, ev.ApprovalGranted(request="c1", digest="`|x", approver="bob@laptop\n- [x] all"))
    lines = w.done().splitlines()
    assert [line for line in lines if line.startswith("### Approvals")] == [
        "### Approvals (four eyes)"
    ]
    assert not [line for line in lines if line.startswith("- [x]")]
    (granted,) = [line for line in lines if "approved by bob@laptop" in line]
    assert granted.endswith("approved by bob@laptop - [x] all at 11:45:05 (plan \\`\\|x)")


def test_each_session_says_whether_its_configuration_required_four_eyes(tmp_path):
    w = Window(tmp_path / "window.jsonl")
    start = session_start(make_session(), (160, 48), [])
    w.at(5)
    policy = {"required_for": ["cutover", "rollback", "restore"], "expires": 900}
    w.trail.record("session.start", start | {"approval": policy})
    w.at(9)
    w.trail.record("session.start", start | {"approval": None})
    lines = w.done().split("### Approvals (four eyes)\n", 1)[1].split("\n### ", 1)[0]
    assert [line for line in lines.splitlines() if line] == [
        "- session of alice@bastion from 11:42:05: four eyes not required by this cockpit's "
        "configuration",
        "- session of alice@bastion from 11:47:05: four eyes required for cutover, rollback, "
        "restore, an approval valid 15 min",
        "- session of alice@bastion from 11:51:05: four eyes not required by this cockpit's "
        "configuration",
    ]


def test_a_journal_from_before_the_policy_was_recorded_says_nothing_of_it(tmp_path):
    w = Window(tmp_path / "window.jsonl", policy=False)
    assert "### Approvals" not in w.done()


def test_a_window_without_approvals_says_none_were_required(tmp_path):
    story = bad_green(tmp_path / "window.jsonl")
    approvals = story.split("### Approvals (four eyes)\n", 1)[1].split("\n### ", 1)[0]
    assert "four eyes not required by this cockpit's configuration" in approvals
    assert "approved by" not in approvals and "without approval" not in approvals


def test_each_verdict_change_and_failed_soak_with_its_evidence(tmp_path):
    from cockpit.model.checklist import Rule
    from cockpit.model.metrics import Metric, with_samples
    from cockpit.model.rules import judge

    window = Window(tmp_path / "w.jsonl")
    rules = [
        Rule.model_validate(
            {"name": "Error-Rate > 5%", "metric": "error_rate", "condition": "> 5%", "for": "2m"}
        ),
        Rule.model_validate(
            {"name": "Error-Rate > 1%", "metric": "error_rate", "condition": "> 1%"}
            | {"shadow": True}
        ),
    ]
    keys = {"error_rate": "error_rate"}
    for minutes in (1, 3.25):  # 7 % every 5 s since NOW
        samples = [
            {"labels": {"version": "green"}, "t": NOW.timestamp() + 5 * i, "value": "0.07"}
            for i in range(int(minutes * 12) + 1)
        ]
        metrics = {"error_rate": with_samples(Metric(), samples, "", instant=False)}
        verdict = judge([], rules, metrics, keys, NOW + timedelta(minutes=minutes))
        window.at(
            minutes,
            ev.WindowJudged(state=verdict.state, at=window.iso(), evidence=verdict.evidence),
        )
    fired = [i for i in verdict.evidence if i["state"] == "ROLLBACK" and i["counts"]]
    window.action(4, "c@1", "cutover", "Cutover", [], "failed", "rollback trigger")
    window.at(4, ev.ActionStep(id="c@1", step="soak", status="failed", evidence=tuple(fired)))
    text = window.done()
    section = text.split("## Evidence")[1].split("## Alerts")[0]
    rows = [line for line in section.splitlines() if line.startswith("| 11:")]
    assert rows == [
        "| 11:43:05 | Error-Rate > 5% | green | PENDING | > 5% | 2m | 13 | 7.00 % |",
        "| 11:43:05 | Error-Rate > 1% (shadow) | green | ROLLBACK | > 1% | 0s | 1 | 7.00 % |",
        "| 11:45:20 | Error-Rate > 5% | green | ROLLBACK | > 5% | 2m | 25 | 7.00 % |",
        "| 11:46:05 | soak failed on: Error-Rate > 5% | green | ROLLBACK | > 5% | 2m | 25 "
        "| 7.00 % |",
    ]
    assert "| window ROLLBACK — Error-Rate > 5% (green) |" in text


def test_a_journal_from_before_evidence_says_it_has_none(tmp_path):
    window = Window(tmp_path / "w.jsonl")
    window.at(1, ev.WindowJudged(state="OK", at=window.iso()))
    assert "No verdict in this journal carries evidence." in window.done()


def test_a_rule_judged_on_nan_or_no_data_is_never_reported_ok(tmp_path):
    from cockpit.model.checklist import Rule
    from cockpit.model.metrics import Metric, with_samples
    from cockpit.model.rules import judge

    window = Window(tmp_path / "w.jsonl")
    trigger = Rule.model_validate(
        {"name": "Error-Rate > 5%", "metric": "error_rate", "condition": "> 5%", "for": "2m"}
    )
    success = Rule.model_validate(
        {"name": "Error-Rate < 1%", "metric": "error_rate", "condition": "< 1%"}
    )
    samples = [  # green takes no traffic yet: its rate is NaN, freshly
        {"labels": {"version": "green"}, "t": NOW.timestamp() + 5 * i, "value": "NaN"}
        for i in range(13)
    ]
    metrics = {"error_rate": with_samples(Metric(), samples, "", instant=False)}
    verdict = judge(
        [success], [trigger], metrics, {"error_rate": "error_rate"}, NOW + timedelta(minutes=1)
    )
    window.at(1, ev.WindowJudged(state=verdict.state, at=window.iso(), evidence=verdict.evidence))
    rows = section(window.done(), "Evidence")[1:]
    verdicts = {row.split(" | ")[1]: row.split(" | ")[3] for row in rows}
    assert verdicts == {"Error-Rate > 5%": "UNKNOWN", "Error-Rate < 1%": "HOLD"}


def test_a_comparisons_sample_counts_say_which_version_is_which(tmp_path):
    from cockpit.model.checklist import Rule
    from cockpit.model.evidence import compare_item
    from cockpit.model.metrics import Sample

    window = Window(tmp_path / "w.jsonl")
    trigger = Rule.model_validate(
        {"name": "Error-Rate > 5%", "metric": "error_rate", "condition": "> 5%"}
    )
    blue = ("blue", [Sample(NOW.timestamp(), 0.002)])
    item = compare_item(trigger, "error_rate", "q", blue, ("green", []), NOW, 30.0, False)
    window.at(1, ev.WindowJudged(state="OK", at=window.iso(), evidence=(item,)))
    (row,) = section(window.done(), "Evidence")[1:]
    assert row.split(" | ")[6] == "blue 1, green 0"
