"""The Telegram application: builder, defaults, handlers, error handler, commands, start-up.

``build_application`` wires an unmodified python-telegram-bot Application to a KnowledgeBase;
``run`` is what ``citebot serve`` calls. The bot token is a secret: it is part of every Bot API
URL, and httpx logs those URLs, so a redacting filter sits on the log handlers and the loggers
before the first request is made.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import signal
import time
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

from telegram import (
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    LinkPreviewOptions,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import NetworkError, RetryAfter, TelegramError
from telegram.ext import AIORateLimiter, ApplicationBuilder, Defaults

from bot.about import descriptions, read_collection
from bot.config import FILE_SUFFIX, PREFIX, Settings, secret_fields
from bot.context import CONTEXT_TYPES, BotApplication, Context
from bot.handlers import register
from bot.handlers.common import lang_for, thread_id_of
from bot.i18n import counted, lang_from_code, t
from bot.ops import Metrics, OpsServer, configure_logging
from bot.state import RateLimiter
from knowledge import KnowledgeBase, KnowledgeWorker
from knowledge.errors import KnowledgeError
from knowledge.interface import KnowledgeService
from knowledge.models import Lang

log = logging.getLogger(__name__)

REDACTED = "[REDACTED]"
# A 429 is waited out and the request sent again, up to this many times.
RATE_LIMIT_RETRIES = 3
USER_COMMANDS = ("start", "help", "ask", "settings")
ADMIN_COMMANDS = (*USER_COMMANDS, "add", "articles", "remove", "stats", "gaps", "whoami")
# The languages the bot's descriptions are set in: Telegram's language_code is two letters, so
# Chinese clients get the Simplified text ("" is everyone else's).
DESCRIPTION_LANGS: tuple[tuple[str, Lang], ...] = (("", "en"), ("zh", "zh-Hans"))


class SecretRedactor(logging.Filter):
    """Replaces secrets in a record's message, exception text and stack before it is written.

    Exceptions are formatted here (into ``exc_text``, which formatters reuse) because an
    exception message may embed a request URL, and with it the token.
    """

    def __init__(self) -> None:
        super().__init__()
        self.secrets: list[str] = []

    def add(self, secret: str) -> None:
        if len(secret) >= 5 and secret not in self.secrets:
            self.secrets.append(secret)
            self.secrets.sort(key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is the logging module's problem to report
            return True
        # Always freeze the message: PTB logs a result dict and then edits it in place (a
        # file's path becomes a URL holding the token) before a late formatter would read it.
        record.msg, record.args = self.redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def _redactor() -> SecretRedactor:
    """The one redactor of this process (logging is process-wide), created on first use."""
    root = logging.getLogger()
    for existing in root.filters:
        if isinstance(existing, SecretRedactor):
            return existing
    redactor = SecretRedactor()
    root.addFilter(redactor)
    return redactor


def install_log_redaction(secrets: Iterable[str]) -> SecretRedactor:
    """Redact ``secrets`` (and a token's secret half) from every log line from now on.

    A filter on a handler sees every record that reaches it; a filter on a logger sees the
    records logged there before any handler does (including handlers added later, such as a
    test's capture). Both are installed: the root handlers, the root logger and every logger
    that exists now (httpx, httpcore and telegram's are created at import).
    """
    redactor = _redactor()
    for secret in secrets:
        redactor.add(secret)
        if ":" in secret:
            redactor.add(secret.split(":", 1)[1])
    for name in ("httpx", "httpcore", "telegram", "telegram.ext", "bot", "knowledge"):
        logging.getLogger(name)
    loggers = [logging.getLogger()] + [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    for logger in loggers:
        if redactor not in logger.filters:
            logger.addFilter(redactor)
    for handler in logging.getLogger().handlers:
        if redactor not in handler.filters:
            handler.addFilter(redactor)
    # httpx logs every request URL at INFO, and each one contains the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    return redactor


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
    settings: Settings, kb: KnowledgeService, metrics: Metrics | None = None
) -> BotApplication:
    """A ready-to-run Application whose handlers find ``kb``, ``settings`` and the rest on
    their typed context (bot/context.py)."""
    token = settings.require_token().get_secret_value()
    secrets = [token]
    if settings.webhook_secret is not None:
        secrets.append(settings.webhook_secret.get_secret_value())
    install_log_redaction(secrets)
    metrics = metrics or Metrics()
    app = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.telegram_base_url)
        .base_file_url(settings.telegram_base_file_url)
        .concurrent_updates(True)
        .rate_limiter(
            # Only the overall rate is a setting: the per-group rate stays PTB's default,
            # Telegram's 20 messages a minute in one group, whatever the bot's overall limit.
            CountingRateLimiter(
                metrics,
                overall_max_rate=settings.telegram_max_rate,
                max_retries=RATE_LIMIT_RETRIES,
            )
        )
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
    app.bot_data.rate = RateLimiter(settings.user_rate_limit)
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


class BotApiUnreachable(Exception):
    """`serve` gave up reaching the Bot API at start-up; ``str()`` is one line for a person."""


# At start-up, the first wait after a failed attempt to reach the Bot API, doubled after each
# failure up to the second figure.
_FIRST_RETRY_SECONDS = 1.0
_LONGEST_RETRY_SECONDS = 30.0


def reach_bot_api(app: BotApplication, patience: float) -> bool:
    """Initialize ``app`` (its first Bot API call), trying again with backoff for ``patience``
    seconds while the Bot API cannot be reached: a bot started before the network is up then
    comes up by itself. The first failure is one warning line, not PTB's tracebacks.

    Runs on the event loop ``run_polling``/``run_webhook`` go on to use (they find the
    application initialized). False when SIGINT or SIGTERM stopped the wait.

    Raises:
        BotApiUnreachable: still unreachable after ``patience`` seconds.
    """
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    stop = asyncio.Event()
    signals = (signal.SIGINT, signal.SIGTERM)
    for number in signals:
        loop.add_signal_handler(number, stop.set)
    try:
        return loop.run_until_complete(_reach_bot_api(app, patience, stop))
    finally:
        for number in signals:
            loop.remove_signal_handler(number)


async def _reach_bot_api(
    app: BotApplication,
    patience: float,
    stop: asyncio.Event,
) -> bool:
    host = urlsplit(app.bot.base_url).netloc  # the token is in the path, never shown
    deadline = time.monotonic() + patience
    delay = _FIRST_RETRY_SECONDS
    failures = 0
    while True:
        try:
            await app.initialize()
        except NetworkError as exc:  # TimedOut included; a refused token is not retried
            failures += 1
            left = deadline - time.monotonic()
            reason = _redactor().redact(str(exc))
            if left <= 0:
                raise BotApiUnreachable(
                    f"cannot reach the Telegram Bot API at {host} ({reason}); gave up after "
                    f"{failures} attempts in {patience:g} s"
                ) from exc
            if failures == 1:
                log.warning(
                    "cannot reach the Telegram Bot API at %s (%s); trying again for up to %g s",
                    host,
                    reason,
                    patience,
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=min(delay, left))
                return False
            delay = min(2 * delay, _LONGEST_RETRY_SECONDS)
        else:
            if failures:
                log.info("reached the Telegram Bot API after %d failed attempts", failures)
            return True


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
            url = settings.webhook_url or ""
            app.run_webhook(
                listen=settings.webhook_listen,
                port=settings.webhook_port,
                url_path=urlsplit(url).path.lstrip("/"),
                webhook_url=url,
                secret_token=(
                    settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
                ),
                allowed_updates=Update.ALL_TYPES,
                drop_pending_updates=False,
            )
    finally:
        if ops is not None:
            ops.stop()
        kb.close()
