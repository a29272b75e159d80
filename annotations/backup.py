"""A consistent copy of a penmark database, taken while the app (or anyone) may be writing to it.

SQLite's online backup API copies every page inside one read transaction: in WAL mode that
never holds up a writer, and the copy is the database as of one commit, never a mix of two. The
copy is written to a hidden file beside the target, switched to a self-contained single file
(no -wal or -shm needed beside it), checked with ``PRAGMA integrity_check``, flushed to disk and
only then renamed into place: the target is the old file or the complete, verified copy.

The source is read as it is: a database from an older penmark is copied without being migrated
(a backup is what one takes before an upgrade).
"""

from __future__ import annotations

import os
import sqlite3
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .errors import PenmarkError
from .schema import BUSY_TIMEOUT_MS


class BackupError(PenmarkError):
    """A backup that could not be taken; the message names the path and the reason."""


@dataclass(frozen=True, slots=True)
class BackupReport:
    source: Path
    target: Path
    bytes: int
    schema_version: int
    articles: int
    annotations: int  # live ones; deleted (recoverable) ones are copied too


def backup(source: str | Path, target: str | Path, *, force: bool = False) -> BackupReport:
    """Copy the database at ``source`` to ``target``; ``force`` replaces an existing file."""
    source, target = Path(source), Path(target)
    _check_target(source, target, force)
    conn = _open_source(source)
    try:
        part = _part_file(target)
        try:
            os.chmod(part, stat.S_IMODE(source.stat().st_mode))  # as private as the original, no more
            version = _copy(conn, source, part)
            report = _verify(part, source, target, version)
            _sync(part)
            os.replace(part, target)
        except BaseException:
            for leftover in (part, Path(f"{part}-journal"), Path(f"{part}-wal"), Path(f"{part}-shm")):
                leftover.unlink(missing_ok=True)
            raise
    except OSError as err:
        raise BackupError(f"{target}: cannot be written ({err.strerror or err})") from None
    finally:
        conn.close()
    try:
        _sync(target.parent)  # make the rename itself durable
    except OSError:
        pass  # some file systems cannot sync a folder; the copy itself is on disk
    return report


def _check_target(source: Path, target: Path, force: bool) -> None:
    if not source.is_file():
        raise BackupError(f"{source}: no database there to back up")
    if target.is_dir():
        raise BackupError(f"{target}: is a folder; give a file name")
    if target.exists():
        if os.path.samefile(target, source):
            raise BackupError(f"{target}: is the database itself; give another file name")
        if not force:
            raise BackupError(f"{target}: already exists (use --force to replace it)")
    if not target.parent.is_dir():
        raise BackupError(f"{target}: folder {target.parent} does not exist")


def _open_source(source: Path) -> sqlite3.Connection:
    """A plain connection that never writes (a read-only one would leave -wal and -shm behind)."""
    try:
        conn = sqlite3.connect(source, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    except sqlite3.Error as err:
        raise BackupError(f"{source}: cannot open database ({err})") from None
    try:
        conn.execute("PRAGMA query_only = ON")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version == 0:
            raise BackupError(f"{source}: not a penmark database (no schema version)")
    except sqlite3.OperationalError as err:  # unreadable, say
        conn.close()
        raise BackupError(f"{source}: cannot open database ({err})") from None
    except sqlite3.DatabaseError as err:
        conn.close()
        raise BackupError(f"{source}: not a penmark database ({err})") from None
    except BaseException:
        conn.close()
        raise
    return conn


def _part_file(target: Path) -> Path:
    """An empty hidden file beside ``target`` (the same folder, so the rename is atomic)."""
    try:
        descriptor, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    except OSError as err:
        raise BackupError(f"{target}: cannot write in folder {target.parent} ({err.strerror or err})") from None
    os.close(descriptor)
    return Path(name)


def _copy(conn: sqlite3.Connection, source: Path, part: Path) -> int:
    """Copy every page in one step (one read transaction: one consistent snapshot); return the
    copy's schema version."""
    copy = sqlite3.connect(part, isolation_level=None)
    try:
        conn.backup(copy)
        copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        return int(copy.execute("PRAGMA user_version").fetchone()[0])
    except sqlite3.Error as err:
        raise BackupError(f"{source}: the copy failed ({err})") from None
    finally:
        copy.close()


def _verify(part: Path, source: Path, target: Path, version: int) -> BackupReport:
    check = sqlite3.connect(part, isolation_level=None)
    try:
        result = [row[0] for row in check.execute("PRAGMA integrity_check")]
        if result != ["ok"]:
            raise BackupError(f"{target}: the copy of {source} failed its integrity check ({'; '.join(result[:3])})")
        articles = check.execute("SELECT count(*) FROM articles").fetchone()[0]
        annotations = check.execute("SELECT count(*) FROM annotations WHERE deleted IS NULL").fetchone()[0]
    except sqlite3.Error as err:
        raise BackupError(f"{target}: the copy of {source} cannot be read back ({err})") from None
    finally:
        check.close()
    return BackupReport(source, target, part.stat().st_size, version, articles, annotations)


def _sync(path: Path) -> None:
    """Flush a file (or a folder, making a rename in it durable) to disk."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
