"""Writing a file a person names (an export, a backup): only a regular file or a new path, whole.

The file is written under a temporary name in the destination's folder and renamed over the
destination once complete, so a failure (a full disk, a killed process) leaves the destination
as it was and no temporary file behind. Only a regular file is ever replaced: a symbolic link
(whose target may be anything), a device such as /dev/full, a FIFO or a folder is refused before
anything is written, and so is a path whose folder does not exist (a typo should not create
folders, least of all as root).
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from knowledge.errors import BadDestination, WriteFailed

# What a path that is not a regular file is, as a person would say it.
_KINDS = {
    stat.S_IFDIR: "a folder",
    stat.S_IFLNK: "a symbolic link",
    stat.S_IFCHR: "a device",
    stat.S_IFBLK: "a device",
    stat.S_IFIFO: "a FIFO",
    stat.S_IFSOCK: "a socket",
}


def check_destination(path: Path) -> None:
    """Return when ``path`` is a regular file or a new name in an existing folder.

    Raises:
        BadDestination: one line naming the path and what it is instead.
    """
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        if not path.parent.is_dir():
            raise BadDestination(
                f"{path}: the folder {path.parent} does not exist", path=str(path)
            ) from None
        return
    except OSError as exc:
        raise BadDestination(
            f"{path}: cannot write there ({exc.strerror})", path=str(path)
        ) from exc
    if not stat.S_ISREG(info.st_mode):
        kind = _KINDS.get(stat.S_IFMT(info.st_mode), "not a regular file")
        raise BadDestination(
            f"{path}: {kind}, not a regular file; give a file name (it is replaced) or a new one",
            path=str(path),
            kind=kind,
        )


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A new temporary file in ``path``'s folder to write; it becomes ``path`` when the block
    ends without an error, and is removed otherwise (with SQLite's -journal/-wal/-shm files).

    Raises:
        BadDestination: ``path`` is no place to write (see ``check_destination``).
        WriteFailed: writing failed (disk full, I/O error); ``path`` is as it was.
    """
    check_destination(path)
    try:
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise BadDestination(
            f"{path}: cannot write in {path.parent} ({exc.strerror})", path=str(path)
        ) from exc
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        _sync(tmp)
        check_destination(path)  # a link or device put in its place meanwhile is not replaced
        os.replace(tmp, path)
    except OSError as exc:
        _remove(tmp)
        raise WriteFailed(
            f"{path}: could not write it ({exc.strerror or exc}); nothing was written",
            path=str(path),
        ) from exc
    except BaseException:
        _remove(tmp)
        raise


def _sync(path: Path) -> None:
    """The file's bytes on disk before the rename makes it the destination."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove(tmp: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        with contextlib.suppress(OSError):
            Path(f"{tmp}{suffix}").unlink(missing_ok=True)
