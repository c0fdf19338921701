"""The archive file: gzip'd JSON lines, a header first, written byte for byte reproducibly."""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from dialogue.archive.errors import ImportFailure
from dialogue.archive.records import KIND

FORMAT = "dialogue-archive"
VERSION = 2  # what this server writes; 2 added post.lang
READS = range(1, VERSION + 1)  # what it restores: every version so far
# A line holds one record; a post's body is far below this. The cap keeps a broken or
# hostile file from making the reader hold an unbounded line in memory.
MAX_LINE = 8 * 1024 * 1024


def dumps(record: dict[str, Any]) -> bytes:
    """One line: sorted keys, no spaces, UTF-8, so equal records give equal bytes."""
    text = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8") + b"\n"


@contextmanager
def gzip_writer(handle: IO[bytes]) -> Iterator[gzip.GzipFile]:
    """No file name and a zero mtime in the gzip header: the same records, the same bytes."""
    with gzip.GzipFile(filename="", mode="wb", fileobj=handle, mtime=0, compresslevel=6) as out:
        yield out


def header(*, slug: str, origin: str, identities: bool, counts: dict[str, int]) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "dialogue": slug,
        "origin": origin,
        "identities": identities,
        "counts": counts,
    }


def check_header(record: dict[str, Any], *, file: str) -> dict[str, int]:
    """The record counts the header announces, or ImportFailure naming line 1."""
    if record.get("format") != FORMAT:
        raise ImportFailure(f"not a dialogue archive (no format {FORMAT!r})", file=file, line=1)
    version = record.get("version")
    if type(version) is not int or version not in READS:
        raise ImportFailure(
            f"archive version {version!r} is not supported "
            f"(this server reads versions {READS.start} to {READS.stop - 1})",
            file=file,
            line=1,
        )
    counts = record.get("counts")
    if (
        not isinstance(counts, dict)
        or not isinstance(record.get("origin"), str)
        or set(counts) - set(KIND)
        or not all(type(n) is int and n >= 0 for n in counts.values())
        or counts.get("dialogue") != 1
    ):
        raise ImportFailure("the header's origin or counts are missing or wrong", file=file, line=1)
    return {name: counts.get(name, 0) for name in KIND}


def read_lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """Each record with its line number, read and decompressed as it goes (never all at once)."""
    file = path.name
    try:
        handle = gzip.open(path, "rt", encoding="utf-8", newline="\n")  # noqa: SIM115 - closed below; an open error has no line
    except OSError as exc:
        raise ImportFailure(f"cannot open: {exc.strerror or exc}", file=file) from exc
    line = 0
    with handle:
        while True:
            line += 1
            try:
                text = handle.readline(MAX_LINE + 1)
            except (OSError, EOFError, zlib.error, UnicodeDecodeError) as exc:
                raise ImportFailure(_unreadable(exc), file=file, line=line) from exc
            if not text:
                return
            if len(text) > MAX_LINE:
                raise ImportFailure(f"longer than {MAX_LINE} characters", file=file, line=line)
            yield line, _parse(text, file=file, line=line)


def _unreadable(exc: BaseException) -> str:
    if isinstance(exc, gzip.BadGzipFile):
        return "not a gzip file (an archive is gzip'd JSON lines)"
    if isinstance(exc, EOFError):
        return "the file ends in the middle (truncated)"
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    return f"cannot be decompressed ({exc})"


def _parse(text: str, *, file: str, line: int) -> dict[str, Any]:
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFailure(f"not valid JSON ({exc.msg})", file=file, line=line) from None
    if not isinstance(record, dict):
        raise ImportFailure("a record must be a JSON object", file=file, line=line)
    return record
