"""The index follows the store: the one way an open index learns of any write.

The store is the truth, and every write to it (an ingest, a removal, sentences re-termed after
an alias was learned or the analyzer changed, an import) logs which passages left the index
with which terms and which came (``Store.changes_since``). An index stamped with the generation
it was built at applies what was logged after it: after this process's own write, after another
process's (``citebot ingest`` beside the bot), and after a crash between two saves alike.
"""

from __future__ import annotations

import logging

from knowledge.index import AlreadyIndexed, BM25Index
from knowledge.pgstore.protocol import KnowledgeStore

log = logging.getLogger(__name__)


def catch_up(index: BM25Index, store: KnowledgeStore) -> bool:
    """Apply to ``index`` the logged changes made after ``index.generation``, up to the store's
    generation now; False when the log does not reach back that far or does not fit the index
    (which is then not to be used: rebuild it from the stored terms)."""
    changes = store.changes_since(index.generation)
    if changes is None:
        return False
    try:
        index.remove(changes.left)  # passages it does not hold are skipped
        index.add(changes.came)
    except AlreadyIndexed:  # a passage logged as new that the index holds already
        log.warning("the change log does not fit the index at generation %d", index.generation)
        return False
    index.generation = changes.generation
    return True
