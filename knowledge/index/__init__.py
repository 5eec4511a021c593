"""BM25 over passages: one class owns the postings, the others use its API.

    bm25index.py  BM25Index: add, remove, search, save/load, snapshot/rebase (the one door)
    postings.py   Postings: base table, overlay, tails, dead counts, tombstones; append, kill,
                  parts, snapshot, rebase; lengths, dfs and weight bounds read from them
    updates.py    what an addition computes before it touches the postings (pure)
    changes.py    which terms changed after each snapshot (what a rebase keeps)
    table.py      the postings as a save holds them (one CSR table) and its file sources
    bm25.py       BM25Okapi's formulas, once (knowledge/_bm25.c writes the same in C)
    maxscore.py   the exact top-k search, its loops in C (production) or numpy (reference)
    scratch.py    one thread's buffers by passage id
    files.py      the save on disk: written from the postings' API, read into new postings
    kernel.py     the compiled loops, or None where they were not built

Imports point one way: bm25index -> files, maxscore -> postings -> updates, changes, table ->
bm25 (and kernel).
"""

from knowledge.index.bm25 import BM25Params
from knowledge.index.bm25index import BM25Index
from knowledge.index.files import ARRAYS, remove_leftovers
from knowledge.index.postings import AlreadyIndexed
from knowledge.index.table import is_mapped

__all__ = ["ARRAYS", "AlreadyIndexed", "BM25Index", "BM25Params", "is_mapped", "remove_leftovers"]
