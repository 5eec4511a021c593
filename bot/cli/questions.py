"""The commands that ask: ask, chat, eval (answer quality on a question set) and gaps (what
was declined or voted down)."""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import sys
import time
from datetime import UTC, datetime, timedelta

from bot.cli.base import CliError, ensure_content
from bot.words import format_plain
from knowledge import (
    KnowledgeBase,
    Tally,
    articles_in,
    articles_in_folder,
    evaluate_questions,
    read_questions,
    summarize,
)
from knowledge.errors import InputError
from knowledge.models import Answer, Gap, GivenAnswer


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


def cmd_ask(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    ensure_content(kb)
    answer = kb.ask(args.question, max_quotes=args.k, after=args.after)
    if args.json:
        print(json.dumps(answer_json(answer), ensure_ascii=False, indent=2))
    else:
        print(format_plain(answer))
    return 0


def cmd_chat(kb: KnowledgeBase, args: argparse.Namespace) -> int:
    ensure_content(kb)
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
    ensure_content(kb)
    articles = articles_in_folder(args.articles) if args.articles else articles_in(kb)
    started = time.perf_counter()
    verdicts = evaluate_questions(kb, questions, articles, format_plain)
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
