"""Runbook Markdown shown as styles; a redacted credential's `***` is no Markdown."""

from cockpit.ui.inline import inline


def test_bold_code_and_links_are_styles():
    text = inline("**Deploy** to `staging` via [the docs](https://x)")
    assert text.plain == "Deploy to staging via the docs"


def test_redacted_credentials_stay_as_they_were_redacted():
    text = inline("call it with Bearer *** and token=*** then **go**")
    assert text.plain == "call it with Bearer *** and token=*** then go"
