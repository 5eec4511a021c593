"""jieba's dictionary (``Tokenizer.FREQ`` and ``total``), loaded once per process.

jieba keeps its prefix dictionary (about 500,000 words and prefixes) in a cache file read with
``marshal``, which builds the dictionary about three times slower than reading the same words
as one block of text and their counts as one array: jieba's load was half of a knowledge base's
start-up. So the first load also saves the dictionary in that form (``jieba-freq.bin`` in the
cache folder, beside jieba's own cache) and later processes read it instead. The file names the
jieba version and the size and time of the dict.txt it came from, and carries a checksum: a file
that does not match is ignored, the dictionary read from jieba and saved anew. Either way the
caller gets jieba's words and counts in jieba's order, hence the same segmentation.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import zlib
from pathlib import Path

import jieba
import numpy as np

from knowledge.tempfiles import remove_stale, temporary

log = logging.getLogger(__name__)

FILE_NAME = "jieba-freq.bin"
_FORMAT = 1
# Counts as little-endian 64-bit integers, whatever the machine's byte order.
_COUNT = np.dtype("<i8")

_base: tuple[dict[str, int], int] | None = None
_base_lock = threading.Lock()


def base_dictionary(cache_dir: str | None) -> tuple[dict[str, int], int]:
    """jieba's ``FREQ`` (every word and prefix, with its count; prefixes count 0) and
    ``total``, as ``jieba.Tokenizer().initialize()`` leaves them.

    The first caller's ``cache_dir`` holds the caches (jieba's temporary folder when None, and
    then no cache of ours); the dictionary is the same for every data directory, so one copy
    serves the whole process. Callers copy it before adding words.
    """
    global _base
    with _base_lock:
        if _base is None:
            _base = load(cache_dir)
        return _base


def load(cache_dir: str | None) -> tuple[dict[str, int], int]:
    """``FREQ`` and ``total`` read afresh: from the saved file in ``cache_dir`` when it matches
    the installed jieba, else from jieba (then saved there for the next process)."""
    source = _source() if cache_dir is not None else None
    if cache_dir is None or source is None:
        return _from_jieba(cache_dir)
    path = Path(cache_dir) / FILE_NAME
    saved = _read(path, source)
    if saved is None:
        saved = _from_jieba(cache_dir)
        # A process killed while saving left its temporary (9 MB): cleared before saving anew.
        remove_stale(path.parent, (FILE_NAME,))
        _write(path, source, *saved)
    return saved


def _from_jieba(cache_dir: str | None) -> tuple[dict[str, int], int]:
    tokenizer = jieba.Tokenizer()
    if cache_dir is not None:
        Path(cache_dir).mkdir(parents=True, exist_ok=True)
        tokenizer.tmp_dir = cache_dir
    tokenizer.initialize()
    return tokenizer.FREQ, tokenizer.total


def _source() -> dict[str, object] | None:
    """What the saved dictionary is made from (a file made from anything else is not used);
    None when jieba's dict.txt is not a file here (then jieba's own cache serves alone)."""
    try:
        stat = (Path(jieba.__file__).parent / jieba.DEFAULT_DICT_NAME).stat()
    except OSError:
        return None
    return {
        "format": _FORMAT,
        "jieba": jieba.__version__,
        "dict_size": stat.st_size,
        "dict_mtime_ns": stat.st_mtime_ns,
    }


def _read(path: Path, source: dict[str, object]) -> tuple[dict[str, int], int] | None:
    """The dictionary saved at ``path``, or None when there is none or it does not match the
    installed jieba (then it is made again)."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    header_end = data.find(b"\n")
    try:
        header = json.loads(data[:header_end])
        counts_end = header_end + 1 + header["words"] * _COUNT.itemsize
        body = data[header_end + 1 :]
        ok = (
            isinstance(header, dict)
            and {k: header.get(k) for k in source} == source
            and len(data) == counts_end + header["text_bytes"]
            and zlib.crc32(body) == header["crc32"]
        )
        if not ok:
            raise ValueError("made from another dictionary, or damaged")
        counts = np.frombuffer(data, _COUNT, header["words"], header_end + 1).tolist()
        words = data[counts_end:].decode("utf-8").split("\n")
        if len(words) != len(counts):
            raise ValueError("words and counts differ in number")
    except (ValueError, KeyError, TypeError) as exc:
        log.info("jieba dictionary read from jieba again (%s: %s)", path, exc)
        return None
    return dict(zip(words, counts, strict=True)), int(header["total"])


def _write(path: Path, source: dict[str, object], freq: dict[str, int], total: int) -> None:
    """Save ``freq`` and ``total`` for the next process; a dictionary this format cannot hold
    (a word with a line break, a count that is not an integer) or a folder that cannot be
    written is left to jieba's own cache."""
    if any("\n" in word for word in freq) or not all(type(c) is int for c in freq.values()):
        return
    text = "\n".join(freq).encode("utf-8")
    counts = np.fromiter(freq.values(), _COUNT, len(freq)).tobytes()
    header = {
        **source,
        "words": len(freq),
        "text_bytes": len(text),
        "total": total,
        "crc32": zlib.crc32(text, zlib.crc32(counts)),
    }
    tmp = temporary(path)
    try:
        with open(tmp, "wb") as f:
            f.write(json.dumps(header).encode("ascii") + b"\n")
            f.write(counts)
            f.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("could not save jieba's dictionary to %s: %s", path, exc)
        tmp.unlink(missing_ok=True)
