"""`cockpit` on the command line; subcommands import what they need when they run."""

from __future__ import annotations

import argparse
import os
import sys
import threading
from collections.abc import Sequence
from typing import NoReturn

from cockpit import __version__


def _summary(path: str, loaded: object) -> str:
    from cockpit.model.checklist import Runbook
    from cockpit.model.layout import Layout

    if isinstance(loaded, Runbook):
        items, done, sections = loaded.summary()
        return f"{path}: {items} items ({done} done) in {sections} sections"
    if isinstance(loaded, Layout):
        checklists = ", ".join(loaded.checklists)
        panes, rows = len(loaded.panes()), len(loaded.rows)
        return f"{path}: layout with {panes} panes in {rows} rows ({checklists})"
    return f"{path}: configuration"


def cmd_check(args: argparse.Namespace) -> int:
    from cockpit.load.errors import LoadError
    from cockpit.load.files import load_any
    from cockpit.load.workspace import open_layout
    from cockpit.model.layout import Layout

    failed = False
    for path in args.paths:
        try:
            loaded = load_any(path)
            if isinstance(loaded, Layout):
                open_layout(path)  # the checklists it names must exist and load too
        except LoadError as exc:
            failed = True
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            continue
        print(_summary(path, loaded))
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


def _report(exc) -> int:
    for problem in exc.problems:
        print(problem, file=sys.stderr)
    return 1


def cmd_run(args: argparse.Namespace) -> int:
    from cockpit.load.errors import LoadError
    from cockpit.load.settings import load_config
    from cockpit.runtime.session import open_session
    from cockpit.runtime.wiring import SetupError, assemble
    from cockpit.ui.keys import binding_ids

    overrides = {
        "layout": args.layout,
        "context": args.context,
        "namespace": args.namespace,
        "kubeconfig": args.kubeconfig,
        "prometheus.url": args.prometheus,
        "read_only": True if args.read_only else None,
    }
    try:
        config = load_config(args.config, overrides=overrides)
        session = open_session(config)
    except LoadError as exc:
        return _report(exc)
    unknown = sorted(set(session.keys) - binding_ids()) if session.keys else []
    if unknown:
        print(f"config: keys: no binding with id {', '.join(unknown)}", file=sys.stderr)
        return 1
    try:
        parts = assemble(session, journal=args.audit)
    except SetupError as exc:
        print(exc, file=sys.stderr)
        return 1
    if parts.journal_note:  # before the screen is taken, and again once it is given back
        print(parts.journal_note, file=sys.stderr)

    for notice in parts.notices:  # in the terminal's scrollback once the cockpit has gone
        print(notice, file=sys.stderr)

    from cockpit.ui.app import CockpitApp

    app = CockpitApp(
        session,
        store=parts.store,
        restored=parts.restored,
        trail=parts.trail,
        sources=parts.sources,
        notices=parts.notices,
    )
    code = app.run()
    app.close_stores()
    if parts.journal_note:
        print(parts.journal_note, file=sys.stderr)
    return code or 0


def cmd_sim(args: argparse.Namespace) -> int:
    import signal
    import threading
    from pathlib import Path

    import platformdirs

    from cockpit.sim.environment import Environment
    from cockpit.sim.kube.valeo import write_kubeconfig

    path = Path(
        args.kubeconfig_out or platformdirs.user_state_path("cockpit") / "sim" / "kubeconfig"
    )
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: stop.set())
    with Environment(args.scenario, speed=args.speed) as env:
        write_kubeconfig(path, env.cluster.url)
        print(f"Kubernetes API  {env.cluster.url}  (namespace production, context valeo-sim)")
        kind = "simulated query API" if env.simulated_metrics else "real prometheus"
        print(f"Prometheus      {env.prometheus_url}  ({kind})")
        for name, url in sorted(env.erp.pods().items()):
            print(f"pod             {url}  {name}")
        print(f"kubeconfig      {path}")
        print(f"scenario        {env.scenario.name}: {env.scenario.story}")
        print(f"try             kubectl --kubeconfig {path} get pods -n production")
        print(
            f"                KUBECONFIG={path} cockpit run --namespace production"
            f" --prometheus {env.prometheus_url}"
        )
        print("Ctrl+C stops the simulated environment.", flush=True)
        stop.wait()
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    import os
    from datetime import UTC, datetime

    import platformdirs

    from cockpit.demo import build_demo
    from cockpit.load.errors import LoadError
    from cockpit.sim.environment import Environment

    postgres = args.postgres
    if postgres is None and any(n in os.environ for n in ("PGHOST", "PGDATABASE", "PGSERVICE")):
        postgres = ""  # libpq's environment names the server
    state = platformdirs.user_state_path("cockpit")
    now = datetime.now(UTC)
    journal = args.audit or str(
        state / "audit" / f"demo-{args.scenario}-{now:%Y%m%dT%H%M%SZ}.jsonl"
    )
    print(f"starting the simulated environment ({args.scenario}) …", flush=True)
    with Environment(args.scenario, speed=args.speed) as env:
        try:
            app = build_demo(env, args.layout, now, postgres, state / "demo-backups", journal)
        except LoadError as exc:
            return _report(exc)
        code = app.run()
        app.close_stores()
    print(f"journal: {journal}  (cockpit replay {journal})")
    return code or 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from cockpit.audit.verify import verify
    from cockpit.runtime.wiring import audit_key

    verdict = verify(args.path, audit_key())
    stream = sys.stdout if verdict.code == 0 else sys.stderr
    print(f"{args.path}: {verdict.message}", file=stream)
    for note in verdict.notes:
        print(f"{args.path}: note: {note}", file=stream)
    return verdict.code


def _load_replay(path: str):
    from cockpit.audit.read import read_records
    from cockpit.audit.replay import Replay, ReplayError

    try:
        return Replay(read_records(path))
    except OSError as exc:
        print(f"{path}: cannot read: {exc.strerror or exc}", file=sys.stderr)
    except ReplayError as exc:
        print(f"{path}: {exc}", file=sys.stderr)
    return None


def cmd_replay(args: argparse.Namespace) -> int:
    from pathlib import Path

    from cockpit.audit.verify import verify
    from cockpit.runtime.wiring import audit_key

    verdict = verify(args.path, audit_key())
    if verdict.code not in (0, 3):
        print(f"{args.path}: warning: {verdict.message}", file=sys.stderr)
    replay = _load_replay(args.path)
    if replay is None:
        return 2
    if args.headless:
        from cockpit.audit.summary import summary

        print(summary(replay))
        return 0
    from cockpit.ui.replay_app import ReplayApp

    ReplayApp(replay, Path(args.path), speed=args.speed).run()
    return 0


def cmd_audit_export(args: argparse.Namespace) -> int:
    import asyncio
    import io
    from pathlib import Path

    from cockpit.audit.verify import verify
    from cockpit.runtime.wiring import audit_key

    verdict = verify(args.path, audit_key())
    if verdict.code == 2:
        print(f"{args.path}: {verdict.message}", file=sys.stderr)
        return 2
    replay = _load_replay(args.path)
    if replay is None:
        return 2
    buffer = io.StringIO()
    out = buffer if args.output else sys.stdout
    if args.format == "markdown":
        from cockpit.audit.export_markdown import report

        out.write(report(replay, verdict, Path(args.path).name))
    else:
        from functools import partial

        from cockpit.audit.export_asciicast import export_asciicast, write_asciicast
        from cockpit.ui.cast import screen_frames

        render = partial(screen_frames, path=Path(args.path))
        events = asyncio.run(export_asciicast(replay, render))
        write_asciicast(replay, events, out)
    if args.output:  # what was on screen: 0600, whole, and never through a symlink
        from cockpit.fsutil import write_atomic

        try:
            write_atomic(args.output, buffer.getvalue().encode())
        except OSError as exc:
            print(f"{args.output}:1:1: cannot write: {exc.strerror or exc}", file=sys.stderr)
            return 1
    if verdict.code != 0:
        print(f"{args.path}: warning: {verdict.message}", file=sys.stderr)
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

    run = sub.add_parser(
        "run", help="the cockpit against a real cluster (or none: checklists only)"
    )
    run.add_argument(
        "--config", metavar="FILE", help="default: $XDG_CONFIG_HOME/cockpit/config.yaml"
    )
    run.add_argument(
        "--layout", metavar="L", help="a path or a name in layouts/ (go-live, pre-deployment …)"
    )
    run.add_argument("--kubeconfig", metavar="PATH", help="default: $KUBECONFIG, ~/.kube/config")
    run.add_argument("--context", metavar="C", help="kube context")
    run.add_argument("-n", "--namespace", metavar="N")
    run.add_argument("--prometheus", metavar="URL")
    run.add_argument(
        "--read-only", "--readonly", action="store_true", help="offer no mutating action"
    )
    run.add_argument("--audit", metavar="PATH", help="journal (default: one per window, XDG state)")
    run.set_defaults(func=cmd_run)

    from cockpit.sim.scenarios import SCENARIOS

    scenarios = ", ".join(f"{name}: {s.story}" for name, s in SCENARIOS.items())
    demo = sub.add_parser(
        "demo",
        help="the whole cockpit on an embedded simulated environment",
        description=f"Scenarios — {scenarios}.",
    )
    demo.add_argument("--scenario", choices=sorted(SCENARIOS), default="happy")
    demo.add_argument(
        "--layout", metavar="L", default="go-live", help="a path or a name in layouts/"
    )
    demo.add_argument("--audit", metavar="PATH", help="journal (default: XDG state dir/audit)")
    demo.add_argument(
        "--speed",
        type=float,
        default=10.0,
        help="compress the simulation, the soak and the rules' durations (default 10)",
    )
    demo.add_argument(
        "--postgres", metavar="DSN", help="a PostgreSQL server for the backup (else PG* env)"
    )
    demo.set_defaults(func=cmd_demo)

    sim = sub.add_parser("sim", help="only the simulated environment, no UI: prints its URLs")
    sim.add_argument(
        "--kubeconfig-out", metavar="PATH", help="default: XDG state dir/sim/kubeconfig"
    )
    sim.add_argument("--scenario", choices=sorted(SCENARIOS), default="happy")
    sim.add_argument("--speed", type=float, default=1.0, help="simulation speed factor")
    sim.set_defaults(func=cmd_sim)

    audit = sub.add_parser("audit", help="verify or export an audit journal")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True, metavar="COMMAND")
    verify = audit_sub.add_parser(
        "verify", help="check the hash chain: 0 intact, 1 tampered, 2 unreadable, 3 torn tail"
    )
    verify.add_argument("path", metavar="PATH")
    verify.set_defaults(func=cmd_audit_verify)
    export = audit_sub.add_parser("export", help="asciicast v2 for asciinema, or a Markdown report")
    export.add_argument("path", metavar="PATH")
    export.add_argument("--format", choices=("asciicast", "markdown"), required=True)
    export.add_argument("-o", "--output", metavar="FILE", help="default: standard output")
    export.set_defaults(func=cmd_audit_export)

    replay = sub.add_parser("replay", help="replay a recorded session")
    replay.add_argument("path", metavar="PATH")
    replay.add_argument("--speed", type=float, default=1.0, metavar="N")
    replay.add_argument("--headless", action="store_true", help="print the final state, no UI")
    replay.set_defaults(func=cmd_replay)
    return parser


#: how long a command's end waits for a source's thread to finish importing its client
IMPORT_GRACE = 30.0


def main(argv: Sequence[str] | None = None) -> int:
    from cockpit.clients.imports import settle

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 141
    finally:
        settle(IMPORT_GRACE)  # never exit in the middle of a thread's import: an abort


def entry() -> NoReturn:
    """The `cockpit` command: `main`, then out without the interpreter's finalization
    when a thread is left. By then the journal and the progress file are closed; a source
    thread still blocked on the network (a watch's read) would be cut off by finalization,
    and one that wakes there aborts the process (SIGABRT, seen about one quit in two on a
    loaded machine) instead of exiting with the cockpit's status."""
    code = main()
    if threading.active_count() > 1:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)
