"""Citing the code of conduct: a reason names a clause of the version in force, or none."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.dialogues import service as dialogues
from dialogue.dialogues.conduct import parse_clauses
from dialogue.dialogues.models import Dialogue
from dialogue.error_codes import ErrorCode
from dialogue.errors import Invalid
from dialogue.i18n import gettext as _

OTHER = "other"


@dataclass(frozen=True, slots=True)
class Citation:
    clause: str | None
    version: int | None


async def current_clauses(*, session: AsyncSession, dialogue: Dialogue) -> list[str]:
    conduct = await dialogues.current_conduct(session=session, dialogue=dialogue)
    return [c.number for c in parse_clauses(conduct.text)] if conduct else []


async def cite(
    *, session: AsyncSession, dialogue: Dialogue, clause: str | None, allow_other: bool = False
) -> Citation:
    """Check a cited clause against the code in force and pin the version it was cited in."""
    if clause is None or clause == "":
        return Citation(clause=None, version=None)
    clause = clause.strip()
    if allow_other and clause == OTHER:
        return Citation(clause=OTHER, version=None)
    if clause not in await current_clauses(session=session, dialogue=dialogue):
        raise Invalid(
            _("There is no clause %(clause)s in this dialogue's code of conduct.")
            % {"clause": clause},
            code=ErrorCode.UNKNOWN_CLAUSE,
            fields=[{"field": "clause", "message": "not a clause of the current code"}],
        )
    return Citation(clause=clause, version=dialogue.conduct_version)
