"""What the bot says about itself: /start, /help and the descriptions Telegram shows before a
chat starts, made from what this installation holds (how many articles, their titles, example
questions its articles answer) and from its settings (limits, inline mode), never from a fixed
subject: a bot loaded with cookbooks must not promise Hong Kong technology.

The functions here are pure: the caller reads the knowledge base (``read_collection``, off the
event loop) and passes what it found.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.config import Settings
from bot.i18n import counted, t
from knowledge import MAX_QUESTION_CHARS
from knowledge.interface import KnowledgeService
from knowledge.models import Lang

# Titles read to describe the collection: the first page of the list is enough to choose from.
TITLES_READ = 50
# Titles /start lists; the rest are counted ("…and 8 more").
TITLES_SHOWN = 5
# Telegram's limits for setMyDescription and setMyShortDescription.
DESCRIPTION_LIMIT = 512
SHORT_DESCRIPTION_LIMIT = 120


@dataclass(frozen=True)
class Collection:
    """How many articles are stored, and the titles of the first ones, with their language."""

    count: int
    titles: tuple[tuple[str, str], ...]


def read_collection(kb: KnowledgeService) -> Collection:
    """The collection as /start and the descriptions describe it (blocking: call off the loop)."""
    count = int(kb.stats().get("articles", 0))
    articles = kb.list(0, TITLES_READ) if count else []
    return Collection(count, tuple((a.title, a.lang) for a in articles))


def titles_for(collection: Collection, lang: Lang) -> list[str]:
    """The titles, those in the reader's language first (either Chinese script counts as
    Chinese for a Chinese reader), each once, in the order stored."""
    chinese = lang != "en"
    mine = [title for title, article_lang in collection.titles if (article_lang != "en") == chinese]
    others = [
        title for title, article_lang in collection.titles if (article_lang != "en") != chinese
    ]
    return list(dict.fromkeys(mine + others))


def start_text(collection: Collection, lang: Lang) -> str:
    """/start: what the bot does, over how many articles, and a few of their titles."""
    if not collection.count:
        return t("start_empty", lang)
    titles = titles_for(collection, lang)[:TITLES_SHOWN]
    lines = [f"• {title}" for title in titles]
    if collection.count > len(titles):
        lines.append(t("plain_more_titles", lang, n=collection.count - len(titles)))
    return t(
        "start",
        lang,
        articles=counted("articles", collection.count, lang),
        titles="\n".join(lines),
    )


def _fitted(template: str, empty: str, collection: Collection, lang: Lang, limit: int) -> str:
    """``template`` with the count and as many whole titles as fit in ``limit`` characters
    (``empty``'s text when there are no articles, or when not even one title fits)."""
    if not collection.count:
        return t(empty, lang)
    separator = "; " if lang == "en" else "；"
    articles = counted("articles", collection.count, lang)
    shown: list[str] = []
    for title in titles_for(collection, lang):
        text = t(template, lang, articles=articles, titles=separator.join([*shown, title]))
        if len(text) > limit:
            break
        shown.append(title)
    if not shown:
        return t(empty, lang)
    return t(template, lang, articles=articles, titles=separator.join(shown))


def descriptions(collection: Collection, lang: Lang) -> tuple[str, str]:
    """(description, short description) for setMyDescription and setMyShortDescription:
    plain text within Telegram's limits, naming the number of articles and whole titles."""
    return (
        _fitted(
            "plain_description", "plain_description_empty", collection, lang, DESCRIPTION_LIMIT
        ),
        _fitted(
            "plain_short_description",
            "plain_short_description_empty",
            collection,
            lang,
            SHORT_DESCRIPTION_LIMIT,
        ),
    )


def help_text(
    settings: Settings,
    lang: Lang,
    *,
    bot_username: str,
    inline_supported: bool,
    examples: Sequence[str],
    admin: bool,
) -> str:
    """/help: how to ask, inline mode as this bot has it, example questions its articles
    answer, the limits as configured, and for an admin the admin commands."""
    text = t("help", lang)
    if settings.inline_mode == "off" or not inline_supported:
        text += t("help_inline_off", lang, bot=bot_username)
    else:
        text += t("help_inline", lang, bot=bot_username)
        if settings.allowed_chats:
            text += t("help_inline_members", lang)
    if examples:
        text += t("help_examples", lang, examples="\n".join(f"• {q}" for q in examples))
    text += t(
        "help_limits",
        lang,
        questions=counted("questions", settings.user_rate_limit, lang),
        chars=counted("characters", MAX_QUESTION_CHARS, lang),
    )
    if admin:
        text += t("help_admin", lang, mb=f"{settings.max_upload_mb:g}")
    return text
