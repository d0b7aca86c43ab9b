"""The move annotation, read as text from the cluster: bounded, located, never raised."""

from __future__ import annotations

import json

import pytest

from cockpit.model.moves import ANNOTATION, MAX_FIELD, Move, move_of, read_annotation

MOVE = Move(
    action="cutover",
    id="cutover@2026-11-21T12:03:00+00:00",
    by="alice@bastion",
    holder="alice@bastion#4711-3f9a2c",
    state="failed",
    at="2026-11-21T12:03:00+00:00",
    updated="2026-11-21T12:05:00+00:00",
    label="version",
    to="green",
    detail="not verified after 2m: 1/3 green endpoints ready",
)


def test_a_published_move_reads_back_as_itself():
    read = read_annotation({ANNOTATION: MOVE.to_annotation(), "other": "x"})
    assert move_of(read["move"]) == MOVE


def test_no_annotation_is_no_move():
    assert read_annotation(None) == {} and read_annotation({"a": "b"}) == {}


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("{not json", "line 1 column 2: Expecting property name enclosed in double quotes"),
        ("[1, 2]", "not a JSON object"),
        (json.dumps({"state": "failed", "to": "green", "action": "cutover", "by": 7}), "by is"),
        (
            json.dumps({"state": "winning", "to": "green", "action": "cutover"}),
            "state is none of executing",
        ),
        (json.dumps({"state": "failed", "to": "", "action": "cutover"}), "with a target"),
        (json.dumps({"state": "failed", "to": "green", "action": "rm -rf"}), "not a cutover"),
        ('{"detail": "' + "x" * 5000 + '"}', "bytes, more than 4096"),
        ("[" * 3000 + "]" * 3000, "bytes, more than 4096"),
        ("[" * 2000 + "]" * 2000, "nested too deep"),
    ],
)
def test_an_unreadable_annotation_is_said_with_where_it_is(text, said):
    (error,) = read_annotation({ANNOTATION: text}).values()
    assert error.startswith(f"unreadable move annotation {ANNOTATION}: ")
    assert said in error


def test_each_field_is_bounded():
    data = json.loads(MOVE.to_annotation()) | {"detail": "y" * 1000, "extra": "ignored"}
    read = read_annotation({ANNOTATION: json.dumps(data)})
    assert read["move"]["detail"] == "y" * MAX_FIELD and "extra" not in read["move"]


def test_a_secret_cut_by_the_bound_is_redacted_whole_first():
    detail = "x" * (MAX_FIELD - 12) + " token=tok3f9a2c77e1d4"
    data = json.loads(MOVE.to_annotation()) | {"detail": detail}
    assert "tok3f9a" not in read_annotation({ANNOTATION: json.dumps(data)})["move"]["detail"]


def test_a_journal_record_of_something_else_is_no_move():
    assert move_of(None) is None and move_of({"state": "failed"}) is None


def test_a_newline_in_a_field_draws_no_fake_banner_line():
    """Whoever may patch the Service writes the annotation: its text reaches the banner,
    whose lines a newline would add to."""
    forged = json.loads(MOVE.to_annotation()) | {"by": "mallory\nALL CLEAR", "detail": "a\n\nb"}
    move = read_annotation({ANNOTATION: json.dumps(forged)})["move"]
    assert (move["by"], move["detail"]) == ("mallory ALL CLEAR", "a b")
