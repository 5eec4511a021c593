"""The bot's own profile: getMe, its command menus (setMyCommands) and its descriptions
(setMyDescription, setMyShortDescription), with Telegram's limits."""

from __future__ import annotations

import json
import re
from typing import Any

from benchmarks.fakes.telegram.methods.common import ApiError, resolve_chat
from benchmarks.fakes.telegram.state import BOT_FIRST_NAME, State

JSON = dict[str, Any]

_SCOPE_TYPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)


def scope_key(scope: JSON) -> str:
    """A command scope as the key its commands are kept under (canonical JSON)."""
    return json.dumps(scope, sort_keys=True, separators=(",", ":"))


def get_me(state: State, params: JSON) -> JSON:
    return {
        "id": state.bot_id,
        "is_bot": True,
        "first_name": BOT_FIRST_NAME,
        "username": state.bot_username,
        "can_join_groups": True,
        "can_read_all_group_messages": state.read_all_groups,
        "supports_inline_queries": True,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


def set_my_commands(state: State, params: JSON) -> bool:
    commands = params.get("commands")
    if not isinstance(commands, list):
        raise ApiError(400, "Bad Request: can't parse commands JSON object")
    if len(commands) > 100:
        raise ApiError(400, "Bad Request: too many commands")
    for command in commands:
        if not isinstance(command, dict):
            raise ApiError(400, "Bad Request: can't parse BotCommand JSON object")
        if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
            raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        description = command.get("description")
        if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
            raise ApiError(400, "Bad Request: command description is empty or too long")
    scope = params.get("scope") or {"type": "default"}
    if not isinstance(scope, dict) or scope.get("type") not in _SCOPE_TYPES:
        raise ApiError(400, "Bad Request: can't parse BotCommandScope JSON object")
    if scope["type"] in ("chat", "chat_administrators", "chat_member"):
        resolve_chat(state, scope.get("chat_id"))
    key = (scope_key(scope), _language(params))
    cleaned = [{"command": c["command"], "description": c["description"]} for c in commands]
    if cleaned:
        state.commands[key] = cleaned
    else:
        state.commands.pop(key, None)
    state.cond.notify_all()
    return True


def set_my_description(state: State, params: JSON) -> bool:
    return _set_description(state, params, "description", 512)


def set_my_short_description(state: State, params: JSON) -> bool:
    return _set_description(state, params, "short_description", 120)


def _set_description(state: State, params: JSON, kind: str, limit: int) -> bool:
    text = params.get(kind) or ""
    if not isinstance(text, str):
        raise ApiError(400, f"Bad Request: can't parse {kind}")
    if len(text) > limit:
        raise ApiError(400, f"Bad Request: {kind} is too long")
    key = (kind, _language(params))
    if text:
        state.descriptions[key] = text
    else:  # an empty text removes the one for that language
        state.descriptions.pop(key, None)
    state.cond.notify_all()
    return True


def _language(params: JSON) -> str:
    language = params.get("language_code") or ""
    if not isinstance(language, str) or (language and not re.fullmatch(r"[a-z]{2}", language)):
        raise ApiError(400, "Bad Request: invalid language code specified")
    return language
