"""Secrets kept out of the logs: the bot token is part of every Bot API URL, and httpx logs
those URLs, so a redacting filter sits on the log handlers and the loggers before the first
request is made (``install_log_redaction``)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

REDACTED = "[REDACTED]"


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


def process_redactor() -> SecretRedactor:
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
    redactor = process_redactor()
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
