"""The Telegram application: builder, defaults, handlers, error handler, commands, start-up.

``build_application`` wires an unmodified python-telegram-bot Application to a KnowledgeBase;
``run`` is what ``citebot serve`` calls. The bot token is a secret: bot/redaction.py keeps it
out of the logs, installed here before the first request is made; bot/startup.py reaches the
Bot API at start-up. With the knowledge in PostgreSQL (replicas), Telegram's limits and the
per-user question limit are kept in the database, shared by every replica (bot/limits.py); in
webhook mode each update is handled by one replica, and answered once handled (bot/webhook.py).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Iterable, Sequence
from typing import Any

from telegram import (
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import NetworkError, RetryAfter, TelegramError
from telegram.ext import AIORateLimiter, ApplicationBuilder, BaseRateLimiter, Defaults
from telegram.request import BaseRequest

from bot.about import descriptions, read_collection
from bot.config import FILE_SUFFIX, PREFIX, Settings, secret_fields
from bot.context import CONTEXT_TYPES, BotApplication, Context
from bot.handlers import register
from bot.handlers.common import lang_for, thread_id_of
from bot.i18n import counted, lang_from_code, t
from bot.limits import SharedQuestionLimit, SharedRateLimiter, SharedTurns
from bot.ops import Metrics, OpsServer, configure_logging
from bot.redaction import install_log_redaction
from bot.startup import reach_bot_api
from bot.state import RateLimiter
from bot.webhook import serve_webhook
from knowledge import KnowledgeBase, KnowledgeWorker
from knowledge.errors import KnowledgeError
from knowledge.interface import KnowledgeService
from knowledge.models import Lang

log = logging.getLogger(__name__)

# A 429 is waited out and the request sent again, up to this many times.
RATE_LIMIT_RETRIES = 3
USER_COMMANDS = ("start", "help", "ask", "settings")
ADMIN_COMMANDS = (*USER_COMMANDS, "add", "articles", "remove", "stats", "gaps", "whoami")
# The languages the bot's descriptions are set in: Telegram's language_code is two letters, so
# Chinese clients get the Simplified text ("" is everyone else's).
DESCRIPTION_LANGS: tuple[tuple[str, Lang], ...] = (("", "en"), ("zh", "zh-Hans"))


def _commands(names: Iterable[str], lang: Lang) -> list[BotCommand]:
    return [BotCommand(name, t(f"cmd_{name}", lang)) for name in names]


async def register_commands(app: BotApplication) -> None:
    """The short list for everyone (English and Chinese) and the full list in admins' chats.

    Telegram's language_code is two letters, so Chinese clients get the Simplified list.
    An admin who never opened a chat with the bot cannot get a chat scope yet: logged, skipped.
    """
    bot = app.bot
    await bot.set_my_commands(_commands(USER_COMMANDS, "en"), scope=BotCommandScopeDefault())
    await bot.set_my_commands(
        _commands(USER_COMMANDS, "zh-Hans"), scope=BotCommandScopeDefault(), language_code="zh"
    )
    settings = app.bot_data.settings
    for admin_id in settings.admin_ids:
        scope = BotCommandScopeChat(admin_id)
        try:
            await bot.set_my_commands(_commands(ADMIN_COMMANDS, "en"), scope=scope)
            await bot.set_my_commands(
                _commands(ADMIN_COMMANDS, "zh-Hans"), scope=scope, language_code="zh"
            )
        except TelegramError as exc:
            log.warning("could not set the admin commands for %s: %s", admin_id, exc)


async def set_descriptions(app: BotApplication) -> None:
    """The bot's description ("What can this bot do?") and short description (its profile),
    in English and Chinese, from the stored articles: their number and titles.

    Cosmetic: when the knowledge base or Telegram fails here it is logged and the bot starts
    anyway.
    """
    try:
        collection = await asyncio.to_thread(read_collection, app.bot_data.kb)
        for code, lang in DESCRIPTION_LANGS:
            description, short = descriptions(collection, lang)
            await app.bot.set_my_description(description, language_code=code or None)
            await app.bot.set_my_short_description(short, language_code=code or None)
    except (TelegramError, KnowledgeError) as exc:
        log.warning("could not set the bot's description: %s", exc)


async def _post_init(app: BotApplication) -> None:
    await register_commands(app)
    await set_descriptions(app)


async def on_error(update: object, context: Context) -> None:
    """Log the failure (the redactor keeps the token out) and apologise to the user.

    The application keeps serving: PTB calls this instead of stopping.
    """
    error = context.error
    if isinstance(error, NetworkError) and not isinstance(update, Update):
        # Polling hiccups (the connection dropped, Telegram restarted): PTB retries by itself.
        log.warning("network trouble while polling: %s", error)
        return
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("handler failed on update %s", update_id, exc_info=error)
    context.metrics.inc("citebot_errors_total")
    if not isinstance(update, Update):
        return
    try:
        if update.callback_query is not None:
            lang = lang_from_code(update.callback_query.from_user.language_code)
            await update.callback_query.answer(t("apology", lang))
        elif update.effective_message is not None and update.effective_chat is not None:
            message = update.effective_message
            await context.bot.send_message(
                message.chat_id,
                t("apology", lang_for(update)),
                message_thread_id=thread_id_of(message),
            )
    except TelegramError as exc:
        log.warning("could not send the apology: %s", exc)


class CountingRateLimiter(AIORateLimiter):
    """AIORateLimiter that counts the 429s it waits out, for /metrics.

    It hooks ``_run_request``, the one call the retry loop makes per attempt.
    """

    def __init__(self, metrics: Metrics, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._metrics = metrics

    async def _run_request(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return await super()._run_request(*args, **kwargs)
        except RetryAfter:
            self._metrics.inc("citebot_telegram_retries_total")
            raise


def build_application(
    settings: Settings,
    kb: KnowledgeService,
    metrics: Metrics | None = None,
    *,
    request: BaseRequest | None = None,
) -> BotApplication:
    """A ready-to-run Application whose handlers find ``kb``, ``settings`` and the rest on
    their typed context (bot/context.py).

    ``request`` is the network seam: when given, every Bot API call (getUpdates too) goes
    through it instead of PTB's HTTP client, so it must serve a long poll and other calls at
    once; tests pass an in-process fake. Without it the bot talks HTTP to the base URLs.
    """
    token = settings.require_token().get_secret_value()
    secrets = [token]
    if settings.webhook_secret is not None:
        secrets.append(settings.webhook_secret.get_secret_value())
    install_log_redaction(secrets)
    metrics = metrics or Metrics()
    # Replicas share one database: Telegram's limits are counted there (bot/limits.py).
    shared = SharedTurns(kb, token.split(":", 1)[0]) if settings.database_url else None
    limiter: BaseRateLimiter[int]
    # Only the overall rate is a setting: the per-group rate stays Telegram's 20 messages a
    # minute in one group, whatever the bot's overall limit.
    if shared is not None:
        limiter = SharedRateLimiter(
            shared,
            metrics,
            overall_max_rate=settings.telegram_max_rate,
            max_retries=RATE_LIMIT_RETRIES,
        )
    else:
        limiter = CountingRateLimiter(
            metrics, overall_max_rate=settings.telegram_max_rate, max_retries=RATE_LIMIT_RETRIES
        )
    builder = ApplicationBuilder()
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    app = (
        builder.token(token)
        .base_url(settings.telegram_base_url)
        .base_file_url(settings.telegram_base_file_url)
        .concurrent_updates(True)
        .rate_limiter(limiter)
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .context_types(CONTEXT_TYPES)
        .post_init(_post_init)
        .build()
    )
    # The one place the handlers' dependencies are set (bot/context.py: BotData).
    app.bot_data.kb = kb
    app.bot_data.settings = settings
    app.bot_data.rate = RateLimiter(
        settings.user_rate_limit, shared=SharedQuestionLimit(shared) if shared else None
    )
    app.bot_data.metrics = metrics
    register(app)
    app.add_error_handler(on_error)
    # Again: building created loggers of its own (telegram.ext.ExtBot logs file URLs).
    install_log_redaction(secrets)
    return app


# The knowledge-base process has no use for them: one place less for them to leak from.
SECRET_VARIABLES = tuple(
    f"{PREFIX}{name.upper()}{suffix}" for name in secret_fields() for suffix in ("", FILE_SUFFIX)
)


def open_knowledge_base(settings: Settings) -> KnowledgeService:
    """The knowledge base in settings.data_dir, with the bundled articles if it was empty.

    With ``knowledge_process`` it runs in a child process that logs as this one does.
    """
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    kb: KnowledgeService
    if settings.knowledge_process:
        kb = KnowledgeWorker(
            settings.knowledge_config(serving=True),
            initializer=functools.partial(
                configure_logging, settings.log_level, settings.log_format
            ),
            hidden_env=SECRET_VARIABLES,
        )
    else:
        kb = KnowledgeBase(settings.knowledge_config(serving=True))
    report = kb.ensure_content()
    if report is not None:
        log.info("loaded %d bundled articles", len(report.results))
        for path, err in report.failures:
            log.warning("skipped bundled %s: %s", path.name, err)
    return kb


def check_serving(settings: Settings) -> None:
    """Raise ValueError, one line naming the setting, when ``serve`` lacks one it needs: the
    token, or the webhook's URL in webhook mode."""
    settings.require_token()
    if settings.mode == "webhook" and not settings.webhook_url:
        raise ValueError("CITEBOT_WEBHOOK_URL is required when CITEBOT_MODE=webhook")


def run(settings: Settings, warnings: Sequence[str] = ()) -> None:
    """``citebot serve``: open the knowledge base and serve until stopped (Ctrl-C, SIGTERM).

    ``warnings`` (unknown setting names) are logged once, in the configured log format.
    """
    check_serving(settings)
    configure_logging(settings.log_level, settings.log_format)
    install_log_redaction([settings.require_token().get_secret_value()])
    for line in warnings:
        log.warning("%s", line)
    metrics = Metrics()
    ops = None
    if settings.health_port is not None:
        # Up before the knowledge base loads, so a probe sees "starting" (503), not a refusal.
        ops = OpsServer(metrics, settings.health_host, settings.health_port).start()
    kb = open_knowledge_base(settings)
    if ops is not None:
        ops.ready.set()
    try:
        app = build_application(settings, kb, metrics)
        if not reach_bot_api(app, settings.telegram_startup_wait):
            return  # stopped while waiting
        log.info(
            "serving as @%s in %s mode: %s, %s",
            app.bot.username,
            settings.mode,
            counted("admins", len(settings.admin_ids), "en"),
            counted("articles", int(kb.stats().get("articles", 0)), "en"),
        )
        if settings.mode == "polling":
            app.run_polling(drop_pending_updates=False, allowed_updates=Update.ALL_TYPES)
        else:
            serve_webhook(app, settings, kb)
    finally:
        if ops is not None:
            ops.stop()
        kb.close()
