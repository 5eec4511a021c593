"""The typed context every handler gets: ``context.kb``, ``context.settings``, ``context.rate``…
instead of untyped reads of ``bot_data``.

``BotData`` is the application's ``bot_data`` (PTB makes it through ``ContextTypes``, with no
arguments): the caches start empty, and ``bot.app.build_application`` sets what needs the
settings or comes from outside (the knowledge base, the settings, the rate limiter, metrics)
before the first update. ``Context`` is the ``CallbackContext`` PTB hands each handler.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from bot.config import Settings
from bot.ops import Metrics
from bot.state import (
    ADMIN_TTL,
    SETTINGS_TTL,
    AnswerCache,
    AnsweredMessages,
    ChatBudget,
    Conversations,
    InFlight,
    MemberCache,
    RateLimiter,
    ShownSources,
    TimedCache,
)
from knowledge.interface import KnowledgeService
from knowledge.models import ChatSettings


class BotData:
    """What the handlers of one application share; see the module docstring for who sets what."""

    kb: KnowledgeService
    settings: Settings
    rate: RateLimiter
    metrics: Metrics

    def __init__(self) -> None:
        self.answers = AnswerCache()
        self.in_flight = InFlight()
        self.conversations = Conversations()
        self.members = MemberCache()
        self.budget = ChatBudget()
        self.shown_sources = ShownSources()
        self.answered = AnsweredMessages()
        self.chat_settings = TimedCache[int, ChatSettings](SETTINGS_TTL)
        self.chat_admins = TimedCache[tuple[int, int], bool](ADMIN_TTL)
        # Groups outside the allowed chats already told so (once each).
        self.notified_chats: set[int] = set()


# ExtBot's parameter is the type of the rate limiter's per-request argument: AIORateLimiter's
# is an int (the retries allowed).
Bot = ExtBot[int]


class Context(CallbackContext[Bot, dict[Any, Any], dict[Any, Any], BotData]):
    """PTB's context with the application's shared state as typed properties."""

    @property
    def kb(self) -> KnowledgeService:
        return self.bot_data.kb

    @property
    def settings(self) -> Settings:
        return self.bot_data.settings

    @property
    def metrics(self) -> Metrics:
        return self.bot_data.metrics

    @property
    def rate(self) -> RateLimiter:
        return self.bot_data.rate

    @property
    def answers(self) -> AnswerCache:
        return self.bot_data.answers

    @property
    def in_flight(self) -> InFlight:
        return self.bot_data.in_flight

    @property
    def conversations(self) -> Conversations:
        return self.bot_data.conversations

    @property
    def members(self) -> MemberCache:
        return self.bot_data.members

    @property
    def budget(self) -> ChatBudget:
        return self.bot_data.budget

    @property
    def shown_sources(self) -> ShownSources:
        return self.bot_data.shown_sources

    @property
    def answered(self) -> AnsweredMessages:
        return self.bot_data.answered


CONTEXT_TYPES = ContextTypes(context=Context, bot_data=BotData)
# The application these handlers run in, as mypy sees it.
BotApplication = Application[Bot, Context, dict[Any, Any], dict[Any, Any], BotData, Any]
