"""The test side watching the bot: what it sent (records with their edit history), what it
called, and waits that return as soon as the bot has done something.

The ``wait_for_*`` / ``assert_no_bot_message`` helpers block the calling thread.  Inside the
event loop that runs PTB, call them via ``await asyncio.to_thread(...)``, or PTB cannot run
while you wait.  Every accessor returns copies, so a test cannot change the fake's state.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any, TypeVar

from benchmarks.fakes.telegram.methods.profile import scope_key
from benchmarks.fakes.telegram.state import Marker, State

JSON = dict[str, Any]
T = TypeVar("T")


class ObservesBot:
    """FakeTelegram's methods that observe the bot; every one takes the fake's lock."""

    state: State

    def mark(self) -> int:
        """A position in the event stream; pass as ``after=`` to only see later bot activity."""
        with self.state.cond:
            return self.state.seq

    def bot_messages(self, chat_id: int | None = None) -> list[JSON]:
        """Messages the bot sent (oldest first, deleted ones too), as records with the current
        content; methods/messages.py lists a record's keys."""
        with self.state.cond:
            return [
                copy.deepcopy(rec)
                for rec in self.state.bot_records
                if chat_id is None or rec["chat_id"] == chat_id
            ]

    def bot_message(self, chat_id: int, message_id: int) -> JSON:
        """The record of one message the bot sent; KeyError when it sent no such message."""
        with self.state.cond:
            rec = self.state.bot_index.get((chat_id, message_id))
            if rec is None:
                raise KeyError(f"the bot sent no message {message_id} to chat {chat_id}")
            return copy.deepcopy(rec)

    def inline_messages(self) -> list[JSON]:
        """Messages created via user_chooses_inline_result, with their edit history."""
        with self.state.cond:
            return copy.deepcopy(list(self.state.inline_messages.values()))

    def wait_for_bot_messages(
        self, chat_id: int, count: int = 1, timeout: float = 10.0, *, after: Marker = None
    ) -> list[JSON]:
        """Wait until the bot has sent ``count`` new messages to the chat; return all new ones.

        "New" means sent after ``after``: by default the latest user event in that chat
        (``user_says``, ``user_presses``, ...), which makes "say something, wait for the reply"
        race-free.  ``after`` may also be an int from ``mark()``, a message dict returned by
        ``user_says``/``bot_messages``, or a callback/inline query id.  Raises AssertionError on
        timeout, with the bot's recent calls and errors to explain why.
        """
        state = self.state
        with state.cond:
            marker = state.resolve_marker(chat_id, after)

            def new_messages() -> list[JSON]:
                return [
                    r for r in state.bot_records if r["chat_id"] == chat_id and r["seq"] > marker
                ]

            if not state.cond.wait_for(lambda: len(new_messages()) >= count, timeout):
                raise AssertionError(
                    f"expected {count} bot message(s) in chat {chat_id} within {timeout}s, "
                    f"got {len(new_messages())}\n{state.diagnostics(chat_id)}"
                )
            return copy.deepcopy(new_messages())

    def wait_for_bot_text(
        self,
        chat_id: int,
        match: str | re.Pattern[str] | Callable[[JSON], bool],
        timeout: float = 10.0,
        *,
        after: Marker = None,
    ) -> JSON:
        """Wait for a bot message whose *current* text matches; edits count too.

        Handles "send a placeholder, then edit it into the answer" flows: a message sent or
        edited after the marker qualifies.  ``match`` is a substring or regex searched in
        ``plain_text``, or a predicate on the record.
        """

        def matches(rec: JSON) -> bool:
            if callable(match) and not isinstance(match, re.Pattern):
                return bool(match(copy.deepcopy(rec)))
            text = rec["plain_text"] or ""
            if isinstance(match, re.Pattern):
                return match.search(text) is not None
            return match in text

        state = self.state
        with state.cond:
            marker = state.resolve_marker(chat_id, after)

            def find() -> JSON | None:
                for rec in reversed(state.bot_records):
                    if (
                        rec["chat_id"] == chat_id
                        and rec["updated_seq"] > marker
                        and not rec["deleted"]
                        and matches(rec)
                    ):
                        return rec
                return None

            found = state.cond.wait_for(find, timeout)
            if found is None:
                raise AssertionError(
                    f"no bot message in chat {chat_id} matched {match!r} within {timeout}s\n"
                    f"{state.diagnostics(chat_id)}"
                )
            return copy.deepcopy(found)

    def assert_no_bot_message(
        self, chat_id: int, within: float = 1.0, *, after: Marker = None
    ) -> None:
        """Assert the bot stays silent in the chat for ``within`` seconds after the marker.

        The default marker is the latest user event in that chat, so a reply that raced ahead
        of this call is still caught.
        """
        state = self.state
        with state.cond:
            marker = state.resolve_marker(chat_id, after)

            def new_messages() -> list[JSON]:
                return [
                    r for r in state.bot_records if r["chat_id"] == chat_id and r["seq"] > marker
                ]

            if state.cond.wait_for(lambda: bool(new_messages()), within):
                texts = [r["plain_text"] for r in new_messages()]
                raise AssertionError(f"expected silence in chat {chat_id}, bot sent {texts}")

    def wait_for_calls(self, method: str, count: int = 1, timeout: float = 10.0) -> list[JSON]:
        """Wait until the bot made ``count`` completed calls of ``method``; returns call
        records: method, params, status (HTTP), description (for errors), seq."""
        wanted = method.lower()
        state = self.state
        with state.cond:

            def done() -> list[JSON]:
                return [c for c in state.calls if c["method"].lower() == wanted and c["status"]]

            if not state.cond.wait_for(lambda: len(done()) >= count, timeout):
                raise AssertionError(
                    f"expected {count} {method} call(s) within {timeout}s, got "
                    f"{len(done())}\n{state.diagnostics(None)}"
                )
            return copy.deepcopy(done())

    def wait_until(
        self,
        predicate: Callable[[], T | None],
        timeout: float = 10.0,
        description: str = "condition",
    ) -> T:
        """Wait until ``predicate()`` is truthy, re-checking whenever the fake's state changes;
        returns what it gave then (a predicate may give None or False for "not yet").

        The predicate may call the fake's own accessors (the lock is re-entrant).
        """
        state = self.state
        with state.cond:
            result = state.cond.wait_for(predicate, timeout)
            if not result:
                raise AssertionError(
                    f"{description} not met within {timeout}s\n{state.diagnostics(None)}"
                )
            return result

    @property
    def calls(self) -> list[tuple[str, JSON]]:
        """Every Bot API call received, in order, including getUpdates and failed calls.

        Params are normalised: ints are ints and JSON-typed params (reply_markup, entities,
        results, commands, scope, ...) are decoded, whether PTB sent form data or JSON.
        """
        with self.state.cond:
            return [(c["method"], copy.deepcopy(c["params"])) for c in self.state.calls]

    def calls_of(self, method: str) -> list[JSON]:
        """Params of every call of one method (case-insensitive name)."""
        wanted = method.lower()
        with self.state.cond:
            return [
                copy.deepcopy(c["params"])
                for c in self.state.calls
                if c["method"].lower() == wanted
            ]

    @property
    def call_log(self) -> list[JSON]:
        """Calls with outcome: method, params, status, description, abandoned, seq, time."""
        with self.state.cond:
            return copy.deepcopy(self.state.calls)

    @property
    def errors(self) -> list[JSON]:
        """Error answers the bot received -- assert this is empty to catch swallowed 400s.

        Leaves out calls whose client had already hung up (``abandoned`` in ``call_log``): when
        PTB stops polling it cancels its pending getUpdates, and the follow-up getUpdates makes
        Telegram answer the abandoned one with 409, which no one ever sees.
        """
        with self.state.cond:
            return copy.deepcopy(
                [
                    c
                    for c in self.state.calls
                    if c["status"] and c["status"] >= 300 and not c["abandoned"]
                ]
            )

    @property
    def internal_errors(self) -> list[str]:
        """Tracebacks of bugs inside the fake itself (answered as HTTP 500)."""
        with self.state.cond:
            return list(self.state.internal_errors)

    @property
    def inline_answers(self) -> list[JSON]:
        """answerInlineQuery calls that succeeded: inline_query_id, query, user_id, results..."""
        with self.state.cond:
            return copy.deepcopy(self.state.inline_answers)

    @property
    def callback_answers(self) -> list[JSON]:
        """answerCallbackQuery calls that succeeded: callback_query_id, data, text, show_alert."""
        with self.state.cond:
            return copy.deepcopy(self.state.callback_answers)

    @property
    def chat_actions(self) -> list[JSON]:
        """sendChatAction calls that succeeded: chat_id, action, message_thread_id."""
        with self.state.cond:
            return copy.deepcopy(self.state.chat_actions)

    def commands_for(self, scope: JSON | None = None, language_code: str = "") -> list[JSON]:
        """Commands set for exactly this scope (default: {"type": "default"}) and language."""
        key = (scope_key(scope or {"type": "default"}), language_code)
        with self.state.cond:
            return copy.deepcopy(self.state.commands.get(key, []))

    def description(self, language_code: str = "", *, short: bool = False) -> str:
        """The bot's description (or short description) as set for ``language_code``, or as
        Telegram shows it to a user of that language: the dedicated one, else the default."""
        kind = "short_description" if short else "description"
        with self.state.cond:
            descriptions = self.state.descriptions
            return descriptions.get((kind, language_code), descriptions.get((kind, ""), ""))

    def pending_updates(self) -> list[JSON]:
        """Updates not yet confirmed by the bot through getUpdates' offset."""
        with self.state.cond:
            return copy.deepcopy(self.state.updates)

    @property
    def webhook_url(self) -> str:
        with self.state.cond:
            return self.state.webhook_url

    @property
    def webhook_deliveries(self) -> list[JSON]:
        """Every webhook push: update_id and the HTTP status the bot answered (0: none)."""
        with self.state.cond:
            return copy.deepcopy(self.state.deliveries)
