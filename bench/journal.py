"""Audit journal figures: append latency, keystrokes/s, verify and replay throughput, seek.

    python bench/journal.py [--records 1000000] [--keys 1000]

Each figure is printed with the alternative measured in the same run:
- append with group commit vs with fsync per record (what a naive journal does);
- keys/s through the whole cockpit with the journal vs without it;
- seek into the middle from the nearest checkpoint vs replaying from the start.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cockpit.audit.journal import Journal
from cockpit.audit.read import read_records
from cockpit.audit.records import GENESIS, digest, encode, timestamp
from cockpit.audit.replay import Replay
from cockpit.audit.session_record import session_start
from cockpit.audit.trail import AuditTrail
from cockpit.audit.verify import verify
from cockpit.model.config import Config
from cockpit.runtime.session import open_session


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p50 = ordered[len(ordered) // 2] * 1e6
    p99 = ordered[int(len(ordered) * 0.99)] * 1e6
    return f"p50 {p50:8.1f} µs   p99 {p99:8.1f} µs"


def bench_append(directory: Path) -> None:
    data = {"key": "j", "focus": "go-live"}
    grouped = Journal(directory / "grouped.jsonl")
    samples = []
    for _ in range(5000):
        start = time.perf_counter()
        grouped.append("key", data)
        samples.append(time.perf_counter() - start)
    grouped.close()
    synced = Journal(directory / "synced.jsonl")
    fsynced = []
    for _ in range(500):
        start = time.perf_counter()
        synced.commit("key", data)
        fsynced.append(time.perf_counter() - start)
    synced.close()
    print("append latency (one key record)")
    print(f"  group commit (fdatasync ≤ every 200 ms)  {percentiles(samples)}   n=5000")
    print(f"  fdatasync per record (commit)           {percentiles(fsynced)}   n=500")
    ratio = statistics.median(fsynced) / statistics.median(samples)
    print(f"  ratio per-record sync / group commit (median): {ratio:.0f}x")


async def keys_per_second(directory: Path, keys: int, journaled: bool) -> float:
    """Keys posted as a terminal would (a burst, as with key repeat), until all are handled."""
    from textual import events

    from cockpit.ui.app import CockpitApp

    session = open_session(Config(layout="go-live", operator="bench@host"))
    trail = AuditTrail(Journal(directory / f"keys-{journaled}.jsonl")) if journaled else None
    app = CockpitApp(session, trail=trail, tick_seconds=None)
    block = 150
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        pane = app.query_one("#go-live")
        target = pane.rows[block].key
        start = time.perf_counter()
        for n in range(keys):
            key = "j" if (n // block) % 2 == 0 else "k"
            app.post_message(events.Key(key, key))
        while not (app._message_queue.empty() and app.state.cursors.get("go-live") == target):
            await asyncio.sleep(0.001)
        elapsed = time.perf_counter() - start
    if trail is not None:
        trail.journal.close()
    return keys / elapsed


def generate(path: Path, records: int) -> None:
    """A realistic window: keys, cursor moves, ticks, polled sources, check results."""
    session = open_session(Config(layout="go-live", operator="bench@host"))
    items = [i.id for i in session.workspace.runbooks["go-live"].walk_items()]
    rnd = random.Random(7)
    moment = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
    prev, seq = GENESIS, 0
    with open(path, "wb") as out:

        def put(kind: str, data: dict) -> None:
            nonlocal prev, seq
            line = encode(seq, timestamp(moment), kind, data, prev, None)
            out.write(line + b"\n")
            prev, seq = digest(line), seq + 1

        put("session.start", session_start(session, (160, 48), []))
        while seq < records:
            moment += timedelta(milliseconds=rnd.randint(20, 900))
            roll = rnd.random()
            item = rnd.choice(items)
            if roll < 0.55:
                put("key", {"key": rnd.choice("jk"), "focus": "go-live"})
            elif roll < 0.85:
                put("view.cursor", {"pane": "go-live", "row": f"i:{item}"})
            elif roll < 0.90:
                kind = "item.tick" if rnd.random() < 0.7 else "item.untick"
                put(kind, {"checklist": "go-live", "item": item, "by": "bench@host", "at": ""})
            elif roll < 0.95:
                put("unchanged", {"of": 1, "at": moment.isoformat()})
            else:
                status = rnd.choice(["pass", "fail", "unknown"])
                put(
                    "check",
                    {
                        "checklist": "go-live",
                        "item": item,
                        "status": status,
                        "detail": "",
                        "at": "",
                    },
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--keys", type=int, default=1050, help="an odd number of 150-key blocks")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        os.environ["XDG_STATE_HOME"] = tmp
        bench_append(directory)

        with_journal = asyncio.run(keys_per_second(directory, args.keys, True))
        without = asyncio.run(keys_per_second(directory, args.keys, False))
        print(f"keystrokes through the cockpit (j/k at 160x48, {args.keys} keys)")
        print(f"  with journal    {with_journal:8.0f} keys/s")
        print(f"  without journal {without:8.0f} keys/s   ratio {with_journal / without:.2f}")

        path = directory / "big.jsonl"
        start = time.perf_counter()
        generate(path, args.records)
        size = path.stat().st_size / 1e6
        took = time.perf_counter() - start
        print(f"generated {args.records} records, {size:.0f} MB in {took:.1f} s")

        start = time.perf_counter()
        verdict = verify(path)
        elapsed = time.perf_counter() - start
        rate = verdict.records / elapsed
        print(f"verify      {rate:10.0f} records/s  ({elapsed:.1f} s, {verdict.message})")

        start = time.perf_counter()
        replay = Replay(read_records(path))
        elapsed = time.perf_counter() - start
        rate = len(replay.steps) / elapsed
        print(f"replay      {rate:10.0f} records/s  ({elapsed:.1f} s, to the final state)")

        middle = len(replay.steps) // 2
        seeks = []
        for _ in range(20):
            start = time.perf_counter()
            replay.state_after(middle + random.randint(-500, 500))
            seeks.append(time.perf_counter() - start)
        start = time.perf_counter()
        state = replay.state_after(-1)
        for step in replay.steps[: middle + 1]:
            state = replay._apply(state, step)
        from_start = time.perf_counter() - start
        median = statistics.median(seeks)
        print(
            f"seek to the middle: from a checkpoint {median * 1000:.1f} ms (median of 20), "
            f"from the start {from_start * 1000:.0f} ms, ratio {from_start / median:.0f}x"
        )


if __name__ == "__main__":
    main()
