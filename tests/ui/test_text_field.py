"""A paste into a one-line field: shown as the cockpit shows outside text."""

from textual.app import App, ComposeResult

from cockpit.ui.widgets.text_field import TextField
from tests.ui.raw_input import send_bytes

PASTED = "\x1b[31mpostgres://admin:hunter2-pw9@db/valeo\x07\nsecond line"


class Fields(App[None]):
    def compose(self) -> ComposeResult:
        yield TextField(id="plain")
        yield TextField(id="secret", password=True)


async def paste_into(field: str, text: str) -> TextField:
    app = Fields()
    async with app.run_test() as pilot:
        box = app.query_one(f"#{field}", TextField)
        box.focus()
        await pilot.pause()
        await send_bytes(pilot, b"\x1b[200~" + text.encode() + b"\x1b[201~")
        return box


async def test_a_paste_is_its_first_line_visible_and_without_its_credential() -> None:
    box = await paste_into("plain", PASTED)
    assert "hunter2-pw9" not in box.value
    assert "\x1b" not in box.value and "\x07" not in box.value
    assert "postgres://admin:***@db/valeo" in box.value
    assert "second line" not in box.value


async def test_a_password_field_keeps_what_was_pasted() -> None:
    box = await paste_into("secret", "s3cr=t\x1bx\nmore")
    assert box.value == "s3cr=t\x1bx"


async def test_a_paste_replaces_the_selection_once() -> None:
    app = Fields()
    async with app.run_test() as pilot:
        box = app.query_one("#plain", TextField)
        box.value = "valeo-XXX"
        box.focus()
        box.selection = box.selection.__class__(6, 9)
        await pilot.pause()
        await send_bytes(pilot, b"\x1b[200~erp\x1b[201~")
        assert box.value == "valeo-erp"
