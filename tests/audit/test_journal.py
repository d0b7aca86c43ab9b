import json
import os
import stat
import subprocess
import sys
import textwrap
import threading
from datetime import UTC, datetime

import pytest

from cockpit.audit.journal import (
    Journal,
    JournalBusy,
    JournalDamaged,
    anchor_path,
    written_now,
)
from cockpit.audit.records import GENESIS, decode, digest
from cockpit.audit.verify import INTACT, TORN, verify
from cockpit.fsutil import UnsafeFile
from tests.planted import PLANTED, leaked

NOW = datetime(2026, 11, 21, 10, 42, 5, 123456, tzinfo=UTC)


def lines(path):
    return path.read_bytes().splitlines()


def test_records_follow_the_contract(tmp_path):
    path = tmp_path / "j.jsonl"
    journal = Journal(path, clock=lambda: NOW)
    assert journal.append("session.start", {"user": "alice"}) == 0
    assert journal.append("key", {"key": "j"}) == 1
    journal.close()
    first, second = (json.loads(line) for line in lines(path))
    assert list(first) == ["seq", "ts", "kind", "data", "prev"]
    assert first["seq"] == 0 and first["prev"] == GENESIS
    assert first["ts"] == "2026-11-21T10:42:05.123456Z"
    assert second["prev"] == digest(lines(path)[0])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_appending_continues_the_chain_across_sessions(tmp_path):
    path = tmp_path / "j.jsonl"
    Journal(path).close()
    first = Journal(path)
    first.append("a", {})
    first.close()
    second = Journal(path)
    assert second.append("b", {}) == 1
    second.close()
    assert verify(path).code == INTACT


def test_hmac_seal_is_checked_against_the_key(tmp_path):
    path = tmp_path / "j.jsonl"
    journal = Journal(path, key=b"secret")
    journal.append("a", {"x": 1})
    journal.close()
    assert decode(lines(path)[0]).mac is not None
    assert verify(path, b"secret").code == INTACT
    assert "bad HMAC" in verify(path, b"other").message


def test_torn_tail_is_terminated_and_named_by_the_next_session(tmp_path):
    path = tmp_path / "j.jsonl"
    journal = Journal(path)
    for n in range(3):
        journal.append("key", {"n": n})
    journal.close()
    with open(path, "ab") as handle:
        handle.write(b'{"seq":3,"ts":"2026-')  # the crash
    assert verify(path).code == TORN
    again = Journal(path)
    assert again.torn == {"after_seq": 2, "bytes": 20, "sha256": digest(b'{"seq":3,"ts":"2026-')}
    again.append("key", {"n": 4})
    again.close()
    verdict = verify(path)
    assert verdict.code == INTACT and verdict.records == 5  # 3 + resume + 1, nothing lost
    assert "crash recovered" in verdict.notes[0]


def test_a_damaged_last_record_is_refused(tmp_path):
    path = tmp_path / "j.jsonl"
    path.write_bytes(b"this is not a journal\n")
    with pytest.raises(JournalDamaged):
        Journal(path)


def test_disk_full_fails_closed_and_recovers(tmp_path):
    """A real write failure: the file size limit (EFBIG), in a child process."""
    path = tmp_path / "j.jsonl"
    child = textwrap.dedent(
        f"""
        import json, resource, signal
        from cockpit.audit.journal import Journal, JournalUnavailable
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        journal = Journal({str(path)!r})
        journal.append("a", {{}})
        limits = resource.getrlimit(resource.RLIMIT_FSIZE)
        resource.setrlimit(resource.RLIMIT_FSIZE, ({str(path)!r} and 1, limits[1]))
        journal.append("b", {{"waits": True}})
        failed = journal.failure is not None
        try:
            journal.commit("action.plan", {{"what": "cutover"}})
            refused = False
        except JournalUnavailable:
            refused = True
        still = journal.retry()
        resource.setrlimit(resource.RLIMIT_FSIZE, limits)
        recovered = journal.retry()
        seq = journal.commit("action.plan", {{"what": "cutover"}})
        journal.close()
        print(json.dumps([failed, refused, still, recovered, seq]))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", child], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    failed, refused, still_failing, recovered, seq = json.loads(result.stdout)
    assert failed and refused and not still_failing and recovered
    kinds = [decode(line).kind for line in lines(path)]
    # "b" waited in memory and was written once the disk recovered; the refused plan was
    # withdrawn (its caller went without it), so the journal never claims it
    assert kinds == ["a", "b", "action.plan"] and seq == 2
    assert verify(path).code == INTACT


def test_kill_9_during_a_burst_loses_no_acknowledged_record(tmp_path):
    path = tmp_path / "j.jsonl"
    writer = textwrap.dedent(
        f"""
        import sys
        from cockpit.audit.journal import Journal
        journal = Journal({str(path)!r})
        n = 0
        while True:
            seq = journal.append("key", {{"key": "x" * (n % 300), "n": n}})
            print(seq, flush=True)  # acknowledged: append returned
            n += 1
        """
    )
    process = subprocess.Popen([sys.executable, "-c", writer], stdout=subprocess.PIPE, text=True)
    acknowledged = -1
    for line in process.stdout:
        acknowledged = int(line)
        if acknowledged >= 3000:
            break
    process.kill()  # SIGKILL mid-burst
    process.wait()
    process.stdout.close()
    verdict = verify(path)
    assert verdict.code in (INTACT, TORN)  # a torn last line at most, never a broken chain
    assert verdict.records >= acknowledged + 1


# --- one writer per path (issue 18) --------------------------------------------------------


def test_a_second_writer_on_one_path_is_refused_while_the_first_lives(tmp_path):
    path = tmp_path / "j.jsonl"
    first = Journal(path)
    first.append("a", {})
    with pytest.raises(JournalBusy, match="another cockpit"):
        Journal(path)
    first.append("b", {})
    first.close()
    second = Journal(path)  # the lock went with the first writer
    assert second.append("c", {}) == 2
    second.close()
    assert verify(path).code == INTACT


def test_a_restart_waits_for_the_old_writer_to_finish(tmp_path):
    """An SSH drop: the old process is still writing `session.end` when the new one starts."""
    path = tmp_path / "j.jsonl"
    old = Journal(path)
    old.append("session.start", {})
    closing = threading.Timer(0.3, lambda: (old.append("session.end", {}), old.close()))
    closing.start()
    new = Journal(path, wait=10.0)
    closing.join()
    assert new.append("session.start", {}) == 2  # after the old session's end, not beside it
    new.close()
    assert [decode(line).kind for line in lines(path)][-2:] == ["session.end", "session.start"]
    assert verify(path).code == INTACT


def test_two_processes_on_one_path_never_break_the_chain(tmp_path):
    path = tmp_path / "j.jsonl"
    writer = textwrap.dedent(
        f"""
        import sys
        from cockpit.audit.journal import Journal, JournalBusy
        try:
            journal = Journal({str(path)!r})
        except JournalBusy:
            print("busy", flush=True)
            sys.exit(0)
        print("writing", flush=True)
        for n in range(2000):
            journal.append("key", {{"n": n, "pad": "x" * 200}})
        sys.stdin.readline()
        journal.close()
        """
    )
    spawn = [sys.executable, "-c", writer]
    first = subprocess.Popen(spawn, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert first.stdout.readline().strip() == "writing"
    second = subprocess.run(spawn, input="\n", capture_output=True, text=True, timeout=60)
    first.communicate("\n", timeout=60)
    assert second.stdout.strip() == "busy", second.stderr
    assert verify(path).code == INTACT


# --- the file itself: ours, 0600, never through a symlink ----------------------------------


def test_a_dangling_symlink_at_the_path_is_refused(tmp_path):
    outside = tmp_path / "elsewhere" / "j.jsonl"
    outside.parent.mkdir()
    path = tmp_path / "state" / "j.jsonl"
    path.parent.mkdir()
    path.symlink_to(outside)
    with pytest.raises(UnsafeFile, match="symbolic link"):
        Journal(path)
    assert not outside.exists()


def test_a_symlink_to_a_file_is_refused_and_the_file_untouched(tmp_path):
    target = tmp_path / "target"
    target.write_bytes(b"")
    target.chmod(0o644)
    path = tmp_path / "j.jsonl"
    path.symlink_to(target)
    with pytest.raises(UnsafeFile, match="symbolic link"):
        Journal(path)
    assert target.read_bytes() == b""


def test_an_existing_journal_readable_by_others_is_made_private(tmp_path):
    path = tmp_path / "j.jsonl"
    path.write_bytes(b"")
    path.chmod(0o644)
    journal = Journal(path)
    journal.append("a", {})
    journal.close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_journal_that_is_not_a_regular_file_is_refused(tmp_path):
    path = tmp_path / "j.jsonl"
    os.mkfifo(path)
    with pytest.raises(UnsafeFile, match="not a regular file"):
        Journal(path)


# --- the anchor: what a closed journal held ------------------------------------------------


def test_closing_anchors_the_last_record_beside_the_journal(tmp_path):
    path = tmp_path / "j.jsonl"
    journal = Journal(path)
    for n in range(3):
        journal.append("key", {"n": n})
    journal.close()
    anchor = anchor_path(path)
    assert json.loads(anchor.read_bytes()) == {"seq": 2, "sha256": digest(lines(path)[-1])}
    assert stat.S_IMODE(anchor.stat().st_mode) == 0o600


def test_no_record_is_written_with_a_credential_in_it(tmp_path):
    path = tmp_path / "j.jsonl"
    journal = Journal(path)
    journal.append("paste", {"text": f"curl -u admin:{PLANTED[0]} https://erp"})
    journal.append(
        "observe.kube",
        {"items": [{"labels": {"aws": PLANTED[7], "api-token": PLANTED[3], "app": "erp"}}]},
    )
    journal.append("source.status", {"message": f"postgres://admin:{PLANTED[9]}@db: refused"})
    journal.close()
    assert leaked(path.read_bytes()) == []
    labels = json.loads(lines(path)[1])["data"]["items"][0]["labels"]
    assert labels == {"aws": "***", "api-token": "***", "app": "erp"}
    assert verify(path).code == INTACT


def test_a_record_keeps_its_control_characters_as_escapes_never_raw(tmp_path):
    """A paste is kept exactly (ESC, BEL, C1, a bidi override), yet `cat` of the journal
    sends none of them to a terminal."""
    text = "note\x1b[31m b\x07\x9b\u202eend\nsecond\tline"
    journal = Journal(tmp_path / "j.jsonl", clock=lambda: NOW)
    journal.append("paste", {"text": text, "focus": "go-live"})
    journal.close()
    raw = (tmp_path / "j.jsonl").read_bytes()
    assert not any(c in raw.decode() for c in "\x1b\x07\x9b\u202e\t")
    assert decode(raw.rstrip(b"\n")).data["text"] == text
    assert verify(tmp_path / "j.jsonl").code == INTACT


def test_written_now_is_true_only_while_a_writer_holds_the_journal(tmp_path):
    path = tmp_path / "j.jsonl"
    assert not written_now(path)  # none yet
    journal = Journal(path)
    journal.append("session.start", {})
    assert written_now(path)
    journal.close()
    assert not written_now(path)
    link = tmp_path / "link.jsonl"
    link.symlink_to(path)
    assert not written_now(link)  # never followed
