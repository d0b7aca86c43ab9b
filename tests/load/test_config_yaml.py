import pytest

from cockpit.load.config_yaml import parse_config
from cockpit.load.errors import LoadError


def test_read_only_per_context_like_k9s():
    config = parse_config("context: prod\ncontexts:\n  prod: {read_only: true}\n", "c.yaml")
    assert config.effective_read_only()
    other = parse_config("context: dev\ncontexts:\n  prod: {read_only: true}\n", "c.yaml")
    assert not other.effective_read_only()


def test_errors_are_located_and_all_reported():
    text = "timezone: Mars/Olympus\nread_only: perhaps\nprometheus:\n  timeout: soon\ncolour: red\n"
    with pytest.raises(LoadError) as caught:
        parse_config(text, "c.yaml")
    got = {(p.line, p.col): p.message for p in caught.value.problems}
    assert "unknown timezone 'Mars/Olympus'" in got[(1, 11)]
    assert "read_only" in got[(2, 12)]
    assert "bad duration 'soon'" in got[(4, 12)]
    assert "unknown key 'colour'" in got[(5, 1)]


def test_an_approval_policy_top_level_and_per_context():
    text = (
        "context: prod\n"
        "approval: {required_for: [cutover], expires: 10m}\n"
        "contexts:\n"
        "  prod: {approval: {required_for: [cutover, rollback, restore]}}\n"
    )
    config = parse_config(text, "c.yaml")
    prod = config.effective_approval()
    assert prod.required_for == ["cutover", "rollback", "restore"]
    assert prod.expires.total_seconds() == 900  # the default: the context's policy wins whole
    assert prod.covers("rollback-helm") and prod.covers("restore") and not prod.covers("backup")
    staging = config.effective_approval("staging")
    assert staging.required_for == ["cutover"] and staging.expires.total_seconds() == 600
    assert not staging.covers("rollback-selector")
    assert parse_config("layout: go-live\n", "c.yaml").effective_approval() is None


def test_approval_errors_are_located():
    text = (
        "approval:\n"
        "  required_for: [cutover, deploy]\n"
        "  expires: 0s\n"
        "contexts:\n"
        "  prod:\n"
        "    approval: {expires: 5m}\n"
    )
    with pytest.raises(LoadError) as caught:
        parse_config(text, "c.yaml")
    got = {(p.line, p.col): p.message for p in caught.value.problems}
    assert (
        "approval.required_for[1]: Input should be 'cutover', 'rollback' or 'restore'"
        in (got[(2, 27)])
    )
    assert "an approval must hold for some time" in got[(3, 12)]
    assert "missing required key 'required_for'" in got[(6, 15)]
