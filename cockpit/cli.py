"""`cockpit` on the command line; subcommands import what they need when they run."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from cockpit import __version__


def _summary(path: str, runbook) -> str:
    items, done, sections = runbook.summary()
    return f"{path}: {items} items ({done} done) in {sections} sections"


def cmd_check(args: argparse.Namespace) -> int:
    from cockpit.load.errors import LoadError
    from cockpit.load.files import load_runbook

    failed = False
    for path in args.paths:
        try:
            runbook = load_runbook(path)
        except LoadError as exc:
            failed = True
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            continue
        print(_summary(path, runbook))
    return 1 if failed else 0


def cmd_import(args: argparse.Namespace) -> int:
    from cockpit.fsutil import write_atomic
    from cockpit.load.checklist_yaml import dump_checklist
    from cockpit.load.errors import LoadError
    from cockpit.load.markdown import parse_markdown
    from cockpit.load.text import read_text

    try:
        runbook = parse_markdown(read_text(args.runbook), args.runbook)
    except LoadError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    text = dump_checklist(runbook, header=f"Imported by cockpit {__version__} from {args.runbook}")
    if args.output in (None, "-"):
        sys.stdout.write(text)
        print(_summary(args.runbook, runbook), file=sys.stderr)
    else:
        try:
            write_atomic(args.output, text.encode(), mode=0o644)
        except OSError as exc:
            print(f"{args.output}:1:1: cannot write: {exc.strerror or exc}", file=sys.stderr)
            return 1
        print(_summary(args.runbook, runbook))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cockpit", description="Go-Live Cockpit: runbooks, live state and audited actions."
    )
    parser.add_argument("--version", action="version", version=f"cockpit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = sub.add_parser("check", help="validate checklists; errors as file:line:col")
    check.add_argument("paths", nargs="+", metavar="PATH")
    check.set_defaults(func=cmd_check)

    imp = sub.add_parser("import", help="turn a Markdown runbook into a YAML checklist")
    imp.add_argument("runbook", metavar="RUNBOOK.md")
    imp.add_argument("-o", "--output", metavar="OUT.yaml", help="write here (default: stdout)")
    imp.set_defaults(func=cmd_import)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 141
