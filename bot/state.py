"""What the bot keeps in memory between updates: rate limits, caches of answers, settings and
memberships, follow-up questions. One instance of each per application, made in one place
(bot.app.build_application) and reached through the typed context (bot.context.Context), so two
applications in one process (tests do this) never share state by accident.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from bot.limits import SharedQuestionLimit
from knowledge.models import Answer

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

RATE_WINDOW = 60.0
ANSWER_CACHE_SIZE = 512
# More questions in flight than this and the bot is behind (see InFlight): at 10-20 ms of CPU
# an answer over 1M passages they are already 0.2-0.3 s of work, about the typing delay.
BUSY_QUESTIONS = 16
# A private message this soon after the asker's previous question may lean on it ("when was it
# founded?"); later, it is a new conversation.
FOLLOW_UP_SECONDS = 300.0
# Questions kept for follow-ups: by message (the bot's answers and the askers' questions, for
# replies to them) and by asker (the previous question in a private chat).
CONVERSATION_SIZE = 4096
# Whether a user belongs to an allowed chat is asked of Telegram at most this often per user:
# inline queries arrive with every key typed, and each check costs a call per allowed chat.
MEMBER_TTL = 600.0
MEMBER_CACHE_SIZE = 10_000
# Telegram lets a bot send about 20 messages a minute into one group (PTB's rate limiter holds
# the rest back, so a burst delays every later answer there). "Source" paragraphs may use at
# most SOURCE_CHAT_SHARE of them, leaving the rest for answers, and one user's presses at most
# SOURCE_USER_SHARE; past either, the paragraph goes to the presser in private.
GROUP_MESSAGES_PER_MINUTE = 20
SOURCE_CHAT_SHARE = 15
SOURCE_USER_SHARE = 3
# Source buttons already answered, remembered per message (bounded, oldest forgotten first).
SHOWN_SOURCES_SIZE = 4096
# Questions whose answer messages are remembered, for edits (see AnsweredMessages).
ANSWERED_SIZE = 4096
# A chat's settings as read from the knowledge base are used for this long (seconds); this
# process's own changes apply at once.
SETTINGS_TTL = 60.0
# Whether a user administers a chat, as getChatMember said, is believed for this long.
ADMIN_TTL = 60.0
CACHE_SIZE = 10_000


@dataclass
class RateLimiter:
    """A sliding one-minute window of questions per user.

    ``check`` says whether to answer and whether to send the "slow down" notice, which goes
    out once per window: a flood of messages gets one notice, not one per message. Kept in
    memory, unless ``shared`` is given (replicas over PostgreSQL, bot/limits.py): then every
    replica counts in the same window in the store.
    """

    limit: int
    window: float = RATE_WINDOW
    clock: Callable[[], float] = time.monotonic
    shared: SharedQuestionLimit | None = None
    _hits: dict[int, deque[float]] = field(default_factory=dict)
    _notified_until: dict[int, float] = field(default_factory=dict)

    async def check(self, user_id: int) -> tuple[bool, bool]:
        """(allowed, send_notice) for one more question from ``user_id``."""
        if self.shared is not None:
            return await self.shared.check(user_id, self.limit, self.window)
        return self.check_here(user_id)

    def check_here(self, user_id: int) -> tuple[bool, bool]:
        """``check`` by this process's own count."""
        now = self.clock()
        hits = self._hits.setdefault(user_id, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) < self.limit:
            hits.append(now)
            return True, False
        if self._notified_until.get(user_id, 0.0) > now:
            return False, False
        self._notified_until[user_id] = hits[0] + self.window
        return False, True


@dataclass
class ChatBudget:
    """What the bot sent into each group in the last minute, so a "Source" press knows whether
    the group can take one more message.

    ``spent`` records every message sent into a group (answers too, through ``reply``), and
    who pressed for it when it was a Source paragraph; ``source_fits`` says whether one more
    Source paragraph stays inside the chat's share and the presser's.
    """

    chat_share: int = SOURCE_CHAT_SHARE
    user_share: int = SOURCE_USER_SHARE
    window: float = RATE_WINDOW
    clock: Callable[[], float] = time.monotonic
    _sent: dict[int, deque[tuple[float, int | None]]] = field(default_factory=dict)

    def spent(self, chat_id: int, count: int = 1, *, pressed_by: int | None = None) -> None:
        """``count`` messages went into ``chat_id`` now (for ``pressed_by``'s Source press)."""
        now = self.clock()
        sent = self._recent(chat_id, now)
        sent.extend((now, pressed_by) for _ in range(count))

    def source_fits(self, chat_id: int, user_id: int) -> bool:
        """Whether one more Source paragraph from ``user_id``'s press may go into the group."""
        sent = self._recent(chat_id, self.clock())
        if len(sent) >= self.chat_share:
            return False
        return sum(1 for _, who in sent if who == user_id) < self.user_share

    def _recent(self, chat_id: int, now: float) -> deque[tuple[float, int | None]]:
        # One deque per group the bot answers in: at most 20-odd entries each.
        sent = self._sent.setdefault(chat_id, deque())
        while sent and sent[0][0] <= now - self.window:
            sent.popleft()
        return sent


# Where a paragraph went (chat id), the answer message it was asked from (chat id, message id),
# and which paragraph (article id, paragraph number).
SourceKey = tuple[int, int, int, str, int]


class ShownSources:
    """Which Source buttons were already answered, so a second press gets a toast, not the
    paragraph again: (chat the paragraph went to, the answer message, article, paragraph).

    Bounded, oldest forgotten first; a restart forgets too, and the paragraph may then be
    shown once more, which costs one message, not a flood.
    """

    def __init__(self, size: int = SHOWN_SOURCES_SIZE) -> None:
        self._items: OrderedDict[SourceKey, None] = OrderedDict()
        self._size = size

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def add(self, key: SourceKey) -> None:
        self._items[key] = None
        self._items.move_to_end(key)
        while len(self._items) > self._size:
            self._items.popitem(last=False)

    def discard(self, key: SourceKey) -> None:
        self._items.pop(key, None)


@dataclass
class InFlight:
    """How many questions the bot is answering right now, to tell when it has fallen behind.

    Past ``busy`` a "typing…" action would take a Bot API request (about 30 a second for the
    whole bot) and event-loop time from answers that are already late, and so make every
    later one later still: a flood of questions at 1M passages halved the answers per second.
    """

    busy: int = BUSY_QUESTIONS
    count: int = 0

    @contextlib.contextmanager
    def one(self) -> Iterator[None]:
        # Handlers run on the event loop, one at a time between awaits: no lock needed.
        self.count += 1
        try:
            yield
        finally:
            self.count -= 1

    @property
    def behind(self) -> bool:
        return self.count > self.busy


class AnswerCache:
    """The latest answers by question id, so "more" needs no second retrieval."""

    def __init__(self, size: int = ANSWER_CACHE_SIZE) -> None:
        self._items: OrderedDict[int, Answer] = OrderedDict()
        self._size = size

    def put(self, answer: Answer) -> None:
        if answer.question_id is None:
            return
        self._items[answer.question_id] = answer
        self._items.move_to_end(answer.question_id)
        while len(self._items) > self._size:
            self._items.popitem(last=False)

    def get(self, question_id: int) -> Answer | None:
        return self._items.get(question_id)


class Conversations:
    """The question each recent message was about, and each asker's previous question, so a
    follow-up can be read with the question it leans on; the knowledge base keeps no such state.

    Both maps are bounded (oldest forgotten first); a previous question older than ``window``
    seconds is not offered.
    """

    def __init__(
        self,
        window: float = FOLLOW_UP_SECONDS,
        size: int = CONVERSATION_SIZE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._window = window
        self._size = size
        self._clock = clock
        self._by_message: OrderedDict[tuple[int, int], str] = OrderedDict()
        self._by_asker: OrderedDict[tuple[int, int], tuple[float, str]] = OrderedDict()

    def asked(self, chat_id: int, user_id: int, question: str, message_id: int) -> None:
        """``user_id`` asked ``question`` in message ``message_id``: their previous question
        from now on (kept before the answer goes out, so the next message finds it)."""
        self._put(self._by_message, (chat_id, message_id), question)
        self._put(self._by_asker, (chat_id, user_id), (self._clock(), question))

    def answered(self, chat_id: int, question: str, message_ids: Sequence[int]) -> None:
        """The bot's messages ``message_ids`` answered ``question``: a reply to one is about it."""
        for message_id in message_ids:
            self._put(self._by_message, (chat_id, message_id), question)

    def about(self, chat_id: int, message_id: int) -> str | None:
        """The question a message was about (a question, or the bot's reply to one)."""
        return self._by_message.get((chat_id, message_id))

    def previous(self, chat_id: int, user_id: int) -> str | None:
        """The asker's previous question in this chat, if asked within the window."""
        kept = self._by_asker.get((chat_id, user_id))
        if kept is None or self._clock() - kept[0] > self._window:
            return None
        return kept[1]

    def _put(
        self, items: OrderedDict[tuple[int, int], Any], key: tuple[int, int], value: Any
    ) -> None:
        items[key] = value
        items.move_to_end(key)
        while len(items) > self._size:
            items.popitem(last=False)


class MemberCache:
    """Verdicts on "is this user in one of the allowed chats?", each kept for ``ttl`` seconds.

    ``verdict`` asks ``lookup`` only when no fresh verdict is kept, and callers asking about
    the same user meanwhile (updates run concurrently) share that one lookup. A lookup that
    could not tell (None: Telegram unreachable) refuses this time and is not kept.
    """

    def __init__(
        self,
        ttl: float = MEMBER_TTL,
        size: int = MEMBER_CACHE_SIZE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl
        self._size = size
        self._clock = clock
        self._verdicts: OrderedDict[int, tuple[float, bool]] = OrderedDict()
        self._pending: dict[int, asyncio.Task[bool]] = {}

    async def verdict(self, user_id: int, lookup: Callable[[int], Awaitable[bool | None]]) -> bool:
        kept = self._verdicts.get(user_id)
        if kept is not None and kept[0] > self._clock():
            return kept[1]
        task = self._pending.get(user_id)
        if task is None:
            task = asyncio.ensure_future(self._look_up(user_id, lookup))
            self._pending[user_id] = task
        # One caller cancelled (a shutdown) must not cancel the lookup the others wait on.
        return await asyncio.shield(task)

    async def _look_up(self, user_id: int, lookup: Callable[[int], Awaitable[bool | None]]) -> bool:
        try:
            found = await lookup(user_id)
        finally:
            del self._pending[user_id]
        if found is None:
            return False
        self._verdicts[user_id] = (self._clock() + self._ttl, found)
        self._verdicts.move_to_end(user_id)
        while len(self._verdicts) > self._size:
            self._verdicts.popitem(last=False)
        return found


class AnsweredMessages:
    """The bot's answer messages by the message they answered, so that an edited question
    gets its answer edited in place rather than a second answer below it.

    Kept in memory and bounded (oldest forgotten first), not in the store: people correct a
    question within minutes of asking it, a restart forgetting costs only that an edit is
    answered as a new message, and the store would gain a write per answer and a table to
    prune for it.
    """

    def __init__(self, size: int = ANSWERED_SIZE) -> None:
        self._items: OrderedDict[tuple[int, int], tuple[int, ...]] = OrderedDict()
        self._size = size
        # Messages being answered now, so that an edit arriving meanwhile waits for the answer.
        self._pending: dict[tuple[int, int], asyncio.Future[None]] = {}

    @contextlib.contextmanager
    def answering(self, chat_id: int, message_id: int) -> Iterator[None]:
        """Around answering a message: ``after`` waits for the block to end."""
        key = (chat_id, message_id)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending[key] = done
        try:
            yield
        finally:
            if self._pending.get(key) is done:
                del self._pending[key]
            done.set_result(None)

    async def after(self, chat_id: int, message_id: int) -> tuple[int, ...] | None:
        """The answer's message ids, once any answer to this message under way is out."""
        pending = self._pending.get((chat_id, message_id))
        if pending is not None:
            await asyncio.shield(pending)
        return self.get(chat_id, message_id)

    def put(self, chat_id: int, message_id: int, answer_ids: Sequence[int]) -> None:
        key = (chat_id, message_id)
        self._items[key] = tuple(answer_ids)
        self._items.move_to_end(key)
        while len(self._items) > self._size:
            self._items.popitem(last=False)

    def get(self, chat_id: int, message_id: int) -> tuple[int, ...] | None:
        return self._items.get((chat_id, message_id))


class TimedCache(Generic[K, V]):
    """Values kept for ``ttl`` seconds, at most ``size`` of them (oldest forgotten first)."""

    def __init__(
        self, ttl: float, size: int = CACHE_SIZE, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl = ttl
        self._size = size
        self._clock = clock
        self._items: OrderedDict[K, tuple[float, V]] = OrderedDict()

    def get(self, key: K) -> V | None:
        kept = self._items.get(key)
        if kept is None or kept[0] <= self._clock():
            return None
        return kept[1]

    def put(self, key: K, value: V) -> None:
        self._items[key] = (self._clock() + self._ttl, value)
        self._items.move_to_end(key)
        while len(self._items) > self._size:
            self._items.popitem(last=False)
