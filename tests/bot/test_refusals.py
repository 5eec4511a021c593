"""bot/refusals.py: every exception of knowledge/errors.py has words for a person, in each
language, taken from its class and params, never from its English text."""

from __future__ import annotations

import inspect

import pytest

from bot.i18n import LANGS, t
from bot.refusals import refusal_text
from knowledge import errors
from knowledge.errors import AmbiguousId, DamagedStore, FetchFailed, KnowledgeError, NotFound
from knowledge.models import Lang

ALL_ERRORS = [
    kind
    for _, kind in inspect.getmembers(errors, inspect.isclass)
    if issubclass(kind, KnowledgeError)
]


@pytest.mark.parametrize("kind", ALL_ERRORS, ids=lambda k: k.__name__)
@pytest.mark.parametrize("lang", LANGS)
def test_every_knowledge_error_has_words_in_every_language(
    kind: type[KnowledgeError], lang: Lang
) -> None:
    text = refusal_text(kind("INTERNAL ENGLISH TEXT"), lang)
    assert text.strip() and "INTERNAL ENGLISH TEXT" not in text


def test_a_refusal_names_what_its_params_say() -> None:
    assert "2a3f" in refusal_text(NotFound("x", id="2a3f"), "en")
    ambiguous = refusal_text(AmbiguousId("x", id="2a", matches=["2a3f", "2a9c"]), "en")
    assert "2a3f, 2a9c" in ambiguous
    assert "example.org" in refusal_text(FetchFailed("x", host="example.org"), "en")


def test_a_buttons_toast_says_what_is_gone_or_failed() -> None:
    gone = refusal_text(AmbiguousId("x", id="2a", matches=[]), "zh-Hans", gone="plain_gone")
    assert gone == t("plain_gone", "zh-Hans")
    failed = refusal_text(DamagedStore("x"), "en", failed="plain_settings_failed")
    assert failed == t("plain_settings_failed", "en")
    assert refusal_text(DamagedStore("x"), "en") == t("err_other", "en")
