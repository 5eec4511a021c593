"""The `citebot` argument parser: its commands, their options and their help."""

from __future__ import annotations

import argparse
import importlib.metadata
from pathlib import Path


def _version() -> str:
    """The installed distribution's version, or "unknown" when run from a bare source tree."""
    try:
        return importlib.metadata.version("citebot")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


# Each command's one line, shown in `citebot --help` and atop `citebot COMMAND --help`.
HELP = {
    "ingest": "add article files or folders",
    "ask": "answer one question",
    "list": "list stored articles",
    "remove": "remove an article by id (or unambiguous prefix)",
    "stats": "counts of articles, passages, questions and feedback",
    "gaps": "questions declined or voted down, newest first",
    "export": "write the knowledge base as JSON Lines",
    "import": "add the articles and feedback of an export",
    "backup": "a consistent copy of the store, safe while the bot runs",
    "eval": "measure answer quality on a question set (JSON Lines)",
    "chat": "ask questions interactively",
    "serve": "run the Telegram bot",
}


def build_parser() -> argparse.ArgumentParser:
    """The `citebot` parser; `--data-dir` is accepted before or after the command."""
    # SUPPRESS as the default on both levels: a subparser's own default would otherwise
    # overwrite a --data-dir given before the command.
    data_dir = argparse.ArgumentParser(add_help=False)
    data_dir.add_argument(
        "--data-dir",
        type=Path,
        default=argparse.SUPPRESS,
        help="where the store and index live (env CITEBOT_DATA_DIR)",
    )
    parser = argparse.ArgumentParser(
        prog="citebot",
        description="Answer questions from English and Chinese articles with cited sentences.",
        parents=[data_dir],
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=HELP[name], description=HELP[name], parents=[data_dir])

    p = command("ingest")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--title")
    p.add_argument("--source")
    p.add_argument("--url")
    p.add_argument(
        "--follow-symlinks",
        action="store_true",
        help="read a symbolic link named as a PATH (a link inside a folder is read only when "
        "its target is inside that folder, with or without this)",
    )
    p.add_argument(
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help="read and analyse files in N processes, one writer storing them in order "
        "(default: the number of cores for 32 files or more; 1: one by one in this process)",
    )

    p = command("ask")
    p.add_argument("question")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("-k", type=int, default=None, metavar="N", help="quote at most N sentences")
    p.add_argument(
        "--after",
        metavar="EARLIER",
        help='the question asked before, for a follow-up such as "when was it founded?"',
    )

    p = command("list")
    p.add_argument("--json", action="store_true")

    p = command("remove")
    p.add_argument("id")

    p = command("stats")
    p.add_argument("--json", action="store_true")

    p = command("gaps")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--limit", type=int, default=20, metavar="N", help="show N groups (20)")
    p.add_argument("--since", metavar="WHEN", help="only since then: 7d, 12h, 30m, or a date (UTC)")

    p = command("export")
    p.add_argument("path", nargs="?", default="-", help="file to write (default: stdout)")

    p = command("import")
    p.add_argument("path")

    p = command("backup")
    p.add_argument("dest", help="the SQLite file to write")

    p = command("eval")
    p.add_argument("file", type=Path, metavar="FILE.jsonl")
    p.add_argument("--details", action="store_true", help="list every question scored wrong")
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    p.add_argument(
        "--articles",
        type=Path,
        metavar="DIR",
        help="the articles' folder: questions' sources are its file names",
    )

    command("chat")
    command("serve")
    return parser
