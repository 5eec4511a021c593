"""One exception tree for the knowledge base; front ends turn it into words for a person.

    KnowledgeError                 anything the knowledge base refuses or cannot do
    ├── InputError                 the caller's input is at fault (exit code 2 in the CLI)
    │   ├── UnsupportedFormat      a file type we do not read
    │   ├── FileTooLarge           over the configured size limit
    │   ├── EmptyDocument          nothing readable inside
    │   ├── UnreadableDocument     binary, corrupt, undecodable, or a decompression bomb
    │   ├── BadQuestion            empty or over-long question
    │   ├── BadDestination         a path we will not write to (a folder, device, link, no folder)
    │   ├── DamagedExport          an export cut short or changed: nothing of it is imported
    │   ├── FetchRefused           a link we will not fetch (scheme, credentials, private address)
    │   └── FetchFailed            a link we could not get whole (network, status, size, encoding)
    ├── NotFound                   no article with that id
    │   └── AmbiguousId            a short id that starts several ids (listed in params)
    ├── WriteFailed                writing an export or backup failed (disk full, I/O error)
    ├── IngestProcessDied          a worker process of a bulk ingest (knowledge/bulk.py) died:
    │                              the ingest stops, the articles stored before are whole
    ├── StoreError                 the store itself failed (disk, schema)
    │   ├── StoreChanged           another process wrote since a write was planned (retried)
    │   ├── StoreUnavailable       the database is out of reach for now (down, restarting,
    │   │                          failing over); the same call may succeed once it is back
    │   ├── DamagedStore           the store file is damaged: restore a backup, export the rest
    │   └── ProcessStopped         the child process serving the knowledge base stopped or was
    │                              closed (knowledge/worker.py): the store is out of reach
    └── DamagedIndex               a saved index fails its checks (the knowledge base rebuilds
                                   it from the store; never reaches a front end)

Every error carries a stable ``code`` and the ``params`` that went into its English message, so
that the bot can render the same refusal in Chinese without parsing English text.
"""

from __future__ import annotations

from typing import Any, ClassVar


class KnowledgeError(Exception):
    """Base class; ``str(err)`` is a one-line English message fit for a person."""

    code: ClassVar[str] = "error"

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message)
        self.params: dict[str, Any] = params


class InputError(KnowledgeError):
    code = "bad_input"


class UnsupportedFormat(InputError):
    code = "unsupported_format"


class FileTooLarge(InputError):
    code = "too_large"


class EmptyDocument(InputError):
    code = "empty"


class UnreadableDocument(InputError):
    code = "unreadable"


class BadQuestion(InputError):
    code = "bad_question"


class BadDestination(InputError):
    code = "bad_destination"


class DamagedExport(InputError):
    code = "damaged_export"


class FetchRefused(InputError):
    """The URL is not one we will fetch: bad scheme, credentials, or a non-public address."""

    code = "fetch_refused"


class FetchFailed(InputError):
    """We tried and could not get the page whole: network, timeout, HTTP status, size, encoding,
    or a body that ended before its end."""

    code = "fetch_failed"


class NotFound(KnowledgeError):
    code = "not_found"


class AmbiguousId(NotFound):
    code = "ambiguous_id"


class WriteFailed(KnowledgeError):
    code = "write_failed"


class IngestProcessDied(KnowledgeError):
    """A worker process of a bulk ingest ended without answering (killed, out of memory); the
    ingest stops there. ``params["exit_code"]`` is its exit code."""

    code = "ingest_process_died"


class StoreError(KnowledgeError):
    code = "store"


class StoreChanged(StoreError):
    """Another process wrote to the store after the caller read what its write depends on;
    nothing was written, and the caller plans the write again from the store as it is now."""

    code = "store_changed"


class StoreUnavailable(StoreError):
    """The database is out of reach for now: down, restarting or failing over, the network
    between, or no connection to it within the connect timeout. A write is never left half
    done: rolled back whole, or (cut off as it committed) kept whole; the same call may succeed
    once the database is back, so a front end says "try again" rather than that the input was
    at fault."""

    code = "store_unavailable"


class DamagedStore(StoreError):
    """The SQLite file is damaged (malformed pages, undecodable text, a missing column) or is
    not a store at all (0 bytes); ``params["path"]`` names it."""

    code = "damaged_store"


class ProcessStopped(StoreError):
    """The process serving the knowledge base (knowledge/worker.py) ended before it answered,
    or was closed; the next call after a crash starts a new one. A StoreError still, since to
    the caller the store is out of reach as when its disk fails (a bot keeps a chat's default
    settings then, say)."""

    code = "process_stopped"


class DamagedIndex(KnowledgeError):
    """A saved index is unreadable or fails a check (a checksum, its store's id): the
    knowledge base rebuilds it from the store and says so in the log."""

    code = "damaged_index"
