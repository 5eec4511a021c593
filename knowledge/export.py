"""The export file: JSON Lines that say where they begin and prove where they end.

    {"type": "citebot-export", "version": 2}                     the header
    {"type": "article", "title": ..., "paragraphs": [...], ...}  one record a line
    {"type": "feedback", "question": ..., "value": -1, "reason": ..., "answer": [...]}
    {"type": "question", "question": ..., "found": false, ...}   a declined question
    {"type": "end", "records": 2, "sha256": "9f86d0..."}         the trailer

The trailer counts the records and holds the SHA-256 of every byte before it (the header and the
record lines with their newlines). An export whose trailer is missing or does not match was cut
short or changed, and is refused whole (``DamagedExport``) before anything is imported: someone
restoring a knowledge base wants all of it or a clear no, not the first 19 of 40 articles.
Exports of version 1 (no trailer) are still read, with a warning that a cut cannot be noticed.

Feedback records carry the reason of a 👎 and the quotes the answer gave, and declined
questions without a vote come as "question" records; an export without them (made by an older
citebot) is read with no reason and no answer kept.

Each record is checked against a schema with the limits of an upload (``RecordLimits``) before
it reaches the knowledge base; a bad record becomes a one-line reason and the others go in.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, BinaryIO, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from knowledge.errors import DamagedExport, InputError

EXPORT_VERSION = 2
READABLE_VERSIONS = (1, 2)
HEADER_TYPE = "citebot-export"
TRAILER_TYPE = "end"


@dataclass(frozen=True)
class RecordLimits:
    """What one record may hold: an article's text as much as an upload, a question as much as
    a question asked."""

    text_bytes: int
    question_chars: int

    @property
    def line_bytes(self) -> int:
        """A record's line: its text with JSON's escapes (at most about twice as long for
        text full of quotes and backslashes) and its metadata."""
        return 2 * self.text_bytes + 65_536


_Int64 = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]
_Short = Annotated[str, StringConstraints(max_length=1000)]
_Tag = Annotated[str, StringConstraints(max_length=32)]


def _timestamp(value: str | None) -> str | None:
    """An ISO 8601 time as the store keeps it (UTC, seconds); a time without a zone is UTC."""
    if value is None:
        return None
    if len(value) > 64:
        raise ValueError("not an ISO 8601 time")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("not an ISO 8601 time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _limits(info: ValidationInfo) -> RecordLimits:
    """The limits ``read_records`` validates with (a record is never checked without them)."""
    if not isinstance(info.context, RecordLimits):
        raise TypeError("records are validated with RecordLimits as the context")
    return info.context


def _question_length(value: str, info: ValidationInfo) -> str:
    limits = _limits(info)
    if len(value) > limits.question_chars:
        raise ValueError(f"longer than a question may be ({limits.question_chars} characters)")
    return value


class _Record(BaseModel):
    # Strict: "paragraphs": "text" is not a list of one character each, 1 is not True. Fields
    # a later version adds are ignored, so its exports still import.
    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


class ArticleRecord(_Record):
    """An article as exported: its paragraphs and metadata (its id comes from the text)."""

    type: Literal["article"]
    title: _Short | None = None
    source: _Short | None = None
    url: Annotated[str, StringConstraints(max_length=8192)] | None = None
    lang: _Tag | None = None
    published: Annotated[str, StringConstraints(max_length=64)] | None = None
    format: _Tag = "txt"
    added_at: str | None = None
    paragraphs: list[str] = Field(min_length=1)

    _added_at = field_validator("added_at")(_timestamp)

    @field_validator("paragraphs")
    @classmethod
    def _whole_paragraphs(cls, value: list[str], info: ValidationInfo) -> list[str]:
        stripped = [p.strip() for p in value]
        for number, paragraph in enumerate(stripped, start=1):
            if not paragraph:
                raise ValueError(f"paragraph {number} is empty")
        limits = _limits(info)
        size = sum(len(p.encode("utf-8", "surrogatepass")) for p in stripped)
        if size > limits.text_bytes:
            raise ValueError(
                f"the text is {size} bytes, over the upload limit of {limits.text_bytes}"
            )
        return stripped


class GivenQuoteRecord(_Record):
    """One sentence an answer quoted, with its citation as numbered in that answer."""

    text: Annotated[str, StringConstraints(max_length=20_000)]
    number: Annotated[int, Field(ge=1, le=1000)]
    article_id: _Short
    title: _Short
    source: _Short | None = None
    url: Annotated[str, StringConstraints(max_length=8192)] | None = None
    published: Annotated[str, StringConstraints(max_length=64)] | None = None
    paragraph: Annotated[int, Field(ge=1, le=2**31)]


class FeedbackRecord(_Record):
    """A question with one user's thumbs up (1) or down (-1), the reason of a 👎 when one was
    given, and the answer's quotes when they were kept."""

    type: Literal["feedback"]
    question: str = Field(min_length=1)
    lang: _Tag
    found: bool
    asked_at: str
    chat_id: _Int64 | None = None
    user_id: _Int64
    value: Literal[-1, 1]
    created_at: str
    reason: Literal["wrong_answer", "wrong_source", "not_answered"] | None = None
    answer: Annotated[list[GivenQuoteRecord], Field(max_length=100)] | None = None

    _times = field_validator("asked_at", "created_at")(_timestamp)

    @field_validator("found", mode="before")
    @classmethod
    def _found_as_stored(cls, value: object) -> object:
        """Exports before version 2 wrote SQLite's 0 or 1."""
        return bool(value) if type(value) is int and value in (0, 1) else value

    _question = field_validator("question")(_question_length)


class QuestionRecord(_Record):
    """A question the articles did not answer (and nobody voted on)."""

    type: Literal["question"]
    question: str = Field(min_length=1)
    lang: _Tag
    found: Literal[False] = False
    asked_at: str
    chat_id: _Int64 | None = None
    user_id: _Int64 | None = None

    _times = field_validator("asked_at")(_timestamp)
    _question = field_validator("question")(_question_length)


Record = ArticleRecord | FeedbackRecord | QuestionRecord
_MODELS: dict[str, type[ArticleRecord] | type[FeedbackRecord] | type[QuestionRecord]] = {
    "article": ArticleRecord,
    "feedback": FeedbackRecord,
    "question": QuestionRecord,
}


# -- writing ---------------------------------------------------------------------------------
def write_export(records: Iterable[dict[str, object]], out: BinaryIO) -> int:
    """Write the header, ``records`` and the trailer to ``out``; returns how many records."""
    digest = hashlib.sha256()
    count = 0

    def put(obj: dict[str, object]) -> None:
        line = (json.dumps(obj, ensure_ascii=False) + "\n").encode("utf-8")
        out.write(line)
        digest.update(line)

    put({"type": HEADER_TYPE, "version": EXPORT_VERSION})
    for record in records:
        put(record)
        count += 1
    trailer = {"type": TRAILER_TYPE, "records": count, "sha256": digest.hexdigest()}
    out.write((json.dumps(trailer) + "\n").encode("utf-8"))
    return count


# -- reading ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class ExportFile:
    """An export checked whole: its version, the lines its records are on, a warning if any."""

    path: Path
    version: int
    records: int
    last_record_line: int  # the line before the trailer, or the last line without one
    warning: str | None = None


def check_export(path: Path, limits: RecordLimits) -> ExportFile:
    """Read the export once, checking its header, and its trailer's count and checksum.

    Nothing is imported here: a damaged export is refused before the first record goes in.

    Raises:
        InputError: not a regular file, unreadable, not an export, or an unknown version.
        DamagedExport: the trailer is missing (cut short) or does not match (changed).
    """
    digest = hashlib.sha256()
    through_previous = digest.copy()  # the bytes before the line being read
    before_last = digest.copy()
    version = 0
    last: bytes | None = None
    number = records = 0
    with _open(path) as file:
        for number, line in _lines(file, limits.line_bytes, digest):
            before_last, through_previous = through_previous, digest.copy()
            if number == 1:
                version = _version(path, line)
            elif line is None or line.strip():
                records += 1
            last = line
    if number == 0:
        raise InputError(f"{path}: not a citebot export (no header line)", path=str(path))
    if version == 1:
        warning = (
            f"{path}: an export of version 1 has no trailer, so a file cut short cannot be "
            "told from a whole one; importing what it holds"
        )
        return ExportFile(path, version, records, number, warning)
    trailer = _trailer(last) if number > 1 else None
    if trailer is None:
        raise DamagedExport(
            f"{path}: the export ends without its trailer after {records} records: it was cut "
            "short; nothing imported",
            path=str(path),
            reason="no_trailer",
        )
    records -= 1  # the trailer is not a record
    counted = trailer.get("records")
    if type(counted) is not int or counted != records:
        raise DamagedExport(
            f"{path}: the trailer counts {_short_repr(counted)} records but {records} are "
            "there; nothing imported",
            path=str(path),
            reason="count",
        )
    if trailer.get("sha256") != before_last.hexdigest():
        raise DamagedExport(
            f"{path}: the checksum in the trailer does not match the records: the file was "
            "changed or damaged; nothing imported",
            path=str(path),
            reason="checksum",
        )
    return ExportFile(path, version, records, number - 1)


def read_records(
    export: ExportFile, limits: RecordLimits
) -> Iterator[tuple[int, Record | InputError]]:
    """Each record of a checked export with its line number, validated, or the reason it is
    refused (one line, without the line number)."""
    with _open(export.path) as file:
        for number, line in _lines(file, limits.line_bytes, None):
            if number == 1 or (line is not None and not line.strip()):
                continue
            if number > export.last_record_line:
                return
            yield number, _record(line, limits)


def _record(line: bytes | None, limits: RecordLimits) -> Record | InputError:
    if line is None:
        return InputError(f"the record is over the limit of {limits.line_bytes} bytes")
    try:
        obj = json.loads(line.decode("utf-8"))
    except RecursionError:
        return InputError("not a JSON line (nested too deeply)")
    except UnicodeDecodeError:
        return InputError("not a JSON line (not UTF-8)")
    except ValueError as exc:  # JSONDecodeError, or an integer of more than 4,300 digits
        return InputError(f"not a JSON line ({getattr(exc, 'msg', None) or 'a number too long'})")
    if not isinstance(obj, dict):
        return InputError(f"a record must be a JSON object, not {_json_kind(obj)}")
    kind = obj.get("type")
    model = _MODELS.get(kind) if isinstance(kind, str) else None
    if model is None:
        return InputError(f"unknown record type {_short_repr(kind)}")
    try:
        return model.model_validate(obj, context=limits)
    except ValidationError as exc:
        return InputError(f"bad {kind} record: {_describe(exc)}")
    except RecursionError:
        return InputError("not a JSON line (nested too deeply)")


def _open(path: Path) -> BinaryIO:
    """The export opened for reading; a device or FIFO is refused (reading /dev/zero never
    finds the end of a line)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise InputError(f"{path}: not a regular file, not read", path=str(path))
        return path.open("rb")
    except OSError as exc:
        raise InputError(
            f"{path}: cannot read the export ({exc.strerror})", path=str(path)
        ) from exc


def _lines(file: BinaryIO, limit: int, digest: Any | None) -> Iterator[tuple[int, bytes | None]]:
    """Numbered lines of at most ``limit`` bytes; None for a longer one, which is read through
    in bounded pieces rather than held. Every byte read goes into ``digest``."""
    number = 0
    while True:
        line = file.readline(limit + 1)
        if not line:
            return
        number += 1
        if digest is not None:
            digest.update(line)
        if len(line) > limit and not line.endswith(b"\n"):
            while not line.endswith(b"\n"):
                line = file.readline(1 << 20)
                if not line:
                    break
                if digest is not None:
                    digest.update(line)
            yield number, None
        else:
            yield number, line


def _version(path: Path, line: bytes | None) -> int:
    header = _json_object(line)
    if header is None or header.get("type") != HEADER_TYPE:
        raise InputError(f"{path}: not a citebot export (no header line)", path=str(path))
    version = header.get("version")
    if type(version) is not int or version not in READABLE_VERSIONS:
        readable = ", ".join(str(v) for v in READABLE_VERSIONS)
        raise InputError(
            f"{path}: export version {_short_repr(version)} is not one this citebot reads "
            f"({readable}); nothing imported",
            path=str(path),
            reason="version",
        )
    return version


def _trailer(line: bytes | None) -> dict[str, Any] | None:
    trailer = _json_object(line)
    return trailer if trailer is not None and trailer.get("type") == TRAILER_TYPE else None


def _json_object(line: bytes | None) -> dict[str, Any] | None:
    if line is None:
        return None
    try:
        obj = json.loads(line.decode("utf-8"))
    except (ValueError, RecursionError):
        return None
    return obj if isinstance(obj, dict) else None


def _describe(exc: ValidationError) -> str:
    """The first thing wrong, on one line: where in the record, and what."""
    errors = exc.errors(include_url=False, include_input=False)
    first = errors[0]
    where = ".".join(str(part) for part in first["loc"])
    what = _first_line(first["msg"]).removeprefix("Value error, ")
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}: {what}{more}" if where else f"{what}{more}"


def _json_kind(obj: object) -> str:
    if obj is None:
        return "null"
    return {list: "a list", str: "a string", bool: "a boolean"}.get(type(obj), "a number")


def _short_repr(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _first_line(value: object) -> str:
    return str(value).splitlines()[0] if str(value) else type(value).__name__
