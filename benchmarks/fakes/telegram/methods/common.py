"""What the Bot API methods share: the error they raise and the checks Telegram applies to
chats, texts, entities and keyboards before it does anything."""

from __future__ import annotations

from typing import Any

from benchmarks.fakes.telegram.entities import (
    HtmlParseError,
    ParsedText,
    parse_html,
    trim_formatted_text,
    utf16_len,
)
from benchmarks.fakes.telegram.state import State

JSON = dict[str, Any]

MAX_MESSAGE_LENGTH = 4096
MAX_CALLBACK_DATA_BYTES = 64
_BUTTON_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


class ApiError(Exception):
    """A Bot API error answer (``{"ok": false, ...}``): raised by a method, answered by the
    call layer with ``error_code`` as the HTTP status."""

    def __init__(self, error_code: int, description: str) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description


def resolve_chat(state: State, raw: Any) -> JSON:
    """The chat a ``chat_id`` parameter (an id or "@username") names; 400 when unknown, as
    the bot can only reach chats Telegram has seen."""
    if raw is None or raw == "":
        raise ApiError(400, "Bad Request: chat_id is empty")
    chat: JSON | None = None
    if isinstance(raw, str) and raw.startswith("@"):
        wanted = raw[1:].lower()
        chat = next(
            (c for c in state.chats.values() if str(c.get("username", "")).lower() == wanted),
            None,
        )
    elif isinstance(raw, int) and not isinstance(raw, bool):
        chat = state.chats.get(raw)
    if chat is None:
        raise ApiError(400, "Bad Request: chat not found")
    return chat


def prepare_text(state: State, text: Any, parse_mode: Any, entities: Any) -> ParsedText:
    """Apply Telegram's formatting and the 1..4096 (UTF-16, after parsing) length limit."""
    if not isinstance(text, str) or not text:
        raise ApiError(400, "Bad Request: message text is empty")
    mode = ""
    if parse_mode not in (None, ""):
        if not isinstance(parse_mode, str) or parse_mode.lower() not in (
            "html",
            "markdown",
            "markdownv2",
        ):
            raise ApiError(400, "Bad Request: unsupported parse_mode")
        mode = parse_mode.lower()
    if mode == "html":
        try:
            parsed = parse_html(text)
        except HtmlParseError as exc:
            raise ApiError(400, f"Bad Request: can't parse entities: {exc}") from None
    elif mode:
        parsed = ParsedText(text, [])  # Markdown is passed through unvalidated
    else:
        parsed = ParsedText(text, _check_entities(entities))
    parsed = trim_formatted_text(*parsed)
    if not parsed.text:
        raise ApiError(400, "Bad Request: message text is empty")
    if utf16_len(parsed.text) > MAX_MESSAGE_LENGTH:
        raise ApiError(400, "Bad Request: message is too long")
    return parsed


def check_markup(markup: Any, *, inline_only: bool = False) -> JSON | None:
    """A reply_markup as Telegram takes it, or 400 with Telegram's reason."""
    if markup is None or markup == "":
        return None
    if not isinstance(markup, dict):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        if inline_only:
            raise ApiError(400, "Bad Request: inline keyboard expected")
        if not any(k in markup for k in ("keyboard", "remove_keyboard", "force_reply")):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        return markup
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ApiError(400, "Bad Request: can't parse inline keyboard button: expected array")
    for row in rows:
        for button in row:
            _check_button(button)
    return markup


def _check_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise ApiError(400, "Bad Request: can't parse inline keyboard button")
    if not any(k in button for k in _BUTTON_ACTIONS):
        raise ApiError(400, "Bad Request: text buttons are unallowed in the inline keyboard")
    data = button.get("callback_data")
    if "callback_data" in button and (
        not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES
    ):
        raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    url = button.get("url")
    if "url" in button and not _plausible_button_url(url):
        raise ApiError(
            400, f"Bad Request: inline keyboard button URL '{url}' is invalid: Wrong HTTP URL"
        )


def inline_markup(markup: JSON | None) -> JSON | None:
    """The part of a markup that is stored on the message: a non-empty inline keyboard."""
    if markup and any(markup.get("inline_keyboard") or []):
        return markup
    return None


def int_param(params: JSON, name: str, default: int) -> int:
    """An integer parameter, ``default`` when absent; 400 when it is not an integer."""
    value = params.get(name, default)
    if value is None or value == "":
        return default
    if not isinstance(value, int) or isinstance(value, bool):
        raise ApiError(400, f"Bad Request: invalid {name} specified")
    return value


def _plausible_button_url(url: Any) -> bool:
    """Telegram adds http:// to bare hosts but rejects blanks, spaces and other schemes."""
    if not isinstance(url, str) or not url or any(ch.isspace() for ch in url):
        return False
    scheme, separator, _ = url.partition("://")
    return not separator or scheme.lower() in ("http", "https", "tg")


def _check_entities(entities: Any) -> list[JSON]:
    if entities is None or entities == "":
        return []
    if not isinstance(entities, list) or not all(
        isinstance(e, dict)
        and isinstance(e.get("type"), str)
        and isinstance(e.get("offset"), int)
        and isinstance(e.get("length"), int)
        for e in entities
    ):
        raise ApiError(400, "Bad Request: can't parse entities JSON object")
    return [dict(e) for e in entities]
