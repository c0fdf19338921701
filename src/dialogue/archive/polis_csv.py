"""Reading one CSV file of a Pol.is export row by row, every fault named by file and line.

The file is read as bytes and decoded one physical line at a time, so bad UTF-8 is reported
at its line (a text-mode reader decodes ahead in blocks and cannot say where). A record's
line is the line it starts on: a quoted statement may run over several lines.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from dialogue.archive.errors import ImportFailure
from dialogue.bounds import is_digits


def require(directory: Path, *names: str) -> None:
    """Each file is there; the first missing one is the error."""
    for name in names:
        if not (directory / name).is_file():
            raise ImportFailure("missing from the export directory", file=name)


class CsvFile:
    """One open file of the export: its header, then its records with their line numbers."""

    def __init__(self, directory: Path, name: str, *, header: bool = True) -> None:
        self.name = name
        self.path = directory / name
        require(directory, name)
        self.size = max(self.path.stat().st_size, 1)
        self.consumed = 0  # bytes read so far, for the progress bar
        self._physical = 0  # lines read so far
        self._handle: BinaryIO = self.path.open("rb")
        self._reader = csv.reader(self._decoded(), strict=True)
        try:
            self.header = self._first_row() if header else []
        except ImportFailure:
            self._handle.close()
            raise

    def __enter__(self) -> CsvFile:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._handle.close()

    def fail(self, reason: str, line: int | None) -> ImportFailure:
        return ImportFailure(reason, file=self.name, line=line)

    def _decoded(self) -> Iterator[str]:
        for raw in self._handle:
            self._physical += 1
            self.consumed += len(raw)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise self.fail(f"not valid UTF-8 ({exc.reason})", self._physical) from None
            # The first line may start with a byte-order mark (spreadsheets write one).
            yield text.removeprefix("\ufeff") if self._physical == 1 else text

    def _next(self) -> tuple[int, list[str]] | None:
        start = self._physical + 1
        try:
            row = next(self._reader)
        except StopIteration:
            return None
        except csv.Error as exc:
            raise self.fail(f"malformed CSV ({exc})", start) from None
        return start, row

    def _first_row(self) -> list[str]:
        first = self._next()
        if first is None:
            raise self.fail("empty file, expected a header", 1)
        return [name.strip() for name in first[1]]

    def columns(self, *names: str) -> list[int]:
        """The positions of the named columns; a missing one is an error on the header line."""
        missing = [name for name in names if name not in self.header]
        if missing:
            raise self.fail(f"missing column {', '.join(repr(m) for m in missing)}", 1)
        return [self.header.index(name) for name in names]

    def records(self, width: int) -> Iterator[tuple[int, list[str]]]:
        """Each non-blank record and its first line; one shorter than `width` is an error."""
        while (item := self._next()) is not None:
            line, row = item
            if not row or row == [""]:
                continue
            if len(row) < width:
                raise self.fail(f"expected {width} fields, found {len(row)}", line)
            yield line, row

    def integer(
        self, value: str, column: str, line: int, *, low: int = 0, high: int = 2**53
    ) -> int:
        """A whole number in [low, high) (ids, votes, timestamps), or an error naming the column."""
        text = value.strip()
        # ASCII digits only: int() also reads other scripts' digits and underscores.
        if not is_digits(text.removeprefix("-")):
            raise self.fail(f"{column} must be a whole number, not {text!r}", line)
        number = int(text)
        if not low <= number < high:
            raise self.fail(f"{column} out of range: {number}", line)
        return number

    def fraction(self) -> float:
        return min(self.consumed / self.size, 1.0)
