"""A bulk-ingest worker process (started by knowledge/bulk.py): reads files and analyses
articles as the writer tells it, with an analyzer in the writer's state, until its pipe closes.
It never opens the store or the index."""

from __future__ import annotations

import pickle
import signal
import sys
from multiprocessing.connection import Connection

from knowledge.analyze import Analyzer
from knowledge.extract import extract
from knowledge.ingest import Analysed, analyse
from knowledge.paths import read_file

# The token of a worker's first message: whether its analyzer could be built.
READY = -1


def serve(fd: int) -> None:
    """A worker: reads files and analyses articles as told, until its pipe closes."""
    # Ctrl-C reaches the whole process group: the writer decides, and ends the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    conn = Connection(fd)
    spec, max_bytes, passage_sentences = pickle.loads(conn.recv_bytes())
    try:
        analyzer = Analyzer.from_spec(spec)
    except Exception as exc:  # told to the writer, which raises it
        conn.send_bytes(reply(READY, False, exc))
        return
    conn.send_bytes(reply(READY, True, None))
    while True:
        try:
            token, kind, *args = pickle.loads(conn.recv_bytes())
        except (EOFError, OSError):
            return
        if kind == "reset":
            analyzer = Analyzer.from_spec(args[0])
            continue
        try:
            if kind == "read":
                path, root, follow = args
                data = read_file(path, max_bytes, root=root, follow_symlinks=follow)
                value: object = extract(data, path.name, max_bytes=max_bytes)
            else:
                taught, doc = args
                for form, other in taught:
                    analyzer.add_alias(form, other)
                sentences, windows = analyse(doc, analyzer, passage_sentences)
                value = Analysed(sentences, windows, analyzer.state)
        except Exception as exc:  # the writer reports or raises it in order
            conn.send_bytes(reply(token, False, exc))
        else:
            conn.send_bytes(reply(token, True, value))


def reply(token: int, ok: bool, value: object) -> bytes:
    try:
        return pickle.dumps((token, ok, value))
    except Exception:  # an exception that does not pickle: its words do
        return pickle.dumps((token, False, RuntimeError(f"{type(value).__name__}: {value}")))


if __name__ == "__main__":
    serve(int(sys.argv[1]))
