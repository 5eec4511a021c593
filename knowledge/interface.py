"""What a front end may ask of the knowledge base, written once.

``KnowledgeService`` lists the calls; ``KnowledgeBase`` (knowledge/service.py) answers them in
this process, ``KnowledgeWorker`` (knowledge/worker.py) forwards them by name to a child process
that holds a ``KnowledgeBase``, so a new call is declared here and defined in the service, and
the proxy needs nothing more. Calls marked ``@write`` may take seconds (an upload is parsed and
analysed); the child runs them in a lane of their own so that questions go on meanwhile. Calls
marked ``@quick`` are one short statement on the store that a front end waits on before it may
answer (a webhook update claimed, a turn of a shared rate limit): they have a lane of their own
too, so that they never queue behind questions or writes.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

from knowledge.models import Answer, Article, ChatSettings, Gaps, GivenAnswer, IngestResult, Lang
from knowledge.store import Claim as Claim  # what coordination calls give: front ends
from knowledge.store import Turn as Turn  # import them from here, not from the store
from knowledge.store import Window as Window

if TYPE_CHECKING:
    from knowledge.ingest import BatchReport

_Method = TypeVar("_Method", bound=Callable[..., object])

_WRITE_MARK = "__knowledge_write__"


_QUICK_MARK = "__knowledge_quick__"


def write(method: _Method) -> _Method:
    """Marks a call of ``KnowledgeService`` as a write (see ``WRITES``)."""
    setattr(method, _WRITE_MARK, True)
    return method


def quick(method: _Method) -> _Method:
    """Marks a call of ``KnowledgeService`` as quick (see ``QUICK``)."""
    setattr(method, _QUICK_MARK, True)
    return method


class KnowledgeService(Protocol):
    """The knowledge base as the front ends see it; every exception is a KnowledgeError.

    Arguments and results are plain values (they travel pickled to a child process): the
    docstrings of ``KnowledgeBase``'s methods say what each gives.
    """

    def ask(
        self,
        question: str,
        *,
        chat_id: int | None = None,
        user_id: int | None = None,
        log_it: bool = True,
        max_quotes: int | None = None,
        after: str | None = None,
        lang: Lang | None = None,
    ) -> Answer: ...

    def more(self, answer: Answer) -> Answer: ...

    def recall(self, question_id: int, *, lang: Lang | None = None) -> Answer: ...

    def examples(self, lang: Lang, count: int = 2) -> tuple[str, ...]: ...

    def feedback(
        self, question_id: int, user_id: int, value: int, reason: str | None = None
    ) -> None: ...

    def gaps(self, limit: int = 20, since: datetime | None = None) -> Gaps: ...

    def given_answer(self, question_id: int) -> GivenAnswer: ...

    def chat_settings(self, chat_id: int) -> ChatSettings: ...

    def set_chat_settings(
        self, chat_id: int, settings: ChatSettings, *, user_id: int | None = None
    ) -> ChatSettings: ...

    @write
    def ingest_bytes(
        self,
        data: bytes,
        filename: str,
        *,
        title: str | None = None,
        source: str | None = None,
        url: str | None = None,
        content_type: str | None = None,
    ) -> IngestResult: ...

    @write
    def ingest_file(
        self,
        path: Path,
        *,
        root: Path | None = None,
        follow_symlinks: bool = False,
        **overrides: str | None,
    ) -> IngestResult: ...

    @write
    def ingest_text(self, text: str, **overrides: str | None) -> IngestResult: ...

    @write
    def ingest_url(
        self, url: str, *, allowed_hosts: Collection[str] = (), timeout: float = 10.0
    ) -> IngestResult: ...

    @write
    def remove(self, article_id: str) -> Article: ...

    @write
    def ensure_content(self) -> BatchReport | None: ...

    @write
    def backup(self, target: Path) -> None: ...

    def article(self, article_id: str) -> Article: ...

    def list(self, offset: int = 0, limit: int = 1000) -> list[Article]: ...

    def passage_text(self, article_id: str, paragraph: int) -> str: ...

    def stats(self) -> dict[str, int | float]: ...

    # What replicas coordinate through the store (knowledge/coordination.py).
    @quick
    def claim_update(self, bot_id: int, update_id: int, owner: str, lease: float) -> Claim: ...

    @quick
    def renew_claims(
        self, bot_id: int, update_ids: Sequence[int], owner: str, lease: float
    ) -> None: ...

    @quick
    def finish_update(self, bot_id: int, update_id: int, owner: str) -> None: ...

    @quick
    def take_turn(self, windows: Sequence[Window]) -> Turn: ...

    def forget_shared(self, kept: float) -> int: ...

    def close(self) -> None: ...


# The calls by name, and those marked @write or @quick; "close" ends the service rather than
# being a call to forward (the proxy's own close tells the child to close its knowledge base).
CALLS = frozenset(
    name
    for name, member in vars(KnowledgeService).items()
    if callable(member) and not name.startswith("_") and name != "close"
)
WRITES = frozenset(
    name for name in CALLS if getattr(vars(KnowledgeService)[name], _WRITE_MARK, False)
)
QUICK = frozenset(
    name for name in CALLS if getattr(vars(KnowledgeService)[name], _QUICK_MARK, False)
)
