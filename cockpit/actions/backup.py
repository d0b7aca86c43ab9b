"""The backup action's engine: plan, pg_dump to a verified file, retention, list, restore.

No UI: everything here runs in a worker thread and reports through a `progress` callback
and a `cancel` event. A backup is written as `<name>.partial` (0600), verified with
`pg_restore --list` and hashed, and only then takes its final name beside a sha256sum-style
`<name>.sha256`. Any failure removes what was written, so a file with a final name and a
checksum is always a backup that restores. pg_dump and pg_restore run as argument lists,
never through a shell; the password reaches them in a 0600 PGPASSFILE, never on argv. Plans and
results are frozen dataclasses of JSON-ready fields for the audit journal, without the
password.
"""

from __future__ import annotations

import errno
import os
import re
import selectors
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from cockpit.actions.plan import Precondition
from cockpit.clients import postgres as pg
from cockpit.clients.backups import (
    BackupFile,
    backup_name,
    list_backups,
    sha256_of,
    sidecar_digest,
)
from cockpit.fsutil import fsync_dir, write_atomic

Progress = Callable[[int, float], None]
CHUNK = 256 * 1024
POLL = 0.2
DISK_FULL = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}
PASSED, FAILED, UNKNOWN = "passed", "failed", "unknown"


class Conninfo(str):
    """A libpq conninfo without its password, as text; the password rides along, unseen,
    for the child process's environment only (repr, str and JSON show none)."""

    password: str | None

    def __new__(cls, dsn: str) -> Conninfo:
        from psycopg.conninfo import make_conninfo

        params = pg.with_defaults(dsn)
        password = params.pop("password", None)
        params["fallback_application_name"] = "cockpit-backup"
        text = super().__new__(cls, make_conninfo("", **params))
        text.password = password
        return text

    def with_password(self, **overrides: Any) -> str:
        """The full conninfo, for our own psycopg connections (never for argv or text)."""
        from psycopg.conninfo import make_conninfo

        return make_conninfo(self, password=self.password, **overrides)

    @contextmanager
    def child_env(self) -> Iterator[dict[str, str]]:
        """The tools' environment: the password in a 0600 PGPASSFILE that lives as long as
        the child (the environment is readable by `ps e`; libpq's docs advise against it)."""
        env = {k: v for k, v in os.environ.items() if k != "PGPASSWORD"}
        if not self.password:
            yield env
            return
        folder = tempfile.mkdtemp(prefix="cockpit-pgpass-")  # 0700, ours alone
        try:
            path = Path(folder) / "pgpass"
            escaped = self.password.replace("\\", "\\\\").replace(":", "\\:")
            write_atomic(path, f"*:*:*:*:{escaped}\n".encode())
            yield env | {"PGPASSFILE": str(path)}
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def scrub(self, text: str) -> str:
        return text.replace(self.password, "***") if self.password else text


@dataclass(frozen=True)
class BackupSettings:
    dsn: str = field(repr=False)
    directory: Path
    keep_daily: int = 30
    keep_monthly: int = 12


@dataclass(frozen=True)
class BackupPlan:
    """What a backup would do, shown for confirmation and journaled before it runs."""

    database: str
    host: str
    port: str
    user: str
    conninfo: Conninfo
    directory: str
    file_name: str
    free_bytes: int | None
    database_bytes: int | None
    server_version: str
    pg_dump: str
    pg_restore: str
    keep_daily: int
    keep_monthly: int
    planned_at: str
    preconditions: tuple[Precondition, ...]

    @property
    def path(self) -> Path:
        return Path(self.directory) / self.file_name

    @property
    def ready(self) -> bool:
        return all(p.status != FAILED for p in self.preconditions)


@dataclass(frozen=True)
class BackupResult:
    ok: bool
    step: str  # done | plan | pg_dump | write | verify | publish | cancelled
    error: str
    database: str
    path: str
    sha256: str
    size_bytes: int
    toc_entries: int
    elapsed: float
    deleted: tuple[str, ...] = ()


@dataclass(frozen=True)
class RestoreResult:
    ok: bool
    step: str  # done | checksum | read | verify | create | pg_restore | sanity | cancelled
    error: str
    backup: str
    database: str
    scratch: bool
    tables: int
    expected_tables: int
    bytes_read: int
    elapsed: float
    dropped: bool = False
    sha256: str = ""  # recomputed from the file and matched with its .sha256


class Failed(Exception):
    """A step went wrong; `step` and the message end up in the result as they are."""

    def __init__(self, step: str, message: str) -> None:
        super().__init__(message)
        self.step = step


# --- tools and names ---------------------------------------------------------------------


def find_tool(name: str) -> str:
    """pg_dump / pg_restore on PATH, else from the newest /usr/lib/postgresql/*/bin; or ""."""
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else -1,
    )
    return str(versions[-1]) if versions else ""


def _major(version_text: str) -> int | None:
    found = re.search(r"\) (\d+)", version_text)
    return int(found.group(1)) if found else None


def _tool_version(tool: str) -> str:
    done = subprocess.run([tool, "--version"], capture_output=True, text=True, timeout=30)
    return done.stdout.strip() if done.returncode == 0 else ""


# --- plan ----------------------------------------------------------------------------------


def plan_backup(settings: BackupSettings, now: datetime | None = None) -> BackupPlan:
    """Target, file, free space, tools and a connection test; asks the server, writes nothing."""
    now = now or datetime.now(UTC)
    where = pg.target(settings.dsn)
    directory = settings.directory.expanduser().absolute()
    checks: list[Precondition] = []
    free = _check_directory(directory, checks)
    tools = {name: find_tool(name) for name in ("pg_dump", "pg_restore")}
    versions = {name: _tool_version(path) if path else "" for name, path in tools.items()}
    for name, path in tools.items():
        found = (versions[name] or f"{path} does not run") if path else "not installed"
        checks.append(Precondition(name, PASSED if versions[name] else FAILED, found))
    server_version, size = _check_server(settings.dsn, checks)
    _check_versions(_major(versions["pg_dump"]), server_version, checks)
    _check_space(free, size, checks)
    return BackupPlan(
        database=where.dbname,
        host=where.host,
        port=where.port,
        user=where.user,
        conninfo=Conninfo(settings.dsn),
        directory=str(directory),
        file_name=backup_name(where.dbname, now),
        free_bytes=free,
        database_bytes=size,
        server_version=server_version,
        pg_dump=tools["pg_dump"],
        pg_restore=tools["pg_restore"],
        keep_daily=settings.keep_daily,
        keep_monthly=settings.keep_monthly,
        planned_at=now.isoformat(),
        preconditions=tuple(checks),
    )


def _check_directory(directory: Path, checks: list[Precondition]) -> int | None:
    if not directory.is_dir():
        checks.append(Precondition("directory", FAILED, f"{directory} does not exist"))
        return None
    if not os.access(directory, os.W_OK | os.X_OK):
        checks.append(Precondition("directory", FAILED, f"{directory} is not writable"))
    else:
        checks.append(Precondition("directory", PASSED, str(directory)))
    return shutil.disk_usage(directory).free


def _check_server(dsn: str, checks: list[Precondition]) -> tuple[str, int | None]:
    link = pg.open_link(dsn)
    if link.conn is None:
        checks.append(Precondition("database", FAILED, link.problem))
        return "", None
    try:
        number = link.conn.info.server_version
        row = link.conn.execute("SELECT pg_database_size(current_database())").fetchone()
    finally:
        link.close()
    version = f"{number // 10000}.{number % 10000}"
    size = int(row[0]) if row else None
    checks.append(Precondition("database", PASSED, f"PostgreSQL {version}, {human_size(size)}"))
    return version, size


def _check_versions(dump_major: int | None, server: str, checks: list[Precondition]) -> None:
    if dump_major is None or not server:
        checks.append(Precondition("pg_dump version", UNKNOWN, "pg_dump or server unknown"))
    elif dump_major < int(server.split(".")[0]):
        detail = f"pg_dump {dump_major} cannot dump PostgreSQL {server}"
        checks.append(Precondition("pg_dump version", FAILED, detail))
    else:
        detail = f"pg_dump {dump_major} for PostgreSQL {server}"
        checks.append(Precondition("pg_dump version", PASSED, detail))


def _check_space(free: int | None, size: int | None, checks: list[Precondition]) -> None:
    if free is None or size is None:
        checks.append(Precondition("free space", UNKNOWN, f"free {human_size(free)}"))
    elif free >= size:
        checks.append(
            Precondition("free space", PASSED, f"{human_size(free)} free for {human_size(size)}")
        )
    else:  # a custom-format dump is compressed: it may still fit
        detail = f"only {human_size(free)} free for a {human_size(size)} database"
        checks.append(Precondition("free space", UNKNOWN, detail))


def human_size(count: int | None) -> str:
    if count is None:
        return "unknown"
    size, unit = float(count), "B"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            break
        size /= 1024
    return f"{count} B" if unit == "B" else f"{size:.1f} {unit}"


# --- run -----------------------------------------------------------------------------------


def run_backup(plan: BackupPlan, progress: Progress, cancel: threading.Event) -> BackupResult:
    """pg_dump into `<name>.partial`, verify, hash, publish; on success apply retention.

    On any failure nothing is left behind that looks like a backup, and retention is not
    applied: the old backups may be all there is.
    """
    started = time.monotonic()
    final = plan.path
    partial = final.with_name(final.name + ".partial")
    try:
        size, toc, digest = _produce(plan, partial, progress, cancel, started)
    except Failed as failure:
        return BackupResult(
            ok=False,
            step=failure.step,
            error=plan.conninfo.scrub(str(failure)),
            database=plan.database,
            path="",
            sha256="",
            size_bytes=0,
            toc_entries=0,
            elapsed=time.monotonic() - started,
        )
    finally:
        partial.unlink(missing_ok=True)
    deleted = apply_retention(Path(plan.directory), plan.keep_daily, plan.keep_monthly)
    return BackupResult(
        ok=True,
        step="done",
        error="",
        database=plan.database,
        path=str(final),
        sha256=digest,
        size_bytes=size,
        toc_entries=toc,
        elapsed=time.monotonic() - started,
        deleted=tuple(str(p) for p in deleted),
    )


def _produce(
    plan: BackupPlan, partial: Path, progress: Progress, cancel: threading.Event, started: float
) -> tuple[int, int, str]:
    """(bytes, TOC entries, sha256) of the published backup, or Failed naming the step."""
    if not plan.ready:
        failed = [f"{p.name}: {p.detail}" for p in plan.preconditions if p.status == FAILED]
        raise Failed("plan", "; ".join(failed))
    try:
        size = _dump(plan, partial, progress, cancel, started)
        toc = len(_toc(plan.pg_restore, partial, plan.conninfo))
        _check_cancel(cancel, "before the checksum")
        digest = sha256_of(partial, lambda: _check_cancel(cancel, f"while hashing {partial.name}"))
    except OSError as error:  # fsync, read-back: the disk, not the database
        raise Failed("write", f"{partial.name}: {error.strerror or error}") from None
    _publish(partial, plan.path, digest)
    return size, toc, digest


def _check_cancel(cancel: threading.Event, when: str) -> None:
    if cancel.is_set():
        raise Failed("cancelled", f"cancelled by the operator {when}")


@contextmanager
def _child(argv: list[str], conninfo: Conninfo, **streams: Any) -> Iterator[subprocess.Popen]:
    """A pg_dump / pg_restore child that is killed if we leave before it ends."""
    with conninfo.child_env() as env:
        process = subprocess.Popen(argv, env=env, **streams)
        try:
            yield process
        finally:
            if process.poll() is None:
                process.kill()
            process.wait()


def _explain(tool: str, code: int, stderr: IO[bytes], conninfo: Conninfo) -> str:
    stderr.seek(0)
    text = stderr.read().decode(errors="replace")
    reason = pg.explain(text, conninfo.with_password())[1]
    return f"{tool} failed (exit {code}): {reason}"


def _dump(
    plan: BackupPlan, partial: Path, progress: Progress, cancel: threading.Event, started: float
) -> int:
    """Stream pg_dump's stdout into `partial` (0600), fsync'd; the number of bytes."""
    argv = [plan.pg_dump, "--format=custom", f"--dbname={plan.conninfo}"]
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
    try:
        fd = os.open(partial, flags, 0o600)
    except OSError as error:
        raise Failed("write", f"cannot create {partial}: {error.strerror}") from None
    written = 0
    try:
        with (
            tempfile.TemporaryFile() as stderr,
            _child(
                argv,
                plan.conninfo,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=stderr,
            ) as dump,
        ):
            for chunk in _chunks(dump.stdout, cancel):
                _write_all(fd, chunk, partial, written)
                written += len(chunk)
                progress(written, time.monotonic() - started)
            code = dump.wait()
            if code != 0:
                raise Failed("pg_dump", _explain("pg_dump", code, stderr, plan.conninfo))
        os.fsync(fd)
    finally:
        os.close(fd)
    return written


def _chunks(pipe: IO[bytes], cancel: threading.Event) -> Iterator[bytes]:
    """What a child writes, as it comes, looking at `cancel` at least every POLL seconds."""
    total = 0
    with selectors.DefaultSelector() as selector:
        selector.register(pipe, selectors.EVENT_READ)
        while True:
            _check_cancel(cancel, f"after {total} bytes")
            if not selector.select(POLL):
                continue
            chunk = os.read(pipe.fileno(), CHUNK)
            if not chunk:
                return
            total += len(chunk)
            yield chunk


def _write_all(fd: int, chunk: bytes, path: Path, before: int) -> None:
    view = memoryview(chunk)
    while view:
        try:
            view = view[os.write(fd, view) :]
        except OSError as error:
            full = "disk full: " if error.errno in DISK_FULL else ""
            message = f"{full}writing {path.name} failed after {before} bytes: {error.strerror}"
            raise Failed("write", message) from None


TOC_ENTRY = re.compile(r"^\d+; \d+ \d+ [A-Z]")  # `215; 1259 16390 TABLE public documents …`
TOC_TABLE = re.compile(r"^\d+; \d+ \d+ TABLE (?!DATA )")


def _toc(pg_restore: str, path: Path, conninfo: Conninfo) -> list[str]:
    """The archive's table of contents (`pg_restore --list`), or Failed when it has none."""
    with tempfile.TemporaryFile() as stderr:
        done = subprocess.run(
            [pg_restore, "--list", str(path)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            timeout=600,
        )
        if done.returncode != 0:
            raise Failed("verify", _explain("pg_restore --list", done.returncode, stderr, conninfo))
    entries = done.stdout.decode(errors="replace").splitlines()
    entries = [line for line in entries if TOC_ENTRY.match(line)]
    if not entries:
        raise Failed("verify", f"pg_restore --list shows no entries in {path.name}")
    return entries


def _publish(partial: Path, final: Path, digest: str) -> None:
    """Checksum first, then the dump's final name: that rename is the commit point."""
    sidecar = final.with_name(final.name + ".sha256")
    if final.exists() or sidecar.exists():
        raise Failed("publish", f"{final.name} exists already")
    try:
        write_atomic(sidecar, f"{digest}  {final.name}\n".encode(), mode=0o600)
        os.rename(partial, final)
        fsync_dir(final.parent)
    except OSError as error:
        if not final.exists():
            sidecar.unlink(missing_ok=True)
        raise Failed("publish", f"cannot publish {final.name}: {error.strerror}") from None


# --- what to keep --------------------------------------------------------------------------


def apply_retention(
    directory: Path, keep_daily: int = 30, keep_monthly: int = 12, now: datetime | None = None
) -> list[Path]:
    """Per database, keep the newest verified backup of each of the last `keep_daily` days
    and of each of the last `keep_monthly` months; delete the other verified ones (dump and
    .sha256). Only `<db>-<stamp>.dump` files are touched; unverified ones are left to a
    person. `run_backup` calls this only after its new backup verified: a failed run must
    never thin out the backups that may be all there is."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    backups = [b for b in list_backups(directory) if b.verified]
    keep = {b.name for b in backups if datetime.fromisoformat(b.taken_at) > now}
    days = {_day_index(now) - i for i in range(keep_daily)}
    months = {_month_index(now) - i for i in range(keep_monthly)}
    for bucket, wanted in ((_day_index, days), (_month_index, months)):
        newest: dict[tuple[str, int], str] = {}
        for backup in backups:  # newest first: the first seen per bucket wins
            index = bucket(datetime.fromisoformat(backup.taken_at))
            if index in wanted:
                newest.setdefault((backup.database, index), backup.name)
        keep |= set(newest.values())
    deleted = []
    for backup in backups:
        if backup.name not in keep:
            dump = Path(backup.path)
            dump.unlink(missing_ok=True)
            dump.with_name(dump.name + ".sha256").unlink(missing_ok=True)
            deleted.append(dump)
    return deleted


def _day_index(at: datetime) -> int:
    return at.date().toordinal()


def _month_index(at: datetime) -> int:
    return at.year * 12 + at.month - 1


# --- restore -------------------------------------------------------------------------------


def restore(
    backup: BackupFile | Path,
    target: BackupSettings | str,
    scratch: bool,
    progress: Progress,
    cancel: threading.Event,
    now: datetime | None = None,
    on_checksum: Callable[[str], None] | None = None,
) -> RestoreResult:
    """Restore a verified backup: into the target database (`--clean --if-exists
    --no-owner`, one transaction), or with `scratch` into a new `<db>_restore_test_<ts>`
    that is dropped again — the restore test the runbook asks for. Either way the dump's
    tables are then counted where they were restored. The checksum is recomputed first: a
    file that does not match its .sha256 is refused, and `on_checksum` hears the digest
    that matched before anything is restored (the journal keeps it)."""
    path = Path(backup.path if isinstance(backup, BackupFile) else backup)
    conninfo = Conninfo(target.dsn if isinstance(target, BackupSettings) else target)
    database = pg.target(conninfo).dbname
    if scratch:
        stamp = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%d%H%M%S")
        database = f"{database}_restore_test_{stamp}"
    started = time.monotonic()
    state: dict[str, Any] = {"tables": 0, "expected": (), "bytes": 0, "dropped": False}
    digest = ""
    try:
        digest = _verify_checksum(path, cancel)
        if on_checksum is not None:
            on_checksum(digest)
        pg_restore = find_tool("pg_restore")
        if not pg_restore:
            raise Failed("verify", "pg_restore is not installed")
        state["expected"] = _toc_tables(_toc(pg_restore, path, conninfo))
        if scratch:
            _restore_scratch(path, pg_restore, conninfo, database, progress, cancel, state)
        else:
            state["bytes"] = _pg_restore(path, pg_restore, conninfo, progress, cancel)
            _count_tables(conninfo.with_password(), state)
    except Failed as failure:
        step, error, ok = failure.step, conninfo.scrub(str(failure)), False
    except OSError as error:  # the backup file or its directory, not the database
        step, error, ok = "read", f"{path.name}: {error.strerror or error}", False
    else:
        step, error, ok = "done", "", True
    return RestoreResult(
        ok=ok,
        step=step,
        error=error,
        backup=path.name,
        database=database,
        scratch=scratch,
        tables=state["tables"],
        expected_tables=len(state["expected"]),
        bytes_read=state["bytes"],
        elapsed=time.monotonic() - started,
        dropped=state["dropped"],
        sha256=digest,
    )


def _verify_checksum(path: Path, cancel: threading.Event) -> str:
    if not path.is_file():
        raise Failed("checksum", f"{path.name} does not exist")
    recorded = sidecar_digest(path)
    if not recorded:
        raise Failed("checksum", f"{path.name} has no {path.name}.sha256 naming it")
    actual = sha256_of(path, lambda: _check_cancel(cancel, f"while hashing {path.name}"))
    if actual != recorded:
        raise Failed(
            "checksum",
            f"{path.name} does not match its checksum (sha256 {actual[:12]}…, "
            f"recorded {recorded[:12]}…): refusing to restore it",
        )
    return actual


def _toc_tables(toc: list[str]) -> tuple[tuple[str, str], ...]:
    """(schema, name) of each table the archive holds (`… TABLE public documents owner`)."""
    tables = []
    for line in toc:
        if TOC_TABLE.match(line):
            words = line.split()
            at = words.index("TABLE")
            tables.append((words[at + 1], words[at + 2]))
    return tuple(tables)


def _count_tables(dsn: str, state: dict[str, Any]) -> None:
    """How many of the archive's tables the restored database has: a restore is verified
    by what is there afterwards, not by pg_restore's exit status alone."""
    state["tables"] = _tables_in(dsn, state["expected"])
    if state["tables"] != len(state["expected"]):
        raise Failed(
            "sanity", f"{state['tables']} tables restored, the dump has {len(state['expected'])}"
        )


def _restore_scratch(
    path: Path,
    pg_restore: str,
    conninfo: Conninfo,
    database: str,
    progress: Progress,
    cancel: threading.Event,
    state: dict[str, Any],
) -> None:
    """Create `database`, restore into it, count its tables, drop it whatever happened."""
    import psycopg
    from psycopg import sql

    admin = conninfo.with_password()
    name = sql.Identifier(database)
    try:
        with pg.connect(admin, read_only=False) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
    except psycopg.Error as error:
        raise Failed("create", pg.explain(str(error), admin)[1]) from None
    try:
        scratch = conninfo.with_password(dbname=database)
        state["bytes"] = _pg_restore(path, pg_restore, Conninfo(scratch), progress, cancel)
        _count_tables(scratch, state)
    finally:
        state["dropped"] = _drop(admin, name)


def _drop(admin: str, name: Any) -> bool:
    """Drop the scratch database; False when that failed (the result then says so)."""
    import psycopg
    from psycopg import sql

    try:
        with pg.connect(admin, read_only=False) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
    except psycopg.Error:
        return False
    return True


def _tables_in(dsn: str, tables: tuple[tuple[str, str], ...]) -> int:
    if not tables:
        return 0
    schemas, names = zip(*tables, strict=True)
    with pg.connect(dsn) as conn:
        row = conn.execute(
            "SELECT count(*) FROM unnest(%s::text[], %s::text[]) AS t(s, n)"
            " WHERE to_regclass(format('%%I.%%I', s, n)) IS NOT NULL",
            (list(schemas), list(names)),
        ).fetchone()
    return int(row[0]) if row else 0


def _pg_restore(
    path: Path,
    pg_restore: str,
    conninfo: Conninfo,
    progress: Progress,
    cancel: threading.Event,
) -> int:
    """Feed the archive to pg_restore's stdin (so progress counts bytes); the bytes fed."""
    argv = [pg_restore, "--clean", "--if-exists", "--no-owner", "--single-transaction"]
    argv.append(f"--dbname={conninfo}")
    started = time.monotonic()
    with (
        path.open("rb") as source,
        tempfile.TemporaryFile() as stderr,
        _child(
            argv, conninfo, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=stderr
        ) as child,
    ):
        fed = _feed(child.stdin, source, progress, cancel, started)
        child.stdin.close()
        code = child.wait()
        if code != 0:
            raise Failed("pg_restore", _explain("pg_restore", code, stderr, conninfo))
    return fed


def _feed(
    pipe: IO[bytes], source: IO[bytes], progress: Progress, cancel: threading.Event, started: float
) -> int:
    """Copy `source` into a child's stdin without blocking past POLL, so cancel is heard."""
    os.set_blocking(pipe.fileno(), False)
    fed, pending = 0, b""
    with selectors.DefaultSelector() as selector:
        selector.register(pipe, selectors.EVENT_WRITE)
        while True:
            _check_cancel(cancel, f"after {fed} bytes restored")
            pending = pending or source.read(CHUNK)
            if not pending:
                return fed
            if not selector.select(POLL):
                continue
            try:
                count = os.write(pipe.fileno(), pending)
            except BlockingIOError:
                continue
            except BrokenPipeError:  # pg_restore stopped reading: its exit status says why
                return fed
            pending, fed = pending[count:], fed + count
            progress(fed, time.monotonic() - started)
