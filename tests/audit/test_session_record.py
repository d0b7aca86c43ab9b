"""The `session.start` record: what a report and a replay need to know of the session."""

from cockpit.audit.session_record import session_start
from tests.ui.apps import make_session


def test_the_approval_policy_is_journaled():
    policy = {"required_for": ["cutover", "restore"], "expires": "10m"}
    data = session_start(make_session("go-live", approval=policy), (80, 24), [])
    assert data["approval"] == {"required_for": ["cutover", "restore"], "expires": 600}
    assert session_start(make_session("go-live"), (80, 24), [])["approval"] is None
