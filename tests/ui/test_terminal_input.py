"""What the terminal sends: a bracketed paste is one paste, whatever it holds."""

from textual import events

from cockpit.audit.journal import Journal
from cockpit.audit.read import read_records
from cockpit.audit.trail import AuditTrail, default_journal_path
from cockpit.ui.app import CockpitApp
from cockpit.ui.terminal_input import CockpitDriver, PasteParser
from tests.ui.apps import NOW, build_app
from tests.ui.pty_driver import WINDOW, Terminal
from tests.ui.raw_input import parse, send_bytes

START, END = b"\x1b[200~", b"\x1b[201~"
#: what broke it: ESC, then keys that act (backup, approve, skip, cutover, n/a, tick)
NASTY = "note\x1bb A S c - \x1b\x1b[A\r\nsecond line\t\x07\x00end"


def test_a_paste_with_esc_is_one_paste_and_no_keys():
    text = NASTY + "\n" + "x" * 10_000
    messages = parse(START + text.encode() + END)
    assert [type(m) for m in messages] == [events.Paste]
    assert messages[0].text == text


def test_keys_around_a_paste_stay_keys():
    messages = parse(b"j" + START + NASTY.encode() + END + b"\tk")
    assert [type(m).__name__ for m in messages] == ["Key", "Paste", "Key", "Key"]
    assert [m.key for m in messages if isinstance(m, events.Key)] == ["j", "tab", "k"]
    assert messages[1].text == NASTY


def test_a_paste_read_in_pieces_with_pauses_is_still_one_paste(monkeypatch):
    """A slow link: the paste comes in reads of any size, and the parser's ESC timeout
    passes between them (even right after an ESC, or in the middle of the end marker)."""
    data = (START + NASTY.encode() + b"y" * 9000 + END).decode()
    monkeypatch.setattr("textual._parser.get_time", lambda: float("inf"))  # every wait ends
    parser = PasteParser()
    out = []
    for cut in range(0, len(data), 7):
        out += parser.feed(data[cut : cut + 7])
        out += parser.tick()
    out += parser.feed("")
    assert [type(m) for m in out] == [events.Paste]
    assert out[0].text == NASTY + "y" * 9000


def test_an_escape_key_outside_a_paste_is_still_the_escape_key():
    assert [m.key for m in parse(b"\x1b")] == ["escape"]
    assert [m.key for m in parse(b"\x1b[A")] == ["up"]


def journaled(path):
    return [r for r in read_records(path) if r.kind != "session.start"]


async def test_a_pasted_text_with_esc_acts_on_nothing_and_is_one_paste_record(tmp_path):
    path = tmp_path / "j.jsonl"
    journal = Journal(path, clock=lambda: NOW)
    app = build_app(trail=AuditTrail(journal))
    text = NASTY + "\n" + "x" * 10_000
    async with app.run_test(size=(160, 48)) as pilot:
        await send_bytes(pilot, b"jj")  # the cursor on an item: a pasted space would tick it
        before = app.state
        await send_bytes(pilot, START + text.encode() + END)
        assert len(app.screen_stack) == 1, "a pasted key opened a screen"
        assert app.state.progress is before.progress and app.state.focus == before.focus
    journal.close()
    records = journaled(path)
    assert [(r.kind, r.data.get("key")) for r in records if r.kind == "key"] == [
        ("key", "j"),
        ("key", "j"),
    ]
    assert [r.data["text"] for r in records if r.kind == "paste"] == [text]
    assert not [r.kind for r in records if r.kind.startswith(("item.", "action.", "approval."))]


def test_the_cockpit_reads_its_terminal_with_the_paste_parser():
    assert CockpitApp.get_driver_class(build_app()) is CockpitDriver


def test_a_paste_into_the_real_cockpit_on_a_pty_is_one_paste_record(tmp_path, monkeypatch):
    """End to end: Textual's driver reading a real terminal, one write holding the paste."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    terminal = Terminal(tmp_path)
    text = NASTY + "\n" + "x" * 10_000
    try:
        terminal.read_until(b"Go-live")
        terminal.write(START + text.encode() + END)
        terminal.write(b"q")
        terminal.read_until(b"Quit the cockpit?")
        terminal.write(b"y")
        terminal.wait_exit(timeout=60)  # fails if it does not exit: a loaded CI machine is slow
    finally:
        terminal.kill()
    records = journaled(default_journal_path(WINDOW))
    assert [r.data["text"] for r in records if r.kind == "paste"] == [text]
    assert [r.data["key"] for r in records if r.kind == "key"] == ["q", "y"]
    assert not [r.kind for r in records if r.kind.startswith(("item.", "action.", "approval."))]
