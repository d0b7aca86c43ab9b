import subprocess
import sys

from cockpit.audit.journal import Journal
from cockpit.audit.verify import INTACT, TAMPERED, TORN, UNREADABLE, verify


def journal_of(path, n=10, key=None):
    journal = Journal(path, key=key)
    for i in range(n):
        journal.append("key", {"key": "j", "n": i})
    journal.close()
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
    path = journal_of(tmp_path / "j.jsonl")
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
    path.write_bytes(raw[:-10])
    torn = run(path)
    assert torn.returncode == 3 and "torn tail" in torn.stderr
    path.write_bytes(raw.replace(b'"n":2', b'"n":3', 1))
    tampered = run(path)
    assert tampered.returncode == 1 and "TAMPERED at seq 3" in tampered.stderr
    assert run(tmp_path / "nope").returncode == 2
