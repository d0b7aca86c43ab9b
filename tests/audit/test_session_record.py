"""The `session.start` record: what a report and a replay need to know of the session."""

import os
import pwd

from cockpit.audit.session_record import login_user, session_start
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
