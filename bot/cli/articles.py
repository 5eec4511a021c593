"""The collection's commands: ingest, list, remove, stats."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.cli.base import EXIT_INPUT, CliError, describe
from bot.i18n import counted
from knowledge import KnowledgeBase, iter_files, usable_cores
from knowledge.errors import InputError, KnowledgeError


def _reason(exc: KnowledgeError) -> str:
    """Why a file was not ingested, with the option that reads a link named on its own."""
    if exc.params.get("reason") == "symlink":
        return f"{exc} (--follow-symlinks reads it)"
    return str(exc)


# 128 + SIGINT, what a shell reports for a command stopped by Ctrl-C.
EXIT_INTERRUPTED = 130


# Below this many files, starting the worker processes (about 1.5 s each, measured) costs
# more than they save, so the default reads them one by one.
BULK_FILES = 32


def cmd_ingest(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    jobs: int | None = args.jobs
    if jobs is not None and jobs < 1:
        raise CliError("--jobs must be at least 1")
    paths = [Path(p) for p in args.paths]
    for path in paths:
        if not path.exists():
            raise CliError(f"{path}: no such file or folder")
    follow = args.follow_symlinks
    files = list(iter_files(paths, follow_symlinks=follow))
    if jobs is None:
        jobs = usable_cores() if len(files) >= BULK_FILES else 1
    overrides = {"title": args.title, "source": args.source, "url": args.url}
    if any(overrides.values()) and len(files) != 1:
        raise CliError("--title/--source/--url apply to a single file")
    if len(paths) == 1 and files == [(paths[0], None)]:  # one path, not a folder: fails whole
        try:
            print(describe(kb.ingest_file(paths[0], follow_symlinks=follow, **overrides)))
        except InputError as exc:
            raise CliError(_reason(exc)) from exc
        return 0
    from tqdm import tqdm

    failures = done = 0
    bulk = kb.ingest_many(files, jobs=jobs, follow_symlinks=follow, **overrides)
    progress = tqdm(total=len(files), desc="ingest", unit="file", disable=not sys.stderr.isatty())
    try:
        for path, outcome in bulk:
            done += 1
            progress.update()
            if isinstance(outcome, KnowledgeError):
                failures += 1
                print(f"skipped    {path}: {_reason(outcome)}", file=sys.stderr)
            else:
                print(describe(outcome), flush=True)
    except KeyboardInterrupt:
        progress.close()
        print(
            f"citebot: interrupted: {done - failures} of {len(files)} files ingested, "
            "the rest not (no article is half-stored)",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    finally:
        progress.close()
        bulk.close()
    print(f"{len(files) - failures} ingested, {failures} skipped", file=sys.stderr)
    return EXIT_INPUT if failures and failures == len(files) else 0


def cmd_list(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    articles = kb.list()
    if args.json:
        print(json.dumps([a.__dict__ for a in articles], ensure_ascii=False, indent=2))
        return 0
    for a in articles:
        print(f"{a.id}  {a.lang:<7}  {counted('passages', a.passages, 'en'):>13}  {a.title}")
    print(counted("articles", len(articles), "en"), file=sys.stderr)
    return 0


def cmd_remove(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    article = kb.remove(args.id)
    print(f"removed    {article.id}  {article.title}")
    return 0


def cmd_stats(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    # Which store first: with replicas, whether this one reads the shared database or a file
    # of its own is the first thing to check.
    stats = kb.stats()
    if args.json:
        where = {"store": kb.store_kind, "store_location": kb.store_location}
        print(json.dumps({**where, **stats}, indent=2))
    else:
        print(f"{'store':<16} {kb.store_kind} ({kb.store_location})")
        for key, value in stats.items():
            print(f"{key:<16} {value}")
    return 0
