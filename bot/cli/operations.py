"""The commands that move the knowledge base whole or serve it: export, import, backup, serve."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.cli.base import EXIT_INPUT, CliError, describe
from bot.config import Settings
from knowledge import KnowledgeBase
from knowledge.errors import WriteFailed


def cmd_export(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    if args.path != "-":
        count = kb.export_file(Path(args.path))
    else:
        try:
            count = kb.export_to(sys.stdout.buffer)
            sys.stdout.flush()
        except OSError as exc:
            # What is still buffered would fail again at exit, with a traceback-like message.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            if isinstance(exc, BrokenPipeError):
                raise WriteFailed("the export was cut short: its reader closed the pipe") from exc
            raise WriteFailed(
                f"cannot write the export to standard output ({exc.strerror})"
            ) from exc
    print(f"exported {count} records", file=sys.stderr)
    return 0


def cmd_import(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    report = kb.import_file(Path(args.path))
    if report.warning:
        print(f"citebot: warning: {report.warning}", file=sys.stderr)
    for result in report.results:
        print(describe(result))
    for where, exc in report.failures:
        print(f"skipped    {where}: {exc}", file=sys.stderr)
    print(f"{len(report.results)} imported, {len(report.failures)} skipped", file=sys.stderr)
    return EXIT_INPUT if report.failures and not report.results else 0


def cmd_backup(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    kb.backup(Path(args.dest))
    print(f"backed up the store to {args.dest}")
    return 0


def cmd_serve(settings: Settings, warnings: Sequence[str] = ()) -> int:
    from bot.app import check_serving, run
    from bot.startup import BotApiUnreachable

    try:
        check_serving(settings)
    except ValueError as exc:  # a setting serve needs: the person's to fix
        raise CliError(str(exc)) from None
    try:
        run(settings, warnings)
    except BotApiUnreachable as exc:
        print(f"citebot: {exc}", file=sys.stderr)
        return 1
    return 0
