"""Where an export goes: written beside its target and renamed into place, so the target is
always either the old file (or folder) or the complete new one, never half written.

Only a regular file (or a folder, or nothing yet) gets that. A target that exists and is not a
regular file (a terminal or other device, a FIFO, a descriptor such as ``/dev/stdout`` or the
``/dev/fd/63`` of ``-o >(gzip > x.gz)``) is written to directly, as a stream: it cannot be
replaced atomically, and it is never replaced at all (that would swap a device for a file)."""

from __future__ import annotations

import glob
import os
import re
import shutil
import socket
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from ..errors import PenmarkError


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _umask()
_DESCRIPTOR = re.compile(r"/dev/std(out|err)|/dev/fd/(\d+)|/proc/self/fd/(\d+)")


class DestinationError(PenmarkError):
    """An export target that cannot be written."""


def _check(target: Path, force: bool) -> None:
    if target.exists() and not force:
        raise DestinationError(f"{target}: already exists (use --force to replace it)")
    parent = target.parent
    if not parent.is_dir():
        if parent.exists():
            raise DestinationError(f"{target}: {parent} is not a folder")
        raise DestinationError(f"{target}: folder {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise DestinationError(f"{target}: folder {parent} is not writable")


@contextmanager
def output_file(target: str | Path | None, *, force: bool = False) -> Iterator[BinaryIO]:
    """A binary file to write an export to; ``None`` or ``-`` is standard output."""
    if target is None or str(target) == "-":
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    path = Path(target)
    if path.is_dir():
        raise DestinationError(f"{path}: is a folder; give a file name")
    direct = _open_in_place(path)
    if direct is not None:
        with os.fdopen(direct, "wb") as handle:
            yield handle
        return
    _check(path, force)
    _remove_leftovers(path)
    # mkstemp and a plain file object: NamedTemporaryFile's wrapper costs a Python call per write.
    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=_part_prefix(path), suffix=".part")
    os.fchmod(descriptor, 0o666 & ~_UMASK)  # mkstemp makes it private; an export is an ordinary file
    try:
        with os.fdopen(descriptor, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)


def _part_prefix(path: Path) -> str:
    """Part files name the machine and process writing them, so a later export can tell the
    leftovers of a killed one from another export still writing."""
    return f".{path.name}.{socket.gethostname()}-{os.getpid()}."


def _remove_leftovers(path: Path) -> None:
    """Remove part files of ``path`` left by exports of this machine whose process is gone
    (killed before they could clean up)."""
    prefix = f".{path.name}.{socket.gethostname()}-"
    for part in path.parent.glob(f"{glob.escape(prefix)}*.part"):
        pid = part.name[len(prefix):].split(".", 1)[0]
        if not pid.isdigit() or _alive(int(pid)):
            continue
        if part.is_dir() and not part.is_symlink():
            shutil.rmtree(part, ignore_errors=True)
        else:
            part.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def _open_in_place(path: Path) -> int | None:
    """A descriptor to write ``path`` through if it exists and is not a regular file (a device,
    a FIFO, a descriptor alias: written in place, never replaced); None for anything else."""
    alias = _DESCRIPTOR.fullmatch(str(path))
    if alias:  # this process's own descriptor: write to it as it is (its offset, its append mode)
        number = {"out": 1, "err": 2}[alias[1]] if alias[1] else int(alias[2] or alias[3])
        try:
            return os.dup(number)
        except OSError:
            pass  # not open here: treat it as the path it names
    try:
        mode = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):  # nothing there yet, or no folder: _check says
        return None
    if stat.S_ISREG(mode):
        return None
    return os.open(path, os.O_WRONLY | os.O_NOCTTY)


@contextmanager
def output_folder(target: str | Path, *, force: bool = False) -> Iterator[Path]:
    """An empty folder to write an export's files into, renamed to ``target`` when complete."""
    path = Path(target)
    if path.exists() and not path.is_dir():
        raise DestinationError(f"{path}: exists and is not a folder")
    _check(path, force)
    _remove_leftovers(path)
    work = Path(tempfile.mkdtemp(dir=path.parent, prefix=_part_prefix(path), suffix=".part"))
    try:
        work.chmod(0o777 & ~_UMASK)  # mkdtemp makes it private; the export is an ordinary folder
        yield work
        for file in work.iterdir():
            with file.open("rb") as handle:
                os.fsync(handle.fileno())
        old = None
        if path.exists():  # two renames: a folder cannot replace a non-empty one in one step
            old = path.with_name(f".{path.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            path.rename(old)
        work.rename(path)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
