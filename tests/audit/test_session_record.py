"""The `session.start` record: what a report and a replay need to know of the session."""

import os
import pwd

from cockpit.audit.journal import Journal
from cockpit.audit.session_record import login_user, session_start
from cockpit.model.untrusted import contains_secret
from tests.planted import PLANTED, leaked, leaky_layout
from tests.ui.apps import make_session


def test_the_approval_policy_is_journaled():
    policy = {"required_for": ["cutover", "restore"], "expires": "10m"}
    data = session_start(make_session("go-live", approval=policy), (80, 24), [])
    assert data["approval"] == {"required_for": ["cutover", "restore"], "expires": 600}
    assert session_start(make_session("go-live"), (80, 24), [])["approval"] is None


def test_the_login_is_the_processs_own_account_not_an_environment_variable(monkeypatch):
    for name in ("LOGNAME", "USER", "LNAME", "USERNAME"):
        monkeypatch.setenv(name, "someone-else")
    assert login_user() == pwd.getpwuid(os.getuid()).pw_name
    assert session_start(make_session("go-live"), (80, 24), [])["user"] == login_user()


def test_no_credential_of_a_runbook_reaches_the_journal(tmp_path):
    session = make_session(leaky_layout(tmp_path))
    journal = Journal(tmp_path / "audit.jsonl")
    journal.append("session.start", session_start(session, (80, 24), []))
    journal.close()
    raw = (tmp_path / "audit.jsonl").read_text(encoding="utf-8")
    assert leaked(raw) == []
    assert not any(contains_secret(line) for line in raw.splitlines())
    assert "curl -u admin:***" in raw and "postgres://admin:***@db" in raw
    # what runs still carries its credential: only what is kept and shown is scrubbed
    (fetch, _) = session.workspace.runbooks["leaky"].sections[0].items
    assert f"Authorization: Bearer {PLANTED[4]}" in fetch.check.argv
