"""A four-eyes cutover with two cockpits on the emulator, written down as a transcript.

    .venv/bin/python tests/ui/four_eyes_transcript.py [OUT.md]

Alice's cockpit holds the window lock and asks; Bob's (an observer) approves with a reason;
Alice's confirms and the cutover runs. The transcript holds what each screen said in order
(banner lines, previews, notices) and both journals' reports (`cockpit audit export
--format markdown`), sections "Sign-off and decisions" and "Actions". The same path as
tests/ui/test_four_eyes.py, told for a reader rather than asserted.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository

from cockpit.audit.read import read_records
from cockpit.sim.kube.valeo import start_valeo, write_kubeconfig
from cockpit.ui.screens.prompt import Prompt
from tests.helpers.four_eyes import (
    cockpit,
    previewing,
    ready,
    shown,
    status_of,
    the_action,
    type_in,
    wait_for,
    watching,
)

SIZE = (160, 48)


def banner(app) -> str:
    return str(app.query_one("#banner").render()).strip()


async def story(work: Path) -> list[str]:
    sim = start_valeo(speed=20.0, bookmark_interval=0.2, seed_rng=7)
    out: list[str] = []

    def say(who: str, what: str) -> None:
        out.append(f"**{who}** — {what}")
        out.append("")

    def screen(who: str, title: str, text: str) -> None:
        out.extend([f"**{who}** — {title}:", "", "```", text.rstrip(), "```", ""])

    try:
        kubeconfig = write_kubeconfig(work / "kubeconfig", sim.url)
        alice = cockpit(kubeconfig, work, "alice@bastion-1")
        bob = cockpit(kubeconfig, work, "bob@bastion-2")
        async with alice.run_test(size=SIZE) as a:
            await wait_for(a, lambda: ready(alice), "alice holds the window")
            async with bob.run_test(size=SIZE) as b:
                await wait_for(b, lambda: watching(bob), "bob observes")
                say("alice", f"holds the window lock as `{alice.session.holder}`; presses `c`")
                await a.press("c")
                await wait_for(a, lambda: status_of(alice, "requested"), "the request")
                await wait_for(b, lambda: status_of(bob, "requested"), "bob sees it")
                step = the_action(alice).last_step
                say("alice", f"action step `{step.step} {step.status}`: {step.detail}")
                say("bob", f"observer (`lock {bob.state.lock.state}`), banner: `{banner(bob)}`")
                say("bob", "presses `A`")
                await b.press("A")
                await wait_for(b, lambda: previewing(bob), "bob's review")
                screen("bob", "reviews", bob.screen.plan.title + "\n\n" + shown(bob))
                say("bob", "types `valeo-erp`, then the reason `go/no-go agreed on the bridge`")
                await type_in(b, "#action-input", "valeo-erp")
                await wait_for(b, lambda: isinstance(bob.screen, Prompt), "reason")
                await type_in(b, "#prompt-input", "go/no-go agreed on the bridge")
                await wait_for(a, lambda: previewing(alice), "preview")
                screen(
                    "alice", "the preview opens", alice.screen.plan.title + "\n\n" + shown(alice)
                )
                say("alice", "types `override valeo-erp` (nobody ticked the 11:00 go/no-go)")
                await type_in(a, "#action-input", "override valeo-erp")
                why = "go/no-go agreed on the bridge at 11:00, not ticked"
                say("alice", f"is asked why she overrides; types: {why}")
                await type_in(a, "#prompt-input", why)
                await wait_for(a, lambda: the_action(alice).outcome, "outcome", seconds=30)
                action = the_action(alice)
                steps = "\n".join(f"{s.step} {s.status}: {s.detail}" for s in action.steps)
                screen("alice", f"cutover {action.outcome}", steps + f"\n→ {action.detail}")
                for who, app in (("alice", alice), ("bob", bob)):
                    notices = [
                        f"{r.time.astimezone(app.session.tz):%H:%M:%S} "
                        f"{r.data['level']}: {r.data['message']}"
                        for r in read_records(app.trail.journal.path)
                        if r.kind == "notice"
                    ]
                    screen(who, "notices, in order (journaled)", "\n".join(notices))
                bob.shutdown(0)
            alice.shutdown(0)
        kubectl = Path(sys.executable).parent / "kubectl"
        env = {**os.environ, "KUBECONFIG": str(kubeconfig), "HOME": str(work)}
        got = subprocess.run(
            [str(kubectl), "get", "cm", "-n", "production", "-l", "cockpit.dev/approval"],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        screen("kubectl", "`kubectl get cm -n production -l cockpit.dev/approval`", got.stdout)
    finally:
        sim.stop()
    for who, operator in (("alice", "alice@bastion-1"), ("bob", "bob@bastion-2")):
        journal = work / f"{operator}.jsonl"
        report = subprocess.run(
            [
                sys.executable,
                "-m",
                "cockpit",
                "audit",
                "export",
                str(journal),
                "--format",
                "markdown",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        wanted = [
            s for s in report.split("\n## ") if s.startswith(("Sign-off and decisions", "Actions"))
        ]
        out.append(f"### {who}'s journal: `cockpit audit export {journal.name} --format markdown`")
        out.append("")
        for part in wanted:
            out.extend(["#" + "### " + part.strip().replace("\n### ", "\n##### "), ""])
    return out


def main() -> None:
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "FOUR_EYES_TRANSCRIPT.md")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_STATE_HOME"] = str(Path(tmp) / "state")
        os.environ["XDG_CONFIG_HOME"] = str(Path(tmp) / "config")
        lines = asyncio.run(story(Path(tmp)))
    head = [
        "# Four-eyes cutover: a transcript",
        "",
        "Two cockpits on one window of the emulator (`valeo-sim@production`), the policy",
        "`approval: {required_for: [cutover, rollback, restore], expires: 15m}`. Regenerate with",
        "`.venv/bin/python tests/ui/four_eyes_transcript.py`.",
        "",
    ]
    target.write_text("\n".join(head + lines) + "\n", encoding="utf-8")
    print(target)


if __name__ == "__main__":
    main()
