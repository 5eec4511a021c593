"""Answer quality on a question set: each question asked in process, each reply scored.

The question set is JSON Lines, one question an object: ``id``, ``question``, ``lang``,
``kind`` (one of KINDS), ``answers`` (any one of them in the reply counts), ``source`` (the
article that answers: a file name with ``--articles``, else a stored title, url or source),
``alt_sources``; other fields (``evidence``) are ignored.

The rules are those of the development set's scorer (``../shared/eval-dev/score.py``), so that
both give the same figures for the same replies:

- an answerable question is answered right when an accepted answer occurs in the reply
  (NFKC, case-folded; whitespace ignored for Chinese; ASCII letters and digits only match whole,
  so "2006" is not found in "20061"; the question's own words do not count) and the reply does
  not decline;
- its citation is right when the reply, or the titles, sources and urls of its quotes, name the
  source article or an alternative one: its title (or the first 40 characters of a long title),
  its url, or its file name without the extension;
- an unanswerable question is right when the reply declines and quotes no article text: no
  article sentence of 12 characters or more, no run of 32 characters of an article that is not
  in the question (whitespace ignored).
"""

from __future__ import annotations

from knowledge.evaluate.matching import DECLINE_PHRASES, contains, declines, fold, squash
from knowledge.evaluate.questions import (
    KINDS,
    LANGS,
    UNANSWERABLE,
    ArticleRef,
    Articles,
    Question,
    articles_in,
    articles_in_folder,
    read_questions,
)
from knowledge.evaluate.scoring import (
    Quoted,
    Render,
    Reply,
    Tally,
    Verdict,
    evaluate,
    find_quotes,
    judge,
    reply_of,
    summarize,
)

__all__ = [
    "DECLINE_PHRASES",
    "KINDS",
    "LANGS",
    "UNANSWERABLE",
    "ArticleRef",
    "Articles",
    "Question",
    "Quoted",
    "Render",
    "Reply",
    "Tally",
    "Verdict",
    "articles_in",
    "articles_in_folder",
    "contains",
    "declines",
    "evaluate",
    "find_quotes",
    "fold",
    "judge",
    "read_questions",
    "reply_of",
    "squash",
    "summarize",
]
