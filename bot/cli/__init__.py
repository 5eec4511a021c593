"""The `citebot` command line: ingest, ask, list, remove, stats, gaps, export, import, backup,
eval, chat and serve.

The knowledge base raises; this module speaks: every knowledge error becomes one line on stderr
and exit code 2, and nothing is half-written because each ingest is one transaction.

The commands live by what they work on: bot/cli/articles.py (ingest, list, remove, stats),
questions.py (ask, chat, eval, gaps), operations.py (export, import, backup, serve); the parser
in parser.py; this module reads the settings and runs the one asked for.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from bot.cli import articles, operations, questions
from bot.cli.base import EXIT_INPUT, CliError, open_kb
from bot.cli.parser import build_parser
from bot.config import (
    KnowledgeSettings,
    load_knowledge_settings,
    load_settings,
    unknown_names,
)
from knowledge import KnowledgeBase
from knowledge.errors import InputError, KnowledgeError, NotFound

__all__ = ["COMMANDS", "CliError", "build_parser", "main"]

S = TypeVar("S", bound=KnowledgeSettings)

# Each command but serve (which needs the Telegram settings): the knowledge base and the
# parsed arguments in, the exit code out.
COMMANDS: dict[str, Callable[[KnowledgeBase, argparse.Namespace], int]] = {
    "ingest": articles.cmd_ingest,
    "ask": questions.cmd_ask,
    "list": articles.cmd_list,
    "remove": articles.cmd_remove,
    "stats": articles.cmd_stats,
    "gaps": questions.cmd_gaps,
    "chat": questions.cmd_chat,
    "export": operations.cmd_export,
    "import": operations.cmd_import,
    "backup": operations.cmd_backup,
    "eval": questions.cmd_eval,
}


def _settings(load: Callable[..., S], overrides: dict[str, Any]) -> S:
    """The settings ``load`` reads, or a CliError with its one line naming the bad setting."""
    try:
        return load(**overrides)
    except ValueError as exc:
        raise CliError(str(exc)) from None


def _warn(lines: Sequence[str]) -> None:
    for line in lines:
        print(f"citebot: warning: {line}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    # Once per run: `serve` logs them (in its log format), the other commands print them.
    warnings = unknown_names()
    try:
        data_dir = getattr(args, "data_dir", None)
        overrides = {"data_dir": data_dir} if data_dir else {}
        if args.command == "serve":
            try:
                serving = _settings(load_settings, overrides)
            except CliError:
                _warn(warnings)  # a typo may be why a setting is missing
                raise
            return operations.cmd_serve(serving, warnings)
        _warn(warnings)
        # Only what the command uses is read: a bad Telegram setting does not stop `stats`.
        settings = _settings(load_knowledge_settings, overrides)
        if args.command == "ask" and args.k is not None and not 1 <= args.k <= 10:
            raise CliError("-k must be between 1 and 10")
        if args.command == "gaps" and args.limit < 1:
            raise CliError("--limit must be at least 1")
        kb = open_kb(settings, serving=args.command == "chat")
        try:
            return COMMANDS[args.command](kb, args)
        finally:
            kb.close()
    # Only the person's mistakes are exit 2: a ValueError from our own code is a bug, and
    # reads as one (a traceback), not as "bad input".
    except (CliError, InputError, NotFound) as exc:
        print(f"citebot: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except KnowledgeError as exc:
        print(f"citebot: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # Whoever read the output stopped (`citebot eval … | head`): nothing is wrong with the
        # command. Python's own advice: point stdout at nowhere so that the flush at exit
        # does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
