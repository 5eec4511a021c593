"""Answers to what users asked of the bot: answerCallbackQuery (a button press) and
answerInlineQuery ("@bot query" typed anywhere), each answerable once, like Telegram's."""

from __future__ import annotations

from typing import Any

from benchmarks.fakes.telegram.methods.common import (
    ApiError,
    check_markup,
    prepare_text,
)
from benchmarks.fakes.telegram.state import State

JSON = dict[str, Any]

MAX_CALLBACK_ANSWER_LENGTH = 200
MAX_INLINE_RESULTS = 50
_QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"


def answer_callback_query(state: State, params: JSON) -> bool:
    query_id = str(params.get("callback_query_id") or "")
    query = state.pending_callbacks.get(query_id)
    if query is None:
        raise ApiError(400, _QUERY_TOO_OLD)
    text = params.get("text")
    if isinstance(text, str) and len(text) > MAX_CALLBACK_ANSWER_LENGTH:
        raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
    del state.pending_callbacks[query_id]
    state.callback_answers.append(
        {
            "callback_query_id": query_id,
            "data": query.get("data"),
            "text": text,
            "show_alert": bool(params.get("show_alert", False)),
            "url": params.get("url"),
            "cache_time": params.get("cache_time"),
        }
    )
    state.cond.notify_all()
    return True


def answer_inline_query(state: State, params: JSON) -> bool:
    query_id = str(params.get("inline_query_id") or "")
    query = state.pending_inline.get(query_id)
    if query is None:
        raise ApiError(400, _QUERY_TOO_OLD)
    results = params.get("results")
    if not isinstance(results, list):
        raise ApiError(400, "Bad Request: can't parse inline query results JSON object")
    if len(results) > MAX_INLINE_RESULTS:
        raise ApiError(400, "Bad Request: RESULTS_TOO_MUCH")
    seen: set[str] = set()
    for result in results:
        _check_result(state, result, seen)
    del state.pending_inline[query_id]
    state.inline_answers.append(
        {
            "inline_query_id": query_id,
            "query": query["query"],
            "user_id": query["from"]["id"],
            "results": results,
            "cache_time": params.get("cache_time"),
            "is_personal": params.get("is_personal"),
            "next_offset": params.get("next_offset"),
            "button": params.get("button"),
        }
    )
    state.cond.notify_all()
    return True


def _check_result(state: State, result: Any, seen: set[str]) -> None:
    if not isinstance(result, dict) or not isinstance(result.get("type"), str):
        raise ApiError(400, "Bad Request: can't parse inline query result JSON object")
    result_id = result.get("id")
    if not isinstance(result_id, str) or not 1 <= len(result_id.encode()) <= 64:
        raise ApiError(400, "Bad Request: RESULT_ID_INVALID")
    if result_id in seen:
        raise ApiError(400, "Bad Request: RESULT_ID_DUPLICATE")
    seen.add(result_id)
    content = result.get("input_message_content")
    if result["type"] == "article" and not isinstance(content, dict):
        raise ApiError(400, "Bad Request: can't parse inline query result: input_message_content")
    if isinstance(content, dict) and "message_text" in content:
        prepare_text(
            state, content.get("message_text"), content.get("parse_mode"), content.get("entities")
        )
    check_markup(result.get("reply_markup"), inline_only=True)
