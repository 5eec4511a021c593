"""The BM25 index on disk: one .npz of arrays and one .json of metadata, each written whole.

A save holds the postings (knowledge/index/postings.py, read through its API) as one
compressed-sparse-row table (terms in id order), the passage lengths, every term's weight bound
and the mean idf, so that a loaded index answers its first questions without computing any of
them; nothing is re-tokenized.

The table's two big members (``ids`` and ``tfs``, 0.9 GB at a million passages) are stored
uncompressed, so a load maps them from the file rather than reading them: start-up does not
depend on allocating and filling a gigabyte (0.5 s when the machine is quiet, seconds when it
has just handed memory back), the pages are the page cache's (shared by every process serving
the same folder, and not counted twice), and a save streams them out term by term instead of
concatenating a second copy first.
"""

from __future__ import annotations

import json
import math
import mmap
import os
import struct
import time
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import IO

import numpy as np

from knowledge.errors import DamagedIndex
from knowledge.index import table as tables
from knowledge.index.bm25 import BM25Params, IntArray
from knowledge.index.postings import Postings
from knowledge.index.table import Source, Table
from knowledge.tempfiles import remove_stale, temporary

_EMPTY_I = np.zeros(0, dtype=np.int32)
# The arrays of a save, in its directory, and the metadata beside them.
ARRAYS = "index.npz"
META = "index.json"
_LOCAL_HEADER = struct.Struct("<4s22xHH")  # a zip member's local header: magic ... name, extra
_ALIGN_FIELD = 0xD935  # the extra field id Android's zipalign pads with; readers skip it


@dataclass(frozen=True)
class Header:
    """What a save keeps beside the postings: the scoring's parameters and statistics, and
    which store and generation the index is of."""

    params: BM25Params
    generation: int
    store_id: str | None
    mean_idf: float | None  # as the saved state has it (None for an empty index)


@dataclass(frozen=True)
class Saved:
    """A save as read: its postings (the table mapped from the file), its header and stamp."""

    postings: Postings
    header: Header
    stamp: str | None


def write(postings: Postings, header: Header, directory: Path) -> str:
    """Write the postings into ``directory``; a crash leaves the previous save or this one.
    Returns the save's stamp (which a load of it carries, ``Saved.stamp``)."""
    directory.mkdir(parents=True, exist_ok=True)
    base = postings.base
    terms = len(postings.terms)
    dead = postings.dead_terms()
    changed = postings.changed()
    # A changed term is written part by part (its prefix, then its tail), never joined: a
    # frequent term's would be a copy of 600k postings at a million passages. The postings of
    # removed passages are left out here.
    parts = {tid: postings.parts(tid) for tid in changed}
    lengths = np.zeros(terms, dtype=np.int64)
    lengths[: base.terms] = np.diff(base.ptr)[:terms]
    for tid, term_parts in parts.items():
        lengths[tid] = sum(len(ids) for ids, _ in term_parts) - dead.get(tid, 0)
    ptr_array = np.zeros(terms + 1, dtype=np.int64)
    np.cumsum(lengths, out=ptr_array[1:])
    # Every term's bound: as saved with the base for the terms unchanged since, computed for
    # the others (and for all of an older save that had none); a term that lost postings gets
    # the bound of those it keeps as its tfs are written (_live), before this member is.
    bounds = np.empty((terms, 3), dtype=np.float64)
    saved = min(len(base.bounds), base.terms, terms)
    bounds[:saved] = base.bounds[:saved]
    for tid in sorted({*changed, *range(saved, terms)}):
        bounds[tid] = postings.bound(tid)
    # Names of this process's own: two processes saving one folder (a bot and `citebot
    # ingest`) must not write into each other's half-finished file. Their renames may still
    # interleave, so both files carry a stamp of this save, and read wants the two to agree.
    # A process killed meanwhile leaves its temporaries for the next start to remove.
    stamp = f"{header.generation}-{os.getpid()}-{time.time_ns()}"
    params = header.params
    meta = {
        "terms": postings.terms,
        "doc_count": postings.doc_count,
        "total_len": postings.total_len,
        "generation": header.generation,
        "params": [params.k1, params.b, params.epsilon],
        "stamp": stamp,
        # The store this index was built from: another store's index (a copied folder) may
        # carry the same generation and be nothing like it.
        "store": header.store_id,
        # So that a loaded index does not recompute it during its first question with a very
        # common term.
        "mean_idf": header.mean_idf,
    }
    meta_bytes = json.dumps(meta, ensure_ascii=False).encode("utf-8")
    tmp = temporary(directory / ARRAYS)
    # np.savez's layout (members "name.npy", stored), written member by member; the zip keeps
    # each member's CRC-32, which read checks, and "meta_crc" is that of the metadata file.
    doc_len = postings.lengths
    with open(tmp, "wb") as fh:
        with zipfile.ZipFile(fh, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
            _put(zf, "ptr", [ptr_array], ptr_array.dtype, len(ptr_array))
            total = int(ptr_array[-1])
            for name, which in (("ids", 0), ("tfs", 1)):
                pieces = _table(postings, which, changed, parts, dead, terms, bounds)
                _put(zf, name, pieces, np.dtype(np.int32), total)
            _put(zf, "doc_len", [doc_len], doc_len.dtype, len(doc_len))
            _put(zf, "bounds", [bounds.reshape(-1)], bounds.dtype, bounds.shape)
            stamp_array = np.array(stamp)
            _put(zf, "stamp", [stamp_array.reshape(1)], stamp_array.dtype, ())
            meta_crc = np.array(zlib.crc32(meta_bytes), dtype=np.int64)
            _put(zf, "meta_crc", [meta_crc.reshape(1)], meta_crc.dtype, ())
        fh.flush()
        os.fsync(fh.fileno())
    meta_tmp = temporary(directory / META)
    meta_tmp.write_bytes(meta_bytes)
    # The arrays go first; the metadata names the generation, so it is renamed last.
    os.replace(tmp, directory / ARRAYS)
    os.replace(meta_tmp, directory / META)
    return stamp


def _table(
    postings: Postings,
    which: int,
    changed: list[int],
    parts: dict[int, list[tuple[IntArray, IntArray]]],
    dead: dict[int, int],
    terms: int,
    bounds: np.ndarray,
) -> Iterator[np.ndarray | bytes]:
    """The postings table's ids (``which`` 0) or tfs (1), terms in order: the changed terms'
    from memory (those of live passages), the runs of unchanged ones between them as the base
    has them.

    Where the base was loaded from a file, those runs are read from the file with pread
    rather than through the mapping: a save would otherwise fault every page of the old
    table into the process (0.9 GB at a million passages) while it writes the new one.
    """
    base = postings.base
    source = base.sources[which] if base.sources else None
    table = base.ids if which == 0 else base.tfs
    start = 0
    for tid in [*changed, terms]:
        lo, hi = base.ptr[min(start, base.terms)], base.ptr[min(tid, base.terms)]
        if hi > lo:
            yield from source.pieces(int(lo), int(hi)) if source else [table[lo:hi]]
        if tid < terms and tid in dead:
            yield from _live(postings, tid, which, bounds)
        elif tid < terms:
            yield from (part[which] for part in parts[tid])
        start = tid + 1


def _live(postings: Postings, tid: int, which: int, bounds: np.ndarray) -> Iterator[np.ndarray]:
    """A term's ids or tfs of live passages only, part by part; a prefix in the mapped base
    is read with pread, as _table reads the unchanged terms. With the tfs, the bound of those
    postings goes to ``bounds[tid]``."""
    term_parts = postings.parts(tid)
    base = postings.base
    if base.sources and postings.prefix_in_base(tid) and term_parts:
        lo, hi = int(base.ptr[tid]), int(base.ptr[tid + 1])
        if hi > lo:  # the first part is the base's: read it from the file instead
            ids = base.sources[0].read(lo, hi)
            tfs = base.sources[1].read(lo, hi) if which else ids
            term_parts = [(ids, tfs), *term_parts[1:]]
    if which:
        parts_bounds = [postings.bound_of(ids, tfs) for ids, tfs in term_parts]  # live only
        bounds[tid] = (
            max(b[0] for b in parts_bounds),
            min(b[1] for b in parts_bounds),
            min(b[2] for b in parts_bounds),
        )
    lengths = postings.lengths
    for ids, tfs in term_parts:
        yield (ids if which == 0 else tfs)[lengths[ids] > 0]


def _put(
    zf: zipfile.ZipFile,
    name: str,
    pieces: Iterable[np.ndarray | bytes],
    dtype: np.dtype,
    shape: int | tuple[int, ...],
) -> None:
    """One member as np.save writes it: an .npy header for ``shape``, then the pieces (arrays
    of ``dtype``, or their bytes)."""
    header = {
        "descr": np.lib.format.dtype_to_descr(dtype),
        "fortran_order": False,
        "shape": shape if isinstance(shape, tuple) else (shape,),
    }
    info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
    info.extra = _padding(zf, info)
    with zf.open(info, "w", force_zip64=True) as out:
        np.lib.format.write_array_header_2_0(out, header)
        for piece in pieces:
            if isinstance(piece, bytes):
                out.write(piece)
            else:
                array = np.ascontiguousarray(piece, dtype=dtype).reshape(-1)
                out.write(array.view(np.uint8).data)


def _padding(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """An extra field that puts the member's data on a 64-byte boundary of the file, so that
    it can be mapped as an aligned array (np.savez's members start anywhere)."""
    try:
        position = zf.fp.tell()  # type: ignore[union-attr]
    except (OSError, AttributeError):
        return b""  # a stream (a pipe): nobody maps it
    # Local header, name, this field's own 4 bytes, the 20-byte zip64 field force_zip64 adds;
    # version 2.0 .npy headers end on a multiple of 64 themselves.
    start = position + _LOCAL_HEADER.size + len(info.filename.encode()) + 4 + 20
    pad = -start % 64
    return struct.pack("<HH", _ALIGN_FIELD, pad) + bytes(pad)


def read(
    directory: Path, params: BM25Params, *, compiled: bool, verify: bool = True
) -> Saved | None:
    """The save in ``directory`` (its postings computing bounds in C when ``compiled``); None
    when there is none, it was saved with other parameters than ``params``, or its two files
    are of two saves (two processes' renames interleaved: not damage, and rebuilt like a
    missing save).

    With ``verify``, every member is checked against its CRC-32 (the postings are mapped, so
    nothing else would read them whole) and the metadata against the one the arrays keep.

    Raises:
        DamagedIndex: a file is missing, empty, truncated or unreadable, or fails a check.
    """
    try:
        meta_bytes = (directory / META).read_bytes()
    except FileNotFoundError:
        return None  # never saved (or the first save was cut before its metadata)
    except OSError as exc:
        raise _damaged(directory, f"{META} cannot be read: {exc.strerror}") from exc
    try:
        meta = json.loads(meta_bytes.decode("utf-8"))
        saved_params = list(meta["params"])
    except (ValueError, KeyError, TypeError) as exc:
        raise _damaged(directory, f"{META} is not an index's metadata") from exc
    if saved_params != [params.k1, params.b, params.epsilon]:
        return None
    try:
        with np.load(directory / ARRAYS) as arrays:
            saved_stamp = str(arrays["stamp"]) if "stamp" in arrays.files else None
            if saved_stamp != meta.get("stamp"):
                return None  # the arrays of one save, the metadata of another
            if verify:
                _verify(arrays, meta_bytes)
            ptr = arrays["ptr"]
            ids, ids_source = _mapped(arrays, "ids")
            tfs, tfs_source = _mapped(arrays, "tfs")
            sources = (ids_source, tfs_source) if ids_source and tfs_source else None
            doc_len = arrays["doc_len"].copy()
            table = Table(ptr, ids, tfs, sources=sources)
            if "bounds" in arrays.files:  # saves before bounds were kept: computed when used
                table = Table(ptr, ids, tfs, arrays["bounds"], sources)
        terms = list(meta["terms"])
        doc_count, total_len = int(meta["doc_count"]), int(meta["total_len"])
        saved_mean = meta.get("mean_idf")
        header = Header(
            params,
            int(meta["generation"]),
            meta.get("store"),
            float(saved_mean) if saved_mean is not None else None,
        )
    except DamagedIndex:
        raise
    except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile) as exc:
        # EOFError: np.load of an empty file.
        raise _damaged(directory, f"{ARRAYS} is unreadable ({exc})") from exc
    if table.terms != len(terms) or len(table.bounds) not in (0, len(terms)):
        raise _damaged(directory, f"{ARRAYS} does not fit {META}")
    if ptr[0] != 0 or ptr[-1] != len(ids) or len(tfs) != ptr[-1]:
        raise _damaged(directory, f"{ARRAYS}'s postings do not fit their table")
    postings = Postings.loaded(table, terms, doc_len, doc_count, total_len, compiled=compiled)
    return Saved(postings, header, saved_stamp)


def remove_leftovers(directory: Path) -> list[Path]:
    """Remove the temporaries of saves whose process ended before renaming them."""
    return remove_stale(directory, (ARRAYS, META))


def _damaged(directory: Path, what: str) -> DamagedIndex:
    return DamagedIndex(f"the saved index in {directory} is damaged: {what}", path=str(directory))


def _verify(arrays: np.lib.npyio.NpzFile, meta_bytes: bytes) -> None:
    """Check every stored member of an open save against the CRC-32 its zip directory keeps,
    and the metadata against the arrays' "meta_crc" (saves before it had none).

    The members are read through the descriptor np.load opened (a save renamed over the file
    meanwhile is not what was loaded), in pieces rather than through a mapping (which would
    fault the whole table into the process). The postings' two members (0.9 GB at a million
    passages) take nearly all the time: they are checked on two threads (zlib lets go of the
    GIL), which about halves it where two cores are free.

    Raises:
        DamagedIndex: naming the first member that fails.
    """
    zf = arrays.zip
    assert zf is not None and zf.fp is not None  # np.load of a file's .npz
    directory = Path(str(zf.filename)).parent
    fd = zf.fp.fileno()
    # zipfile checks a compressed member's CRC itself, as it inflates it.
    stored = [info for info in zf.infolist() if info.compress_type == zipfile.ZIP_STORED]
    workers = 2 if hasattr(os, "pread") else 1  # without pread, reads share one file offset
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="citebot-check") as pool:
        intact = list(pool.map(partial(_intact, fd), stored))
    for info, ok in zip(stored, intact, strict=True):
        if not ok:
            raise _damaged(directory, f"{info.filename} fails its checksum")
    if "meta_crc" in arrays.files and int(arrays["meta_crc"]) != zlib.crc32(meta_bytes):
        raise _damaged(directory, f"{META} fails its checksum")


def _intact(fd: int, info: zipfile.ZipInfo) -> bool:
    """Whether a stored member's bytes in the file open as ``fd`` have the CRC-32 its zip
    directory keeps (False too when the file ends before them)."""
    header = _read_at(fd, _LOCAL_HEADER.size, info.header_offset)
    if len(header) != _LOCAL_HEADER.size:
        return False
    magic, name_len, extra_len = _LOCAL_HEADER.unpack(header)
    if magic != b"PK\x03\x04":
        return False
    position = info.header_offset + _LOCAL_HEADER.size + name_len + extra_len
    crc, left = 0, info.file_size
    while left:
        data = _read_at(fd, min(left, 4 * tables.PIECE), position)
        if not data:
            return False
        crc = zlib.crc32(data, crc)
        position += len(data)
        left -= len(data)
    return crc == info.CRC


def _read_at(fd: int, size: int, offset: int) -> bytes:
    if hasattr(os, "pread"):
        return os.pread(fd, size, offset)
    os.lseek(fd, offset, os.SEEK_SET)  # pragma: no cover - Windows: one reader at a time
    return os.read(fd, size)


def _mapped(arrays: np.lib.npyio.NpzFile, name: str) -> tuple[IntArray, Source | None]:
    """Member ``name`` of an open .npz, mapped read-only from its file where it is stored
    uncompressed and aligned (as every save is), with where it lies in the file; read into
    memory otherwise (with no Source).

    Mapping skips the zip CRC of the member: a torn save is caught by the stamps, and a
    member that does not fit in the file by the bounds checked here.
    """
    zf = arrays.zip
    assert zf is not None  # np.load of a file's .npz, still open
    info = zf.getinfo(f"{name}.npy")
    path = zf.filename
    if info.compress_type != zipfile.ZIP_STORED or path is None:
        return arrays[name], None
    with open(path, "rb") as fh:
        fh.seek(info.header_offset)
        magic, name_len, extra_len = _LOCAL_HEADER.unpack(fh.read(_LOCAL_HEADER.size))
        if magic != b"PK\x03\x04":
            raise ValueError(f"{name}: not a zip member header")
        start = info.header_offset + _LOCAL_HEADER.size + name_len + extra_len
        fh.seek(start)
        shape, fortran, dtype = _npy_header(fh)
        offset = fh.tell()
        count = math.prod(shape)
        if fortran or len(shape) != 1 or dtype != np.int32:
            raise ValueError(f"{name}: not a 1-D int32 array")
        if offset - start + count * dtype.itemsize != info.file_size:
            raise ValueError(f"{name}: its size does not match the zip's")
        if count == 0:
            return _EMPTY_I, None
        if offset % 64:
            return arrays[name], None  # np.savez's: not aligned
        size = os.fstat(fh.fileno()).st_size
        if offset + count * dtype.itemsize > size:
            raise ValueError(f"{name}: runs past the end of the file")
        view = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        # Without pread (Windows) a save reads the base through the mapping instead.
        source = Source(os.dup(fh.fileno()), offset) if hasattr(os, "pread") else None
    if hasattr(mmap, "MADV_WILLNEED"):  # Linux and macOS
        # A hint to read ahead (little is, on this project's machine: a serving knowledge
        # base reads its files through instead, knowledge/readahead.py).
        view.madvise(mmap.MADV_WILLNEED)
    return np.frombuffer(view, dtype=dtype, count=count, offset=offset), source


def _npy_header(fh: IO[bytes]) -> tuple[tuple[int, ...], bool, np.dtype]:
    version = np.lib.format.read_magic(fh)
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(fh)
    return np.lib.format.read_array_header_2_0(fh)
