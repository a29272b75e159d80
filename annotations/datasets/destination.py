"""Where an export goes: written beside its target and renamed into place, so the target is
always either the old file (or folder) or the complete new one, never half written."""

from __future__ import annotations

import os
import shutil
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


class DestinationError(PenmarkError):
    """An export target that cannot be written."""


def _check(target: Path, force: bool) -> None:
    if target.exists() and not force:
        raise DestinationError(f"{target}: already exists (use --force to replace it)")
    parent = target.parent
    if not parent.is_dir():
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
    _check(path, force)
    # mkstemp and a plain file object: NamedTemporaryFile's wrapper costs a Python call per write.
    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
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


@contextmanager
def output_folder(target: str | Path, *, force: bool = False) -> Iterator[Path]:
    """An empty folder to write an export's files into, renamed to ``target`` when complete."""
    path = Path(target)
    if path.exists() and not path.is_dir():
        raise DestinationError(f"{path}: exists and is not a folder")
    _check(path, force)
    work = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part"))
    try:
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
