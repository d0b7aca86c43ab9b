"""Four-eyes on one window: two cockpits, two operators, the emulator's cluster between them.

Alice's cockpit holds the window lock and asks; Bob's observes and approves; Alice's sees
the approval through the watch, confirms, and the cutover runs. Refused: an approval by
the requester herself, one that expired, one for a plan that changed since.
"""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cockpit.audit.read import read_records
from cockpit.clients.approvals import ApprovalClient
from cockpit.clients.kube import kube_settings
from cockpit.model.approval import GRANTED, REQUESTED
from cockpit.ui.app import CockpitApp
from cockpit.ui.screens.action import ActionScreen
from cockpit.ui.screens.prompt import Prompt
from tests.helpers.four_eyes import (
    POLICY,
    SIZE,
    cockpit,
    override,
    previewing,
    ready,
    shown,
    status_of,
    the_action,
    type_in,
    wait_for,
    watching,
)


def kinds(path: Path, prefix: str = "approval.") -> list[tuple[str, dict]]:
    return [(r.kind, r.data) for r in read_records(path) if r.kind.startswith(prefix)]


async def ask(alice: CockpitApp, pilot) -> None:
    """Alice presses `c`: the plan is published and waits for a second operator."""
    await pilot.press("c")
    await wait_for(pilot, lambda: status_of(alice, REQUESTED), "the request through the watch")
    assert not isinstance(alice.screen, ActionScreen)  # no preview to confirm yet
    step = the_action(alice).last_step
    assert (step.step, step.status) == ("approval", "running")


async def approve(bob: CockpitApp, pilot, reason: str = "go/no-go agreed on the bridge") -> None:
    """Bob presses `A`, reviews the plan, types its target, gives a reason."""
    await pilot.press("A")
    await wait_for(pilot, lambda: previewing(bob), "bob's review")
    review = shown(bob)
    assert "requested by alice@bastion" in review and "+   version: green" in review
    await type_in(pilot, "#action-input", "valeo-erp")
    await wait_for(pilot, lambda: isinstance(bob.screen, Prompt), "the reason prompt")
    await type_in(pilot, "#prompt-input", reason)


@asynccontextmanager
async def a_request(kubeconfig, tmp_path, approver: str = "bob@laptop", alice_clock=None):
    """Alice holds the window and asks for a cutover; `approver`'s cockpit, observing the
    same window, has seen the request. Both shut down when the test is done with them."""
    alice = cockpit(kubeconfig, tmp_path, "alice@bastion", alice_clock)
    other = cockpit(kubeconfig, tmp_path, approver)
    async with alice.run_test(size=SIZE) as a:
        await wait_for(a, lambda: ready(alice), "alice holds the window, green Ready")
        async with other.run_test(size=SIZE) as b:
            await wait_for(b, lambda: watching(other), f"{approver} observes the window")
            await ask(alice, a)
            await wait_for(b, lambda: status_of(other, REQUESTED), f"{approver} sees it")
            yield alice, a, other, b
            other.shutdown(0)
        alice.shutdown(0)


async def test_bob_approves_and_alice_cuts_over(cluster, kubeconfig, tmp_path):
    async with a_request(kubeconfig, tmp_path) as (alice, a, bob, b):
        banner = str(bob.query_one("#banner").render())
        assert "APPROVAL requested by alice@bastion" in banner and "A reviews it" in banner
        assert bob.can_mutate() is not None  # an observer: acting is refused, approving not
        await approve(bob, b)
        await wait_for(a, lambda: previewing(alice), "alice's preview")
        assert "✔ approved by a second operator" in shown(alice)
        assert "bob@laptop: go/no-go agreed on the bridge" in shown(alice)
        await override(a)  # nobody ticked go/no-go
        await wait_for(a, lambda: the_action(alice).outcome, "the outcome", seconds=25)
        action = the_action(alice)
        assert action.outcome == "inconclusive", action  # no Prometheus: never "healthy"
        steps = [(s.step, s.status) for s in action.steps]
        assert steps[:2] == [("approval", "done"), ("dry-run", "done")]
        assert ("execute", "done") in steps and ("verify", "done") in steps
        checked = action.steps[0].detail
        assert checked.startswith("checked at execute, plan unchanged: approved by bob@laptop")
        assert ": go/no-go agreed on the bridge (until " in checked
        service = cluster.store.get("services", "production", "valeo-erp")
        assert service["spec"]["selector"]["version"] == "green"
        (cm,) = cluster.store.list(
            "configmaps", "production", label_selector="cockpit.dev/approval"
        )[0]
        assert cm["data"]["approver"] == "bob@laptop"
        assert cm["data"]["status"] == "used"  # an approval is used once
        assert cm["data"]["approverIdentity"] == bob.session.holder
        assert cm["data"]["requester"] == "alice@bastion"
    alice_saw = kinds(tmp_path / "alice@bastion.jsonl")
    assert alice_saw[0][0] == "approval.request" and alice_saw[0][1]["requester"] == "alice@bastion"
    granted = [d for k, d in alice_saw if k == "approval.granted"]
    assert granted and granted[-1]["approver"] == "bob@laptop"
    assert granted[-1]["reason"] == "go/no-go agreed on the bridge"
    bob_did = [d for k, d in kinds(tmp_path / "bob@laptop.jsonl") if k == "approval.granted"]
    assert bob_did and bob_did[-1]["approver_identity"] == bob.session.holder
    assert not kinds(tmp_path / "alice@bastion.jsonl", "approval.refused")


async def test_escape_at_the_approvers_reason_approves_nothing(cluster, kubeconfig, tmp_path):
    async with a_request(kubeconfig, tmp_path) as (alice, _, bob, b):
        await b.press("A")
        await wait_for(b, lambda: previewing(bob), "bob's review")
        await type_in(b, "#action-input", "valeo-erp")
        await wait_for(b, lambda: isinstance(bob.screen, Prompt), "the reason prompt")
        await b.press("escape")
        await wait_for(b, lambda: not isinstance(bob.screen, Prompt), "the prompt gone")
        await b.pause(1.0)  # a grant would have been written by now
        cm = cluster.store.get("configmaps", "production", "cockpit-window-approval")
        assert (cm["data"]["status"], cm["data"]["approver"]) == ("requested", "")
        assert status_of(alice, REQUESTED)
    notices = [d["message"] for k, d in kinds(tmp_path / "bob@laptop.jsonl", "") if k == "notice"]
    assert "not approved: Cutover valeo-erp: blue → green" in notices
    assert not kinds(tmp_path / "bob@laptop.jsonl", "approval.granted")


async def test_the_requester_may_not_approve_her_own_plan(cluster, kubeconfig, tmp_path):
    async with a_request(kubeconfig, tmp_path, "alice@bastion-2") as (alice, a, again, b):
        await b.press("A")
        await b.pause()
        assert not isinstance(again.screen, ActionScreen)  # refused before any review
        (refused,) = [d for k, d in kinds(again.trail.journal.path) if k == "approval.refused"]
        assert refused["by"] == "alice@bastion-2"
        assert "requested this plan: the approver must be someone else" in refused["reason"]

        # written behind the cockpit's back (kubectl, an old cockpit): refused, no preview
        seen = alice.state.approval
        client = ApprovalClient(kube_settings(alice.session), alice.session.lock)
        client.grant(seen, "alice@bastion-2", "x", "", alice.now(), "2099-01-01T00:00:00+00:00")
        await wait_for(a, lambda: the_action(alice).outcome, "the refusal")
        assert not isinstance(alice.screen, ActionScreen)
        action = the_action(alice)
        assert action.outcome == "failed"
        assert "approved by its own requester" in action.detail
    service = cluster.store.get("services", "production", "valeo-erp")
    assert service["spec"]["selector"]["version"] == "blue"  # nothing was executed
    (refused,) = [d for k, d in kinds(tmp_path / "alice@bastion.jsonl") if k == "approval.refused"]
    assert refused["by"] == "alice@bastion" and "own requester" in refused["reason"]


async def test_an_expired_approval_is_refused_at_execute_time(cluster, kubeconfig, tmp_path):
    later = [timedelta(0)]  # alice's clock, moved on by hand: no race with a 1 s expiry
    alice_clock = lambda: datetime.now(UTC) + later[0]  # noqa: E731
    async with a_request(kubeconfig, tmp_path, alice_clock=alice_clock) as (alice, a, bob, b):
        (lock,) = [s for s in alice.sources if s.name == "lock"]
        lock.clock = alice_clock  # her whole process's time moves, her lock's too
        await approve(bob, b)
        await wait_for(a, lambda: previewing(alice), "alice's preview")
        later[0] = timedelta(minutes=16)  # alice hesitates longer than the 15 min it holds
        # her lock renewed meanwhile (a lock not renewed for 16 min has lapsed: no action)
        await asyncio.to_thread(lock.renew)
        await wait_for(a, lambda: not alice.state.lock.lapsed(alice.state.now), "renewed")
        await override(a)
        await wait_for(a, lambda: the_action(alice).outcome, "the refusal")
        action = the_action(alice)
        assert action.outcome == "failed"
        assert "the approval by bob@laptop expired at" in action.detail
        assert (action.last_step.step, action.last_step.status) == ("approval", "failed")
    assert cluster.store.get("services", "production", "valeo-erp")["spec"]["selector"] == {
        "app": "valeo-erp",
        "version": "blue",
    }


async def test_a_plan_that_changed_after_the_approval_is_refused(
    cluster, kubeconfig, tmp_path, kubectl
):
    async with a_request(kubeconfig, tmp_path) as (alice, a, bob, b):
        await approve(bob, b)
        await wait_for(a, lambda: status_of(alice, GRANTED), "the approval seen")
        # between approval and execution someone moves the Service: another plan now
        patch = '{"spec":{"selector":{"version":"blue-canary"}}}'
        done = kubectl("patch", "service", "valeo-erp", "-n", "production", "-p", patch)
        assert done.returncode == 0, done.stderr
        moved = lambda: alice.state.kube.services["valeo-erp"].selector.get("version")  # noqa: E731
        await wait_for(a, lambda: moved() == "blue-canary", "the change seen")
        await wait_for(a, lambda: previewing(alice), "alice's preview")
        await override(a)
        await wait_for(a, lambda: the_action(alice).outcome, "the refusal")
        action = the_action(alice)
        assert action.outcome == "failed"
        assert "the plan changed since it was approved" in action.detail
    service = cluster.store.get("services", "production", "valeo-erp")
    assert service["spec"]["selector"]["version"] == "blue-canary"  # not touched by the cockpit
    (refused,) = [d for k, d in kinds(tmp_path / "alice@bastion.jsonl") if k == "approval.refused"]
    assert "ask for a new approval" in refused["reason"]


async def test_an_emergency_goes_on_without_approval_with_a_reason(cluster, kubeconfig, tmp_path):
    alice = cockpit(kubeconfig, tmp_path, "alice@bastion")
    async with alice.run_test(size=SIZE) as a:
        await wait_for(a, lambda: ready(alice), "alice holds the window")
        await ask(alice, a)
        alice.go_on_without_approval()  # `:` → "Go on without approval (emergency …)"
        await wait_for(a, lambda: isinstance(alice.screen, Prompt), "the reason prompt")
        await type_in(a, "#prompt-input", "P1 outage, no second operator reachable")
        await wait_for(a, lambda: previewing(alice), "the preview")
        assert "? approved by a second operator" in shown(alice)
        assert "emergency, without approval: P1 outage" in shown(alice)
        await override(a)
        await wait_for(a, lambda: the_action(alice).outcome, "the outcome", seconds=25)
        assert the_action(alice).outcome == "inconclusive"
        await wait_for(a, lambda: status_of(alice, "emergency"), "the object marked")
        alice.shutdown(0)
    (emergency,) = [
        d for k, d in kinds(tmp_path / "alice@bastion.jsonl") if k == "approval.emergency"
    ]
    assert emergency["by"] == "alice@bastion"
    assert emergency["reason"] == "P1 outage, no second operator reachable"
    assert (
        cluster.store.get("services", "production", "valeo-erp")["spec"]["selector"]["version"]
        == "green"
    )


async def test_a_read_only_cockpit_does_not_offer_approving(tmp_path):
    from tests.ui.apps import build_app

    for read_only, offered in ((True, False), (False, True)):
        app = build_app("go-live", read_only=read_only)
        async with app.run_test(size=SIZE):
            assert app.check_action("approve", ()) is offered


async def test_a_newline_in_the_objects_text_draws_no_fake_banner_line(tmp_path):
    from cockpit.model import events as ev
    from tests.ui.apps import build_app

    app = build_app("go-live", operator="bob@laptop", approval=POLICY)
    title = "Cutover valeo-erp\n ACTION: Cutover valeo-erp — soak done 10m, window OK"
    async with app.run_test(size=SIZE) as pilot:
        asked = ev.ApprovalRequested(
            request="cutover@x",
            action="cutover",
            target="valeo-erp",
            title=title,
            digest="d" * 64,
            requester="alice@bastion\nSOAK OK",
            at=app.now(),
        )
        app.dispatch(asked)
        await pilot.pause()
        banner = str(app.query_one("#banner").render())
        (line,) = [line for line in banner.splitlines() if "APPROVAL" in line]
        assert "requested by alice@bastion SOAK OK" in line
        assert "Cutover valeo-erp ACTION: Cutover valeo-erp — soak done" in line
        assert not any(line.lstrip().startswith("ACTION:") for line in banner.splitlines())


async def test_the_banner_names_the_approve_key_as_remapped(tmp_path):
    from cockpit.model import events as ev
    from tests.ui.apps import build_app

    app = build_app("go-live", operator="bob@laptop", approval=POLICY, keys={"approve": "P"})
    async with app.run_test(size=SIZE) as pilot:
        app.dispatch(
            ev.ApprovalRequested(
                request="cutover@x",
                action="cutover",
                target="valeo-erp",
                title="Cutover valeo-erp: blue → green",
                digest="d" * 64,
                requester="alice@bastion",
                at=app.now(),
            )
        )
        await pilot.pause()
        banner = str(app.query_one("#banner").render())
        assert "— P reviews it" in banner and "— A reviews it" not in banner
