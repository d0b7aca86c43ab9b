"""The `:` palette: the cockpit's commands, each the way its key runs it, and none of
Textual's own (its Quit left without asking and without `session.end`)."""

from textual.command import CommandPalette
from textual.widgets import OptionList

from cockpit.audit.journal import Journal
from cockpit.audit.read import read_records
from cockpit.audit.trail import AuditTrail
from tests.ui.apps import BIG, NOW, build_app

COCKPIT = ("Cutover", "Rollback", "Backup", "Approve", "Take over", "Go on without", "Quit")
MUTATING = ("Cutover", "Rollback", "Backup", "Approve", "Take over", "Go on without", "Restore")
TEXTUAL = ("Theme", "Screenshot", "Maximize", "Minimize", "Keys", "Quit the application")


async def palette(pilot) -> list[str]:
    """The palette's commands, as it lists them before anything is typed."""
    await pilot.press("colon")
    assert isinstance(pilot.app.screen, CommandPalette)
    options = pilot.app.screen.query_one(OptionList)
    while not options.option_count:
        await pilot.pause()
    await pilot.pause()
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def test_the_palette_lists_the_cockpits_commands_and_none_of_textuals(make_app):
    app = make_app()
    async with app.run_test(size=BIG) as pilot:
        names = await palette(pilot)
    for wanted in COCKPIT:
        assert any(n.startswith(wanted) for n in names), (wanted, names)
    assert not [n for n in names if n.startswith(TEXTUAL) or n == "Quit"], names


async def test_read_only_offers_no_mutating_command(make_app):
    app = make_app(read_only=True)
    async with app.run_test(size=BIG) as pilot:
        names = await palette(pilot)
    assert not [n for n in names if n.startswith(MUTATING)], names
    assert any(n.startswith("Quit") for n in names)


def outcome(path) -> list[tuple[str, dict]]:
    """What the command did: its records, whatever the keys that chose it."""
    skip = ("key", "session.start", "source.status", "check")
    return [(r.kind, r.data) for r in read_records(path) if r.kind not in skip]


async def test_a_palette_command_runs_as_its_key_does(tmp_path):
    """`b` and the palette's Backup make the same records (no PostgreSQL here: the backup
    says what is missing) and leave the same screen."""
    screens, kinds = [], []
    for how in ("key", "palette"):
        path = tmp_path / f"{how}.jsonl"
        journal = Journal(path, clock=lambda: NOW)
        app = build_app(trail=AuditTrail(journal))
        async with app.run_test(size=BIG) as pilot:
            await pilot.pause()
            if how == "key":
                await pilot.press("b")
            else:
                await palette(pilot)
                await pilot.press(*"Backup", "enter")
            await pilot.pause()
            screens.append(type(app.screen).__name__)
        journal.close()
        kinds.append(outcome(path))
    assert screens[0] == screens[1] and kinds[0] == kinds[1], (screens, kinds)
    assert kinds[0], "the backup key did something to compare"
