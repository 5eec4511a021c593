"""What the bot says when the knowledge base refuses: each exception of knowledge/errors.py
turned into words for a person, in their language, from its class and params (never its
English text). Every handler that catches a KnowledgeError to answer with words comes here.
"""

from __future__ import annotations

from bot.i18n import t
from knowledge.errors import (
    AmbiguousId,
    BadQuestion,
    EmptyDocument,
    FetchFailed,
    FetchRefused,
    FileTooLarge,
    KnowledgeError,
    NotFound,
    StoreError,
    StoreUnavailable,
    UnreadableDocument,
    UnsupportedFormat,
)
from knowledge.models import Lang

_MB = 1024 * 1024
# Refusals said the same whatever their params; any other error without a rule below (a bad
# destination, a damaged export, a failed write, a damaged store or index) is "err_other".
_PLAIN: dict[type[KnowledgeError], str] = {
    UnsupportedFormat: "err_unsupported_format",
    EmptyDocument: "err_empty",
    UnreadableDocument: "err_unreadable",
    FetchRefused: "err_fetch_refused",
    # The database is restarting or failing over: nothing wrong with the input, try again.
    StoreUnavailable: "apology",
}


def refusal_text(
    err: KnowledgeError, lang: Lang, *, gone: str | None = None, failed: str | None = None
) -> str:
    """``err`` in words for a person, in ``lang``.

    A button's toast says what its press was for: ``gone`` is the text for a NotFound (the
    answer expired, the article or the gap is no longer stored) instead of "no article with
    id …", ``failed`` the text for a StoreError (the settings could not be saved).
    """
    params = err.params
    if isinstance(err, FileTooLarge):
        size = f"{(params.get('size') or 0) / _MB:.1f}"
        return t("err_too_large", lang, size=size, limit=f"{(params.get('limit') or 0) / _MB:.1f}")
    if isinstance(err, BadQuestion):
        if params.get("reason") == "too_long":
            length, limit = params.get("length"), params.get("limit")
            return t("question_too_long", lang, length=length, limit=limit)
        return t("question_empty", lang)
    if isinstance(err, NotFound) and gone is not None:
        return t(gone, lang)
    if isinstance(err, AmbiguousId):
        ids = ", ".join(params.get("matches") or [])
        return t("err_ambiguous_id", lang, id=params.get("id", ""), ids=ids)
    if isinstance(err, NotFound):
        return t("err_not_found", lang, id=params.get("id", ""))
    if isinstance(err, FetchFailed):
        return t("err_fetch_failed", lang, host=params.get("host") or "?")
    if isinstance(err, StoreError) and failed is not None:
        return t(failed, lang)
    for kind in type(err).__mro__:
        if kind in _PLAIN:
            return t(_PLAIN[kind], lang)
    return t("err_other", lang)
