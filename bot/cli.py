"""The `citebot` command line: ingest, ask, list, remove, stats, gaps, chat and serve.

The knowledge base raises; this module speaks: every knowledge error becomes one line on stderr
and exit code 2, and nothing is half-written because each ingest is one transaction.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.metadata
import json
import logging
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from bot.config import (
    KnowledgeSettings,
    Settings,
    load_knowledge_settings,
    load_settings,
    unknown_names,
)
from bot.i18n import counted
from knowledge import (
    KnowledgeBase,
    Tally,
    articles_in,
    articles_in_folder,
    evaluate_questions,
    format_plain,
    iter_files,
    read_questions,
    summarize,
)
from knowledge.errors import InputError, KnowledgeError, NotFound, WriteFailed
from knowledge.models import Answer, Gap, GivenAnswer, IngestResult

EXIT_INPUT = 2
S = TypeVar("S", bound=KnowledgeSettings)


class CliError(Exception):
    """A one-line message for stderr, with exit code 2."""


def _open_kb(settings: KnowledgeSettings, *, serving: bool = False) -> KnowledgeBase:
    return KnowledgeBase(settings.knowledge_config(serving=serving))


def _ensure_content(kb: KnowledgeBase) -> None:
    report = kb.ensure_content()
    if report is not None:
        print(
            f"citebot: the knowledge base was empty; loaded {len(report.results)} bundled "
            f"articles into {kb.config.data_dir}",
            file=sys.stderr,
        )


def answer_json(answer: Answer) -> dict[str, object]:
    """The `ask --json` object; its shape is part of the interface (see README)."""
    return {
        "found": answer.found,
        "lang": answer.lang,
        "reply": format_plain(answer),
        # What the question was taken as: "question", "small_talk" or "ask_back".
        "kind": "small_talk" if answer.small_talk else "ask_back" if answer.choices else "question",
        "understood": answer.understood,
        "examples": list(answer.examples),
        "choices": list(answer.choices),
        "sentences": [
            {
                "text": q.sentence.text,
                "article_id": q.citation.article_id,
                "title": q.citation.title,
                "source": q.citation.source,
                "url": q.citation.url,
                "paragraph": q.citation.paragraph,
                "score": q.score,
            }
            for q in answer.quotes
        ],
    }


def _describe(result: IngestResult) -> str:
    a = result.article
    if result.status == "unchanged":
        return f"unchanged  {a.id}  {a.title} (identical content is already stored)"
    extra = f" (replaces {result.replaced_id})" if result.replaced_id else ""
    passages = counted("passages", a.passages, "en")
    return f"{result.status:<9}  {a.id}  {a.title} [{a.lang}, {passages}]{extra}"


def _reason(exc: KnowledgeError) -> str:
    """Why a file was not ingested, with the option that reads a link named on its own."""
    if exc.params.get("reason") == "symlink":
        return f"{exc} (--follow-symlinks reads it)"
    return str(exc)


def cmd_ingest(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    paths = [Path(p) for p in args.paths]
    for path in paths:
        if not path.exists():
            raise CliError(f"{path}: no such file or folder")
    follow = args.follow_symlinks
    files = list(iter_files(paths, follow_symlinks=follow))
    overrides = {"title": args.title, "source": args.source, "url": args.url}
    if any(overrides.values()) and len(files) != 1:
        raise CliError("--title/--source/--url apply to a single file")
    if len(paths) == 1 and files == [(paths[0], None)]:  # one path, not a folder: fails whole
        try:
            print(_describe(kb.ingest_file(paths[0], follow_symlinks=follow, **overrides)))
        except InputError as exc:
            raise CliError(_reason(exc)) from exc
        return 0
    from tqdm import tqdm

    failures = 0
    for path, root in tqdm(files, desc="ingest", unit="file", disable=not sys.stderr.isatty()):
        try:
            print(_describe(kb.ingest_file(path, root=root, follow_symlinks=follow, **overrides)))
        except KnowledgeError as exc:
            failures += 1
            print(f"skipped    {path}: {_reason(exc)}", file=sys.stderr)
    print(f"{len(files) - failures} ingested, {failures} skipped", file=sys.stderr)
    return EXIT_INPUT if failures and failures == len(files) else 0


def cmd_ask(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    _ensure_content(kb)
    answer = kb.ask(args.question, max_quotes=args.k, after=args.after)
    if args.json:
        print(json.dumps(answer_json(answer), ensure_ascii=False, indent=2))
    else:
        print(format_plain(answer))
    return 0


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
    stats = kb.stats()
    if args.json:
        print(json.dumps(stats, indent=2))
    else:
        for key, value in stats.items():
            print(f"{key:<16} {value}")
    return 0


def _since(value: str) -> datetime:
    """``--since``: a span back from now ("7d", "12h", "30m") or an ISO 8601 date or time."""
    span = re.fullmatch(r"\s*(\d{1,6})\s*([dhm])\s*", value)
    if span:
        unit = {"d": "days", "h": "hours", "m": "minutes"}[span.group(2)]
        return datetime.now(UTC) - timedelta(**{unit: int(span.group(1))})
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        raise CliError(
            f"--since {value!r}: give a span such as 7d, 12h or 30m, or a date such as 2026-12-01"
        ) from None


def _given_json(given: GivenAnswer) -> dict[str, object]:
    return {
        "found": given.found,
        "kept": given.kept,
        "quotes": [
            {
                "text": q.text,
                "number": q.citation.number,
                "article_id": q.citation.article_id,
                "title": q.citation.title,
                "paragraph": q.citation.paragraph,
            }
            for q in given.quotes
        ],
    }


def _gap_counts(gap: Gap) -> str:
    parts = [f"asked {gap.asked}x"]
    if gap.declined:
        parts.append(f"declined {gap.declined}")
    if gap.thumbs_down:
        why = ", ".join(f"{reason.replace('_', ' ')} {n}" for reason, n in gap.reasons)
        parts.append(f"thumbs down {gap.thumbs_down}" + (f" ({why})" if why else ""))
    return ", ".join(parts)


def _given_lines(given: GivenAnswer) -> list[str]:
    if not given.found:
        return ["declined"]
    if not given.kept:
        return ["answered (the answer was not kept: asked before answers were stored)"]
    lines = []
    for q in given.quotes:
        text = q.text if len(q.text) <= 160 else q.text[:159] + "…"
        lines.append(f"“{text}” [{q.citation.number}] {q.citation.title}, ¶{q.citation.paragraph}")
    return lines


def cmd_gaps(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    since = _since(args.since) if args.since else None
    found = kb.gaps(args.limit, since)
    answers = [kb.given_answer(gap.question_id) for gap in found.gaps]
    if args.json:
        report = {
            "total": found.total,
            "gaps": [
                {
                    **dataclasses.asdict(gap),
                    "reasons": dict(gap.reasons),
                    "answer": _given_json(given),
                }
                for gap, given in zip(found.gaps, answers, strict=True)
            ],
        }
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        for gap, given in zip(found.gaps, answers, strict=True):
            when = gap.last_at[:16].replace("T", " ")
            print(f"{when}  {gap.question}  [{_gap_counts(gap)}]")
            for line in _given_lines(given):
                print(f"    {line}")
    more = (
        f" ({len(found.gaps)} shown; --limit shows more)" if found.total > len(found.gaps) else ""
    )
    print(f"{found.total} gaps{more}", file=sys.stderr)
    return 0


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
        print(_describe(result))
    for where, exc in report.failures:
        print(f"skipped    {where}: {exc}", file=sys.stderr)
    print(f"{len(report.results)} imported, {len(report.failures)} skipped", file=sys.stderr)
    return EXIT_INPUT if report.failures and not report.results else 0


def cmd_backup(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    kb.backup(Path(args.dest))
    print(f"backed up the store to {args.dest}")
    return 0


def cmd_chat(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    _ensure_content(kb)
    print("Ask a question (empty line or Ctrl-D to quit).", file=sys.stderr)
    # The question before, so that "when was it founded?" is read with it; what it was
    # understood as, so that a chain of follow-ups stays on the same thing.
    earlier: str | None = None
    while True:
        try:
            line = input("? ")
        except (EOFError, KeyboardInterrupt):
            print(file=sys.stderr)
            return 0
        if not line.strip():
            return 0
        try:
            answer = kb.ask(line, after=earlier)
            print(format_plain(answer))
            if answer.small_talk is None:
                earlier = answer.understood or answer.question
        except InputError as exc:
            print(f"citebot: {exc}", file=sys.stderr)
        print()


def cmd_eval(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    questions = read_questions(args.file)
    _ensure_content(kb)
    articles = articles_in_folder(args.articles) if args.articles else articles_in(kb)
    started = time.perf_counter()
    verdicts = evaluate_questions(kb, questions, articles)
    seconds = time.perf_counter() - started
    summary = summarize(verdicts)
    if args.json:
        report = {
            "summary": {group: dataclasses.asdict(tally) for group, tally in summary.items()},
            "wrong": [dataclasses.asdict(v) for v in verdicts if v.wrong],
        }
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        _print_quality(summary)
        asked = {q.id: q for q in questions}
        for verdict in (v for v in verdicts if v.wrong and args.details):
            q = asked[verdict.id]
            expected = f"{' / '.join(q.answers)} from {q.sources[0]}" if q.answers else "a decline"
            print(f"- {q.id} [{q.kind}/{q.lang}] {q.text}")
            print(f"    expected {expected}: {verdict.note}")
            print(f"    reply: {verdict.first_line}")
    print(f"{len(questions)} questions in {seconds:.1f} s", file=sys.stderr)
    return 0


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "n/a"


def _print_quality(summary: dict[str, Tally]) -> None:
    print(f"{'group':34} {'n':>4} {'answer':>7} {'citation':>9} {'both':>7} {'declined':>9}")
    for group, t in summary.items():
        print(
            f"{group:34} {t.n:>4} {_share(t.answer_correct, t.n):>7} "
            f"{_share(t.citation_correct, t.answerable):>9} "
            f"{_share(t.strict_correct, t.n):>7} {t.false_declines:>9}"
        )
    print(
        "answer: right answer (unanswerable: a decline quoting nothing); citation: the source"
        " named, of answerable questions;\nboth: answer and citation right; declined:"
        " answerable questions declined."
    )


def cmd_serve(settings: Settings, warnings: Sequence[str] = ()) -> int:
    from bot.app import BotApiUnreachable, check_serving, run

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


COMMANDS = {
    "ingest": cmd_ingest,
    "ask": cmd_ask,
    "list": cmd_list,
    "remove": cmd_remove,
    "stats": cmd_stats,
    "gaps": cmd_gaps,
    "chat": cmd_chat,
    "export": cmd_export,
    "import": cmd_import,
    "backup": cmd_backup,
    "eval": cmd_eval,
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
            return cmd_serve(serving, warnings)
        _warn(warnings)
        # Only what the command uses is read: a bad Telegram setting does not stop `stats`.
        settings = _settings(load_knowledge_settings, overrides)
        if args.command == "ask" and args.k is not None and not 1 <= args.k <= 10:
            raise CliError("-k must be between 1 and 10")
        if args.command == "gaps" and args.limit < 1:
            raise CliError("--limit must be at least 1")
        kb = _open_kb(settings, serving=args.command == "chat")
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


if __name__ == "__main__":
    sys.exit(main())
