"""What an archive import has written so far, shared by its two steps.

`restore` fills it record by record; `finish` reads it to set the links that point forward
and start the event log. Both import this module rather than each other.
"""

from __future__ import annotations

from array import array
from typing import NoReturn

from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.archive.errors import ImportFailure
from dialogue.archive.records import KIND, KINDS


class RestoreState:
    def __init__(self, *, session: AsyncSession, file: str, merge: bool) -> None:
        self.session, self.file, self.merge = session, file, merge
        self.dialogue_id = 0
        self.ids = {kind.name: array("q") for kind in KINDS}  # this server's id of each ref
        self.added, self.kept = dict.fromkeys(KIND, 0), dict.fromkeys(KIND, 0)
        self.forward: list[tuple[int, int, int]] = []  # line, notice ref, audit ref

    def fail(self, line: int, reason: str) -> NoReturn:
        raise ImportFailure(reason, file=self.file, line=line)

    def lookup(self, kind: str, ref: int) -> int:
        ids = self.ids[kind]
        if not 0 < ref <= len(ids):
            raise ValueError(f"refers to {kind} {ref}, not in the archive before")
        return ids[ref - 1]
