"""Articles on the local disk: the files and folders named to an ingest, read safely.

``iter_files`` walks folders in a stable order; ``read_file`` opens regular files only, up to a
size limit, and follows a symbolic link only where that cannot publish a file from outside the
folder an admin named (see its docstring).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from knowledge.errors import FileTooLarge, InputError
from knowledge.extract import SUPPORTED_EXTENSIONS


def bundled_articles(corpus_dir: Path) -> list[Path]:
    """The shipped articles; SOURCES.md documents them and is not one."""
    return sorted(
        p for p in corpus_dir.glob("*.md") if p.name != "SOURCES.md" and not p.name.startswith(".")
    )


def iter_files(
    paths: Iterable[Path], *, follow_symlinks: bool = False
) -> Iterator[tuple[Path, Path | None]]:
    """The files named, and the supported files inside the folders named, in a stable order,
    each with the folder it was found in (None for a path named on its own).

    A folder's links, FIFOs and devices are yielded too, so that ``read_file`` refuses them
    with a reason rather than passing over them in silence; linked folders inside are not
    entered. A link to a folder named on its own is walked only with ``follow_symlinks``.
    """
    for path in paths:
        if path.is_dir() and (follow_symlinks or not path.is_symlink()):
            for child in sorted(path.rglob("*")):
                wanted = child.suffix.lower() in SUPPORTED_EXTENSIONS
                if wanted and child.name != "SOURCES.md" and not _is_real_dir(child):
                    yield child, path
        else:
            yield path, None


def read_file(
    path: Path, limit: int, *, root: Path | None = None, follow_symlinks: bool = False
) -> bytes:
    """The bytes of the regular file at ``path``, refused when there are more than ``limit``.

    Only a regular file is opened: a device or FIFO is refused by its type first (reading
    /dev/zero never ends; opening a FIFO waits for a writer), and at most ``limit`` + 1 bytes
    are read, so a file that grows past the limit, or says it is empty as /proc files do, is
    refused as well. A symbolic link is read only when its target is inside ``root`` (the folder
    ``path`` was found in) or, for a path named on its own, with ``follow_symlinks``: a link in
    an article folder must not publish /etc/shadow.

    Raises:
        InputError: one line naming the path and why it was not read; a link named on its own
            that was not followed has ``params["reason"] == "symlink"``.
        FileTooLarge: more than ``limit`` bytes.
    """
    try:
        target = _target(path, root, follow_symlinks)
        info = os.stat(target)
        if not stat.S_ISREG(info.st_mode):
            kind = _KINDS.get(stat.S_IFMT(info.st_mode), "not a file")
            raise InputError(
                f"{path}: not a regular file ({kind}), not read",
                name=str(path),
                reason="not_regular",
                kind=kind,
            )
        if info.st_size > limit:
            # Refuse before reading a huge file into memory.
            why = f"{info.st_size} bytes is over the limit of {limit} bytes"
            raise _too_large(path, why, info.st_size, limit)
        # The target was checked, then opened: O_NOFOLLOW and O_NONBLOCK keep a link or a FIFO
        # put in its place meanwhile from being followed or waited on, and the file opened
        # must be the one checked.
        flags = os.O_RDONLY | _O_NOFOLLOW | _O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
        with open(os.open(target, flags), "rb") as file:
            opened = os.fstat(file.fileno())
            if (opened.st_dev, opened.st_ino) != (info.st_dev, info.st_ino):
                raise InputError(
                    f"{path}: replaced while being opened, not read",
                    name=str(path),
                    reason="replaced",
                )
            data = file.read(limit + 1)
    except OSError as exc:
        raise InputError(f"{path}: cannot read the file ({exc.strerror})", name=str(path)) from exc
    if len(data) > limit:
        why = f"over the limit of {limit} bytes once read (its size said {info.st_size})"
        raise _too_large(path, why, len(data), limit)
    return data


# What a path that is not a regular file is, as a person would say it.
_KINDS = {
    stat.S_IFDIR: "a folder",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFIFO: "a FIFO",
    stat.S_IFSOCK: "a socket",
}
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


def _target(path: Path, root: Path | None, follow_symlinks: bool) -> Path:
    """The path ``read_file`` may open for ``path``: itself, or where its link leads."""
    # os.path.realpath, not Path.resolve: on Python 3.11 a link loop makes resolve raise
    # RuntimeError; realpath returns, and opening its answer fails with an OSError.
    if root is not None:
        target = Path(os.path.realpath(path))
        if not target.is_relative_to(os.path.realpath(root)):
            how = "a symbolic link" if path.is_symlink() else "reached through a symbolic link"
            raise InputError(
                f"{path}: {how} to outside {root}, not followed", name=str(path), reason="outside"
            )
        return target
    if not path.is_symlink():
        return path
    if not follow_symlinks:
        raise InputError(f"{path}: a symbolic link, not followed", name=str(path), reason="symlink")
    return Path(os.path.realpath(path))


def _too_large(path: Path, why: str, size: int, limit: int) -> FileTooLarge:
    return FileTooLarge(
        f"{path.name}: {why}",
        size=size,
        limit=limit,
        name=path.name,
    )


def _is_real_dir(path: Path) -> bool:
    """A folder itself, not a link to one (rglob has already walked into it)."""
    return path.is_dir() and not path.is_symlink()
