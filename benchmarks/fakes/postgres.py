"""A throwaway PostgreSQL server, for the tests (tests/pgserver.py) and benchmarks/pg.py.

``Server.start`` runs initdb into a new folder under /tmp and starts the server listening on
a unix socket in that folder only (no TCP), as the unprivileged user ``nobody`` when this
process is root (PostgreSQL refuses to run as root), with fsync, synchronous_commit and full
page writes off: nothing here measures or needs durability. ``find_bindir`` finds the
server's programs (on PATH, else Debian's /usr/lib/postgresql/*/bin); ``with_search_path``
points a URL at one schema, so that one server holds many knowledge bases.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

# A server the tests and benchmarks/pg.py use instead of starting one (a URL of its own).
ENV_URL = "CITEBOT_TEST_DATABASE_URL"
_USER = "citebot"
# Where Debian and Ubuntu put the server's programs (not on PATH); newest version first.
_DEBIAN_BINDIRS = "/usr/lib/postgresql"


def find_bindir() -> Path | None:
    """The folder holding initdb and pg_ctl: on PATH, else the newest under
    /usr/lib/postgresql/*/bin; None when neither has them."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).parent
    versions = sorted(
        Path(_DEBIAN_BINDIRS).glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    for bindir in versions:
        if (bindir / "initdb").exists() and (bindir / "pg_ctl").exists():
            return bindir
    return None


@dataclass
class Server:
    """A throwaway PostgreSQL server (a test session's, a benchmark run's), in a temporary
    folder of its own."""

    bindir: Path
    folder: Path
    user: str | None  # the OS user it runs as; None: this process's user

    @property
    def url(self) -> str:
        return f"postgresql://{_USER}@/postgres?host={quote(str(self.folder), safe='')}"

    def _run(self, *args: str) -> None:
        result = subprocess.run(
            [str(self.bindir / args[0]), *args[1:]],
            user=self.user,
            group=_group_of(self.user),
            extra_groups=[] if self.user else None,
            capture_output=True,
            text=True,
            cwd=self.folder,
            timeout=120,
        )
        if result.returncode != 0:
            log = self.folder / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{args[0]} failed: {result.stderr.strip()}\n{tail}")

    @classmethod
    def start(cls, bindir: Path) -> Server:
        # /tmp, not a pytest folder: the socket path must stay under ~100 bytes, and the
        # unprivileged user must be able to enter the folder.
        folder = Path(tempfile.mkdtemp(prefix="citebot-pg-", dir="/tmp"))
        user = "nobody" if os.geteuid() == 0 else None
        if user is not None:
            entry = pwd.getpwnam(user)
            os.chown(folder, entry.pw_uid, entry.pw_gid)
        server = cls(bindir, folder, user)
        server._run(
            "initdb",
            "-D",
            str(folder / "data"),
            "-U",
            _USER,
            "--auth=trust",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",
        )
        server.start_again()
        return server

    def start_again(self) -> None:
        """Start the server on its data folder and socket (after ``stop_fast``); returns once
        it accepts connections."""
        # Durability is not what these tests check: no fsync keeps them fast.
        options = (
            f"-k {self.folder} -c listen_addresses='' -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off"
        )
        self._run(
            "pg_ctl", "-D", str(self.folder / "data"), "-l", str(self.folder / "server.log"),
            "-o", options, "-w", "-t", "60", "start",
        )  # fmt: skip

    def stop_fast(self) -> None:
        """Stop the server as an operator's restart does (``pg_ctl stop -m fast``: every
        session is ended, its open transaction rolled back), keeping its folder for
        ``start_again``; returns once it has stopped."""
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "fast", "-w", "-t", "60", "stop")

    def stop(self) -> None:
        with contextlib.suppress(RuntimeError, OSError, subprocess.SubprocessError):
            self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


def _group_of(user: str | None) -> int | None:
    return pwd.getpwnam(user).pw_gid if user else None


def with_search_path(url: str, schema: str) -> str:
    """``url`` with libpq's ``options`` setting ``search_path`` to ``schema``."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query["options"] = f"{query.get('options', '')} -c search_path={schema}".strip()
    return urlunsplit(parts._replace(query=urlencode(query, quote_via=quote)))
