import subprocess
import sys

from cockpit.audit.journal import Journal, anchor_path
from cockpit.audit.verify import INTACT, TAMPERED, TORN, UNREADABLE, verify


def journal_of(path, n=10, key=None):
    journal = Journal(path, key=key)
    for i in range(n):
        journal.append("key", {"key": "j", "n": i})
    journal.close()
    return path


def crashed_journal_of(path, n=10):
    """Records written by a cockpit killed with SIGKILL: never closed, so never anchored."""
    child = (
        "import os, signal, sys\n"
        "from cockpit.audit.journal import Journal\n"
        "journal = Journal(sys.argv[1])\n"
        f"for i in range({n}):\n"
        "    journal.append('key', {'key': 'j', 'n': i})\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    subprocess.run([sys.executable, "-c", child, str(path)], check=False, timeout=60)
    return path


def test_intact(tmp_path):
    verdict = verify(journal_of(tmp_path / "j.jsonl"))
    assert (verdict.code, verdict.records) == (INTACT, 10)


def test_one_flipped_byte_in_the_middle_names_the_record(tmp_path):
    path = journal_of(tmp_path / "j.jsonl")
    raw = bytearray(path.read_bytes())
    lines = raw.split(b"\n")
    offset = sum(len(line) + 1 for line in lines[:5]) + lines[5].index(b'"n":5') + 4
    raw[offset] = ord("7")  # n: 5 → 7 in record 5
    path.write_bytes(bytes(raw))
    verdict = verify(path)
    assert verdict.code == TAMPERED
    assert verdict.bad_seq == 6 and "hash mismatch" in verdict.message  # 6 no longer chains


def test_a_deleted_record_is_a_seq_gap(tmp_path):
    path = journal_of(tmp_path / "j.jsonl")
    lines = path.read_bytes().split(b"\n")
    path.write_bytes(b"\n".join(lines[:3] + lines[4:]))
    verdict = verify(path)
    assert verdict.code == TAMPERED and verdict.bad_seq == 4 and "seq gap" in verdict.message


def test_garbage_in_the_middle_is_tampering_not_a_crash(tmp_path):
    path = journal_of(tmp_path / "j.jsonl")
    lines = path.read_bytes().split(b"\n")
    path.write_bytes(b"\n".join([*lines[:3], b"{oops", *lines[3:]]))
    verdict = verify(path)
    assert verdict.code == TAMPERED and verdict.bad_line == 4


def test_truncated_mid_line_is_a_torn_tail(tmp_path):
    path = crashed_journal_of(tmp_path / "j.jsonl")
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) - 25])
    verdict = verify(path)
    assert (
        verdict.code == TORN
        and verdict.records == 9
        and "records 0..8 are intact" in verdict.message
    )


def test_sealed_records_need_the_right_key(tmp_path):
    path = journal_of(tmp_path / "j.jsonl", key=b"k1")
    assert verify(path, b"k1").code == INTACT
    assert verify(path, b"k2").code == TAMPERED
    assert "set COCKPIT_AUDIT_KEY" in verify(path).notes[0]
    unsealed = journal_of(tmp_path / "u.jsonl")
    assert "no MAC" in verify(unsealed, b"k1").message


def test_unreadable(tmp_path):
    assert verify(tmp_path / "missing.jsonl").code == UNREADABLE
    (tmp_path / "empty.jsonl").write_bytes(b"")
    assert verify(tmp_path / "empty.jsonl").code == UNREADABLE
    (tmp_path / "text.jsonl").write_bytes(b"hello world\nsecond line\n")
    assert verify(tmp_path / "text.jsonl").code == UNREADABLE


def test_command_line_exit_codes(tmp_path):
    path = journal_of(tmp_path / "j.jsonl")

    def run(target):
        return subprocess.run(
            [sys.executable, "-m", "cockpit", "audit", "verify", str(target)],
            capture_output=True,
            text=True,
            env={"PATH": ""},
        )

    ok = run(path)
    assert ok.returncode == 0 and "intact: 10 records" in ok.stdout
    raw = path.read_bytes()
    crashed = crashed_journal_of(tmp_path / "crashed.jsonl")
    crashed.write_bytes(crashed.read_bytes()[:-10])
    torn = run(crashed)
    assert torn.returncode == 3 and "torn tail" in torn.stderr
    path.write_bytes(raw.replace(b'"n":2', b'"n":3', 1))
    tampered = run(path)
    assert tampered.returncode == 1 and "TAMPERED at seq 3" in tampered.stderr
    assert run(tmp_path / "nope").returncode == 2


def test_records_cut_from_the_end_of_a_closed_journal_are_tampering(tmp_path):
    """`head -n -3`: what is left chains perfectly; the anchor says it went on."""
    path = journal_of(tmp_path / "j.jsonl")
    kept = path.read_bytes().split(b"\n")[:-4]
    path.write_bytes(b"\n".join(kept) + b"\n")
    verdict = verify(path)
    assert verdict.code == TAMPERED and verdict.bad_seq == 7
    assert "closed at seq 9" in verdict.message and "ends at seq 6" in verdict.message


def test_a_closed_journal_cut_mid_line_is_tampering_not_a_crash(tmp_path):
    path = journal_of(tmp_path / "j.jsonl")
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) - 25])
    verdict = verify(path)
    assert verdict.code == TAMPERED and "closed at seq 9" in verdict.message


def test_a_last_record_replaced_after_close_is_tampering(tmp_path):
    path = journal_of(tmp_path / "j.jsonl")
    raw = path.read_bytes()
    path.write_bytes(raw.replace(b'"n":9', b'"n":8'))
    verdict = verify(path)
    assert verdict.code == TAMPERED and verdict.bad_seq == 9


def test_a_session_after_the_anchor_that_crashed_is_a_torn_tail(tmp_path):
    path = crashed_journal_of(journal_of(tmp_path / "j.jsonl"), n=1)
    with open(path, "ab") as handle:  # the crash hit mid-write
        handle.write(b'{"seq":11,"ts":"2026-')
    assert verify(path).code == TORN
    again = Journal(path)  # the next start chains past it and anchors again
    again.close()
    assert verify(path).code == INTACT


def test_an_unreadable_anchor_is_not_ignored(tmp_path):
    path = journal_of(tmp_path / "j.jsonl")
    anchor_path(path).write_bytes(b"garbage")
    assert verify(path).code == TAMPERED
