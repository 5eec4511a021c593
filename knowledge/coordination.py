"""What the replicas of a front end agree on through the shared store, besides the knowledge:
which replica handles each update Telegram delivers, and the turns of rate limits they share.

``Coordination`` gives ``KnowledgeBase`` (knowledge/service.py) these calls of
``KnowledgeService``, each handed to the store (a ``KnowledgeStore``: SQLite, or the PostgreSQL
database the replicas share), so that a front end reaches them through the knowledge base or
its process like any other call, and never opens the store itself. The knowledge base knows
nothing of Telegram: an update is a bot id and an update id, a turn a key and a window.
"""

from __future__ import annotations

from collections.abc import Sequence

from knowledge.pgstore.protocol import KnowledgeStore
from knowledge.store import Claim, Turn, Window


class Coordination:
    """The calls replicas coordinate through; ``store`` is the knowledge base's store."""

    store: KnowledgeStore

    def claim_update(self, bot_id: int, update_id: int, owner: str, lease: float) -> Claim:
        """Claim update ``update_id`` of bot ``bot_id`` for ``owner`` (one id per running
        replica) for ``lease`` seconds. "claimed": nobody had it; "taken_over": another
        claim's lease ran out (its replica died): handle it, in both cases. "finished": it was
        handled, send nothing; "busy": a claim still holds, let it be delivered again later.

        Raises:
            StoreError: the store is read-only or out of reach.
        """
        return self.store.claim_update(bot_id, update_id, owner, lease)

    def renew_claims(
        self, bot_id: int, update_ids: Sequence[int], owner: str, lease: float
    ) -> None:
        """``owner`` is still handling ``update_ids``: its claims on them hold ``lease``
        seconds from now (others' claims are left alone). StoreError as ``claim_update``."""
        self.store.renew_claims(bot_id, update_ids, owner, lease)

    def finish_update(self, bot_id: int, update_id: int, owner: str) -> None:
        """Update ``update_id`` was handled: its later deliveries get "finished" from
        ``claim_update``. StoreError as ``claim_update``."""
        self.store.finish_update(bot_id, update_id, owner)

    def take_turn(self, windows: Sequence[Window]) -> Turn:
        """A turn in every window of ``windows`` at once, each a (key, limit, seconds): taken
        when each had fewer than ``limit`` turns in its last ``seconds``, counted by every
        process using the store; else ``Turn(taken=False)`` with the seconds until all have
        room, and ``notice`` on the first window's first refusal since it had room (to tell a
        person once, not once per message). StoreError as ``claim_update``."""
        return self.store.take_turn(windows)

    def forget_shared(self, kept: float) -> int:
        """Drop the updates claimed, and the turn keys last used, over ``kept`` seconds ago;
        how many rows went. StoreError as ``claim_update``."""
        return self.store.forget_shared(kept)
