"""Every fixed text the bot sends, in English, Simplified and Traditional Chinese.

Texts are Telegram HTML (the application's default parse mode), so ``t()`` escapes the values
it fills in; the templates themselves may use <b>, <i>, <code>. Keys whose name starts with
``plain_`` are sent where no markup is parsed (callback answers, button labels) and are
filled in unescaped.

Each language's texts live in a module of their own (en.py, zh_hans.py, zh_hant.py, keyed
alike); this module puts them together (``MESSAGES``, ``COUNTED``) and looks them up.

The language of a reply follows the question when there is one (a Chinese question from a
user whose Telegram is set to English gets Chinese), else the user's Telegram language.
"""

from __future__ import annotations

import html
from typing import Any

from bot.i18n import en, zh_hans, zh_hant
from knowledge import guess_lang, lang_from_tag
from knowledge.models import Lang

LANGS: tuple[Lang, ...] = ("en", "zh-Hans", "zh-Hant")

# Each language's texts in a module of its own (en.py, zh_hans.py, zh_hant.py), keyed alike.
_TABLES: dict[Lang, tuple[dict[str, str], dict[str, tuple[str, ...]]]] = {
    "en": (en.TEXTS, en.COUNTED),
    "zh-Hans": (zh_hans.TEXTS, zh_hans.COUNTED),
    "zh-Hant": (zh_hant.TEXTS, zh_hant.COUNTED),
}

# Key -> language -> text: English's keys, in each language that has the key.
MESSAGES: dict[str, dict[Lang, str]] = {
    key: {lang: texts[key] for lang, (texts, _) in _TABLES.items() if key in texts}
    for key in en.TEXTS
}

# Counted nouns, (one, other) by CLDR plural category: English says "1 passage", "2 passages";
# Chinese has one form for every number (CLDR: "other" only), given once.
COUNTED: dict[str, dict[Lang, tuple[str, ...]]] = {
    noun: {lang: forms[noun] for lang, (_, forms) in _TABLES.items() if noun in forms}
    for noun in en.COUNTED
}


def lang_from_code(language_code: str | None) -> Lang:
    """A Telegram language_code ("zh-TW", "zh-hans", "en-US"...) mapped to one of ours."""
    return lang_from_tag(language_code) or "en"


def choose_lang(text: str | None, language_code: str | None) -> Lang:
    """The question's language when the text has words to judge by, else the user's setting."""
    if text and any(ch.isalpha() for ch in text):
        return guess_lang(text)
    return lang_from_code(language_code)


def t(key: str, lang: Lang, **params: Any) -> str:
    """The text for ``key`` in ``lang``; HTML texts get their values escaped."""
    template = MESSAGES[key].get(lang) or MESSAGES[key]["en"]
    if not params:
        return template
    if key.startswith("plain_"):
        return template.format(**params)
    return template.format(**{k: html.escape(str(v), quote=False) for k, v in params.items()})


def counted(noun: str, n: int, lang: Lang) -> str:
    """ "1 passage", "2 passages", "3 个段落": ``n`` with ``noun`` in the form its number takes."""
    forms = COUNTED[noun].get(lang) or COUNTED[noun]["en"]
    form = forms[0] if n == 1 or len(forms) == 1 else forms[1]
    return form.format(n=n)


def lang_name(lang: str, in_lang: Lang) -> str:
    """The name of an article language, said in the reader's language."""
    key = f"lang_{lang}"
    return t(key, in_lang) if key in MESSAGES else lang
