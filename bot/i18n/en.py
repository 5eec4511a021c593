"""The bot's texts in English: one entry per key of bot/i18n/__init__.py's ``MESSAGES``.

Telegram HTML unless the key starts with ``plain_`` (see bot/i18n/__init__.py).
"""

from __future__ import annotations

from bot.words import NOT_FOUND

TEXTS: dict[str, str] = {
    # /start, /help and the bot's description say what this installation holds (bot/about.py
    # fills them in): the number of articles and their titles, never a fixed subject.
    "start": (
        "Hello! I answer questions from {articles}, quoting the exact sentences and where "
        "they come from. Among them:\n{titles}\n\n"
        "Just send me a question, in English or Chinese. /help shows more."
    ),
    "start_empty": (
        "Hello! I answer questions from a collection of articles, quoting the exact "
        "sentences and where they come from, but it is empty for now: an admin can add "
        "articles."
    ),
    "plain_more_titles": "…and {n} more",
    "plain_description": (
        "I answer questions from {articles}, quoting the exact sentences and their sources. "
        "Ask in English or Chinese. Among them: {titles}"
    ),
    "plain_description_empty": (
        "I answer questions from a collection of articles, quoting the exact sentences "
        "and their sources. Ask in English or Chinese."
    ),
    "plain_short_description": "Cited answers from {articles}: {titles}",
    "plain_short_description_empty": (
        "Answers questions with exact, cited sentences from its articles."
    ),
    "help": (
        "<b>How to ask</b>\n"
        "• In this chat: send your question as a message.\n"
        "• In a group: <code>/ask your question</code>, mention me, or reply to my message.\n"
        "\n"
        "Every answer quotes sentences exactly and numbers their sources. The buttons "
        "show more sentences, the whole paragraph of a source, or rate the answer."
    ),
    "help_inline": (
        "\n\n<b>In any chat (inline mode)</b>\n"
        "Type <code>@{bot} your question</code> in the message box of any chat. After a "
        "moment the answer appears above the box; tap it to send it, with its sources, "
        "into that chat."
    ),
    "help_inline_members": " This works for members of the chats this bot serves.",
    "help_inline_off": (
        "\n\nInline mode (<code>@{bot} question</code> in other chats) is off for this bot."
    ),
    "help_examples": "\n\n<b>For example</b>\n{examples}",
    "help_limits": "\n\n<b>Limits</b>\n• {questions} a minute per person\n• {chars} per question",
    "help_admin": (
        "\n\n<b>Admin</b>\n"
        "• Send a .txt, .md, .html, .pdf or .docx file (up to {mb} MB) to add it.\n"
        "• /add text or a web address (or /add as a reply to a message).\n"
        "• /articles, /remove ID, /stats."
    ),
    "whoami": "Your user id: <code>{user}</code>\nThis chat's id: <code>{chat}</code>",
    "whoami_admin": "\nYou are an admin of this bot.",
    "whoami_hint": "\nTo make someone an admin, add their user id to CITEBOT_ADMIN_IDS.",
    # The same words as every other front end's (bot.words.NOT_FOUND).
    "not_found": NOT_FOUND["en"],
    "question_empty": "Please write a question.",
    "question_too_long": (
        "That question is too long ({length} characters); please keep it under {limit}."
    ),
    "usage_ask": "Usage: <code>/ask your question</code>",
    "rate_limited": "You are asking faster than I can keep up with. Please wait a minute.",
    "chat_not_allowed": "Sorry, I am not enabled in this chat.",
    "apology": "Sorry, something went wrong on my side. Please try again.",
    "sources": "Sources",
    "more_heading": "More from the articles:",
    "paragraph": "para. {n}",
    "plain_more": "More",
    "plain_source": "📄 Source {n}",
    "passage_cut": "(Shortened to one message around the quote.)",
    "passage_full_text": "Full article",
    "plain_source_shown": "This paragraph is already in the chat, above.",
    "plain_source_private": (
        "The group has had many messages from me this minute: I sent the paragraph to "
        "you in private."
    ),
    "plain_source_busy": (
        "The group has had many messages from me this minute. Press again in a minute, "
        "or start a private chat with me to get sources there."
    ),
    "plain_no_more": "There is nothing more on this.",
    "plain_expired": "This answer is too old; please ask again.",
    "plain_gone": "That article is no longer in the collection.",
    "plain_thanks": "Thanks for the feedback!",
    "plain_prev": "◀ Previous",
    "plain_next": "Next ▶",
    "plain_confirm_remove": "Remove",
    "plain_cancel": "Cancel",
    "plain_admin_only": "Only the bot's admins can do that.",
    "admin_only": "Sorry, only the bot's admins can change the articles.",
    # /articles and /stats only show things: their refusal must not speak of changing them.
    "admin_only_view": "Sorry, only the bot's admins can use this command.",
    "added": "Added <b>{title}</b>\nLanguage: {article_lang} · {passages} · id <code>{id}</code>",
    "replaced": (
        "Updated <b>{title}</b>\nLanguage: {article_lang} · {passages} · id <code>{id}</code>"
    ),
    "unchanged": "Nothing new: <b>{title}</b> is already in the collection (id <code>{id}</code>).",
    "err_too_large": "That file is too large ({size} MB); the limit is {limit} MB.",
    "err_unsupported_format": (
        "I cannot read this kind of file. Send .txt, .md, .html, .pdf or .docx."
    ),
    "err_empty": "I found no readable text in it.",
    "err_unreadable": "The file is damaged or not readable.",
    "err_fetch_refused": "I will not fetch that address: it is not a public web page.",
    "err_fetch_failed": "I could not fetch that page ({host}).",
    "err_not_found": "There is no article with id <code>{id}</code>.",
    "err_ambiguous_id": (
        "The id <code>{id}</code> starts several articles' ids: {ids}. Give more of it."
    ),
    "err_other": "That did not work: the input was refused.",
    "add_usage": (
        "Usage: <code>/add text</code>, <code>/add https://…</code>, or /add as a "
        "reply to a message."
    ),
    "articles_header": "<b>Articles</b> {first}–{last} of {total}",
    "articles_empty": "There are no articles yet.",
    "remove_usage": "Usage: <code>/remove ID</code> (see /articles)",
    "remove_confirm": "Remove <b>{title}</b> (id <code>{id}</code>)?",
    "removed": "Removed <b>{title}</b> (id <code>{id}</code>).",
    "remove_cancelled": "Nothing was removed.",
    "stats": (
        "<b>Statistics</b>\nArticles: {articles}\nPassages: {passages}\n"
        "Questions asked: {questions}\nAnswered: {share}%\n👍 {up} · 👎 {down}"
    ),
    "plain_inline_no_answer": "No answer found",
    "text_only": "I read text questions: please type your question.",
    "plain_inline_hello": "Hello! Send this to see what I can answer",
    "lang_en": "English",
    "lang_zh-Hans": "Simplified Chinese",
    "lang_zh-Hant": "Traditional Chinese",
    "cmd_ask": "Ask a question",
    "cmd_help": "How to use this bot",
    "cmd_start": "Welcome",
    "cmd_add": "Add text or a web page",
    "cmd_articles": "List the articles",
    "cmd_remove": "Remove an article",
    "cmd_stats": "Usage statistics",
    "cmd_whoami": "Your user id and this chat's id",
    # -- the gaps (/gaps, and the reason buttons after a 👎) --------------------------------
    "cmd_gaps": "Questions answered badly or not at all",
    "plain_reason_wrong_answer": "Wrong answer",
    "plain_reason_wrong_source": "Wrong source",
    "plain_reason_not_answered": "Not answered",
    "plain_thanks_why": "Thanks! If you like, the buttons below say what was wrong.",
    "plain_reason_thanks": "Thanks, noted: {reason}.",
    "plain_gaps_title": "Gaps: questions declined or voted 👎, newest first",
    "plain_gaps_none": "No gaps: no question was declined or voted 👎.",
    "plain_gaps_more": "…and {n} more (citebot gaps lists them all).",
    "plain_gap_asked": "asked {n}×",
    "plain_gap_declined": "declined {n}",
    "plain_gap_button": "Answer {n}",
    "plain_given_asked": "Asked {when}:",
    "plain_given_declined": "Declined: nothing in the articles answered it.",
    "gaps_in_private": (
        "The gaps hold questions from every chat: send /gaps to me in a private chat."
    ),
    "plain_gap_gone": "That question is no longer stored.",
    "plain_given_not_kept": (
        "Answered, but the answer was not kept (asked before answers were stored)."
    ),
    # -- per-chat settings (/settings) --
    "cmd_settings": "When I answer here, and in which language",
    "settings": "<b>Settings for this chat</b>\nI answer: {mode}\nReply language: {language}",
    "settings_asked": "when asked (/ask, a mention, or a reply to my message)",
    "settings_questions": (
        "when asked, and every message that looks like a question (those only when "
        "my articles answer them)"
    ),
    "settings_off": "not at all (only /settings works)",
    "settings_private_asked": "every message",
    "settings_private_questions": "every message",
    "settings_lang_auto": "the question's",
    "settings_privacy": (
        "<i>To see messages not addressed to me I need privacy mode off: in @BotFather, "
        "/setprivacy → Disable, then remove me from this group and add me again.</i>"
    ),
    "plain_set_asked": "When asked",
    "plain_set_questions": "Every question",
    "plain_set_off": "Off",
    "plain_set_on": "On",
    "plain_set_auto": "Auto",
    "plain_settings_saved": "Saved.",
    "plain_settings_refused": "Only this chat's admins can change its settings.",
    "plain_settings_failed": "Sorry, the settings could not be saved. Please try again later.",
    "plain_chat_off": "I am switched off in this chat; its admins can turn me on with /settings.",
}

# Counted nouns: (one, other) by CLDR plural category (see bot/i18n/__init__.py).
COUNTED: dict[str, tuple[str, ...]] = {
    "admins": ("{n} admin", "{n} admins"),
    "articles": ("{n} article", "{n} articles"),
    "passages": ("{n} passage", "{n} passages"),
    "questions": ("{n} question", "{n} questions"),
    "characters": ("{n} character", "{n} characters"),
}
