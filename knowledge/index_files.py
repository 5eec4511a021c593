"""The BM25 index on disk: one .npz of arrays and one .json of metadata, each written whole.

The index's own persistence, split from knowledge/index.py (which keeps postings in memory and
searches them), so it reads and writes the index's fields directly. A save holds the postings
as one compressed-sparse-row table (terms in id order), the passage lengths, every term's weight
bound and the mean idf, so that a loaded index answers its first questions without computing
any of them; nothing is re-tokenized.
"""

from __future__ import annotations

import json
import math
import os
import time
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

try:  # the compiled inner loops (knowledge/_bm25.c), built at install where a compiler is
    from knowledge import _bm25
except ImportError:  # pragma: no cover - depends on the machine that installed the package
    _bm25 = None

if TYPE_CHECKING:
    from knowledge.index import BM25Index, FloatArray, IntArray

_EMPTY_I = np.zeros(0, dtype=np.int32)


def write(index: BM25Index, directory: Path) -> None:
    """Write ``index`` into ``directory``; a crash leaves the previous save or this one."""
    directory.mkdir(parents=True, exist_ok=True)
    ptr = [0]
    id_parts: list[IntArray] = []
    tf_parts: list[IntArray] = []
    for term in index._terms:
        ids, tfs = index.postings(term)
        id_parts.append(ids)
        tf_parts.append(tfs)
        ptr.append(ptr[-1] + len(ids))
    # Names of this process's own: two processes saving one folder (a bot and `citebot
    # ingest`) must not write into each other's half-finished file. Their renames may still
    # interleave, so both files carry a stamp of this save, and read wants the two to agree.
    suffix = f".{os.getpid()}.tmp"
    stamp = f"{index.generation}-{os.getpid()}-{time.time_ns()}"
    tmp = directory / f"index.npz{suffix}"
    ptr_array = np.asarray(ptr, dtype=np.int64)
    all_ids = np.concatenate(id_parts) if id_parts else _EMPTY_I
    all_tfs = np.concatenate(tf_parts) if tf_parts else _EMPTY_I
    with open(tmp, "wb") as fh:
        np.savez(
            fh,
            ptr=ptr_array,
            ids=all_ids,
            tfs=all_tfs,
            doc_len=index._doc_len,
            bounds=term_bounds(index, ptr_array, all_ids, all_tfs),
            stamp=np.array(stamp),
        )
        fh.flush()
        os.fsync(fh.fileno())
    meta = {
        "terms": index._terms,
        "doc_count": index.doc_count,
        "total_len": index.total_len,
        "generation": index.generation,
        "params": [index.params.k1, index.params.b, index.params.epsilon],
        "stamp": stamp,
        # As the saved state has it, so that a loaded index does not recompute it (13 ms at
        # a million passages) during its first question with a very common term.
        "mean_idf": index.mean_idf() if index.doc_count else None,
    }
    meta_tmp = directory / f"index.json{suffix}"
    meta_tmp.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    # The arrays go first; the metadata names the generation, so it is renamed last.
    os.replace(tmp, directory / "index.npz")
    os.replace(meta_tmp, directory / "index.json")


def read(index: BM25Index, directory: Path) -> BM25Index | None:
    """Fill the empty ``index`` from the save in ``directory``; None when there is none, it is
    torn or unreadable, or it was saved with other parameters than ``index``'s."""
    try:
        meta = json.loads((directory / "index.json").read_text(encoding="utf-8"))
        arrays = np.load(directory / "index.npz")
        if list(meta["params"]) != [index.params.k1, index.params.b, index.params.epsilon]:
            return None
        saved_stamp = str(arrays["stamp"]) if "stamp" in arrays.files else None
        if saved_stamp != meta.get("stamp"):
            return None  # the arrays of one save, the metadata of another
        index._terms = list(meta["terms"])
        index.term_ids = {t: i for i, t in enumerate(index._terms)}
        index._base_ptr = arrays["ptr"]
        index._base_ids = arrays["ids"]
        index._base_tfs = arrays["tfs"]
        index._doc_len = arrays["doc_len"].copy()
        if "bounds" in arrays.files:  # saves before bounds were kept: computed when used
            index._base_bounds = arrays["bounds"]
        live = np.flatnonzero(index._doc_len)
        index._max_id = int(live[-1]) if len(live) else -1
        index.doc_count = int(meta["doc_count"])
        index.total_len = int(meta["total_len"])
        index.generation = int(meta["generation"])
        saved_mean = meta.get("mean_idf")
        index._mean_idf = float(saved_mean) if saved_mean is not None else None
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        return None  # unreadable or torn: rebuilt from the stored terms
    terms = len(index._terms)
    if len(index._base_ptr) != terms + 1 or len(index._base_bounds) not in (0, terms):
        return None
    return index


def term_bounds(index: BM25Index, ptr: IntArray, ids: IntArray, tfs: IntArray) -> FloatArray:
    """Every term's weight bound (see BM25Index._term_bound) over a postings table, a row each.

    Saved with the table, so that a loaded index never scans a term's postings for it: a
    question's first use of a frequent term cost up to a millisecond at 1M passages.
    """
    out = np.empty((len(ptr) - 1, 3), dtype=np.float64)
    if index.compiled and _bm25 is not None:
        _bm25.term_bounds(ptr, ids, tfs, index._doc_len, out.reshape(-1))
        return out
    for t in range(len(ptr) - 1):
        lo, hi = int(ptr[t]), int(ptr[t + 1])
        out[t] = index._bound_of(ids[lo:hi], tfs[lo:hi]) if lo < hi else (0, math.inf, math.inf)
    return out
