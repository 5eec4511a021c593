"""Small talk: telling "hi", "thanks" and "what can you do" from questions, and the example
questions a friendly reply offers, drawn from the stored articles.

A greeting is not a question the articles could answer, so it gets no retrieval at all (which
would answer "hi" with "nothing in my articles answers that"). Only a message that is small talk
as a whole counts: "hi, who founded DeepSeek?" is a question.

Example questions are not a fixed list: they are made from the names the articles mention most
(an alias group that names something), put into a few question shapes, and kept only when the
knowledge base answers them with a sentence naming that thing, so an example always works.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Literal

from knowledge.aliases import AliasTable
from knowledge.models import Answer, Lang
from knowledge.normalize import fold, to_simplified, to_traditional
from knowledge.text import HAN

Talk = Literal["greeting", "thanks", "capabilities"]

# Matched against the whole folded message once punctuation, emoji and a leading "bot" are gone.
_TALK: list[tuple[Talk, re.Pattern[str]]] = [
    (
        "capabilities",
        re.compile(
            r"(what|how) (can|do|could) (you|u) (do|help( me)?( with)?|answer)"
            r"|what are you( for)?|who are you|what is this( bot)?|what do you know( about)?"
            r"|how (do|does) (this|it|you) work|how (do|can) i use (you|this( bot)?)"
            r"|(you|u) can do what|help( me)?|帮助"
            r"|你(能|会|可以)(做|干|帮我做|回答)?(什么|啥|些什么|甚么|乜)(事|问题)?(呢|吗)?"
            r"|你是谁|你是什么|你是做什么的|怎么用|如何使用|你(知道|懂)(什么|啥|些什么)"
            r"|你识做乜|你做乜"
        ),
    ),
    (
        "thanks",
        re.compile(
            r"(thanks?|thank (you|u)|thx|ty|tysm|cheers|much appreciated|appreciated|great|"
            r"cool|nice|ok|okay|perfect|awesome|got it)( (so|very) much| a lot| again| bot)*"
            r"|(谢谢|多谢|感谢|谢啦|谢了|唔该|唔该晒|多谢晒|感恩|好的|收到|明白了?)(你|您|晒|啦|了)*"
        ),
    ),
    (
        "greeting",
        re.compile(
            r"(hi+|hey+|hello+|hallo|howdy|yo|hiya|greetings|good (morning|afternoon|evening|day)"
            r"|morning|evening)( there| all| everyone| bot| citebot)?"
            r"|(你好|您好|大家好|嗨|哈喽|哈啰|哈罗|哈囉|早上好|早安|午安|晚上好|早晨|喂|在吗|在不在)(啊|呀|哦|喔)*"
        ),
    ),
]
# Punctuation, symbols and emoji around or between the words of a short message.
_NOISE = re.compile(rf"[^\w\s{HAN}']+")
_LEADING_BOT = re.compile(r"^(@?\w*bot\b[,:]?\s*)")
_MAX_TALK_CHARS = 60


def small_talk(text: str) -> Talk | None:
    """Which kind of small talk ``text`` is as a whole, or None for anything else."""
    if len(text) > _MAX_TALK_CHARS:
        return None
    folded = " ".join(_NOISE.sub(" ", fold(text)).split())
    # "hi bot", "thanks citebot": the bot's own name is not a word of the message.
    folded = _LEADING_BOT.sub("", folded).strip()
    if not folded:
        return None
    for talk, pattern in _TALK:
        if pattern.fullmatch(folded):
            return talk
    return None


# -- example questions -----------------------------------------------------------------------
# Question shapes, the first words of each kept simple; {name} is a thing the articles name.
_SHAPES: dict[str, tuple[str, ...]] = {
    "en": (
        "Who founded {name}?",
        "When was {name} founded?",
        "Where is {name} based?",
        "What is {name}?",
    ),
    "zh-Hans": (
        "{name}是谁创立的？",
        "{name}是哪一年成立的？",
        "{name}的总部在哪里？",
        "{name}是什么？",
    ),
}
# Names tried, most mentioned first: enough to find two that work, few enough to stay cheap.
_NAMES_TRIED = 8
_HAS_LATIN = re.compile(r"[a-z]")
_HAS_HAN = re.compile(f"[{HAN}]")


def candidate_names(
    aliases: AliasTable, mentions: Callable[[str], int], passages: int
) -> list[str]:
    """Alias groups that name something, most mentioned first (``mentions``: group -> how many
    of the ``passages`` mention it). A name in more than a fifth of them is the collection's
    setting ("Hong Kong"), not a topic: any sentence about anything names it, so a question
    about it proves nothing."""
    counted = [(mentions(group), group) for group in aliases.names]
    common = max(passages // 5, 2)
    ranked = sorted(counted, key=lambda c: (-c[0], c[1]))
    return [group for count, group in ranked if 0 < count <= common]


def name_form(forms: Iterable[str], lang: Lang, written: str | None = None) -> str | None:
    """How to write a name for a reader of ``lang``: ``written`` (as an article has it) when
    it is in the reader's script, else the group's longest form in that script, or None."""
    want = _HAS_HAN if lang != "en" else _HAS_LATIN
    if written and want.search(fold(written)):
        if lang == "en":
            return written
        return to_traditional(written) if lang == "zh-Hant" else to_simplified(written)
    fitting = [f for f in forms if want.search(f) and (lang == "en" or not _HAS_LATIN.search(f))]
    if not fitting:
        return None
    form = max(fitting, key=lambda f: (len(f), f))
    if lang == "en":
        # Forms are kept folded: an acronym goes back to capitals, a name to title case.
        return form.upper() if " " not in form and len(form) <= 5 else form.title()
    return to_traditional(form) if lang == "zh-Hant" else form


def example_questions(
    names: Sequence[str],
    forms_of: Callable[[str], Iterable[str]],
    ask: Callable[[str], Answer],
    written_in: Callable[[Answer, str], str | None],
    lang: Lang,
    count: int = 2,
) -> tuple[str, ...]:
    """Up to ``count`` questions in ``lang``, about different things, each one the knowledge
    base answers with a sentence that names its thing.

    ``names`` are alias groups, most mentioned first; ``forms_of`` gives a group's forms;
    ``ask`` answers a question without logging it; ``written_in`` finds how the answer's first
    quote writes a group (None when it does not name it).
    """
    shapes = _SHAPES["en" if lang == "en" else "zh-Hans"]
    found: list[str] = []
    for group in names[:_NAMES_TRIED]:
        form = name_form(forms_of(group), "en" if lang == "en" else "zh-Hans")
        if form is None:
            continue
        # Each example starts at another shape, so two examples do not read alike.
        turn = len(found) % len(shapes)
        for shape in (*shapes[turn:], *shapes[:turn]):
            answer = ask(shape.format(name=form))
            if not answer.found:
                continue
            written = written_in(answer, group)
            if written is None:
                continue
            shown = name_form(forms_of(group), lang, written)
            question = shape.format(name=shown or form)
            found.append(to_traditional(question) if lang == "zh-Hant" else question)
            break
        if len(found) == count:
            break
    return tuple(found)
