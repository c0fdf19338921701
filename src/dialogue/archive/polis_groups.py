"""How close the report's opinion groups of an imported Pol.is conversation come to Pol.is's own.

Pol.is records each participant's group in the export (`group-id` in
`participants-votes.csv`, blank for someone it did not place). The report clusters the
same votes its own way (`synthesis.opinions`); the adjusted Rand index between the two
partitions, over the participants both placed, says how alike they are (1 the same
grouping, 0 no more alike than chance). The import tests hold it to a floor per real
conversation and `bench/polis_groups.py` prints it for any exports.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from sklearn.metrics import adjusted_rand_score
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.accounts.models import User
from dialogue.archive.polis_read import PARTICIPANTS
from dialogue.dialogues.models import Dialogue, Membership
from dialogue.synthesis.loader import load_source
from dialogue.synthesis.opinions import membership

_PARTICIPANT = re.compile(r"-(\d+)@")  # `polis_write.person_email`: polis-KEY-ID@...


@dataclass(frozen=True, slots=True)
class Agreement:
    score: float  # the adjusted Rand index
    compared: int  # participants both placed in a group
    ours: int  # groups the report found among them
    theirs: int  # groups Pol.is found among them


def polis_groups(directory: Path) -> dict[int, int]:
    """Pol.is's own group of each participant it placed in one."""
    with (directory / PARTICIPANTS).open(encoding="utf-8", newline="") as handle:
        return {
            int(row["participant"]): int(row["group-id"])
            for row in csv.DictReader(handle)
            if (row.get("group-id") or "").strip()
        }


async def report_groups(session: AsyncSession, dialogue: Dialogue) -> dict[int, int]:
    """The report's group of each participant it clustered, by Pol.is participant id."""
    source = await load_source(session=session, dialogue=dialogue, state="draft")
    emails = dict(
        (
            await session.exec(
                select(User.id, User.email)
                .join(Membership, col(Membership.user_id) == col(User.id))
                .where(Membership.dialogue_id == dialogue.id)
            )
        ).all()
    )
    found = {}
    for user_id, label in membership(source.reactions).items():
        matched = _PARTICIPANT.search(emails.get(user_id) or "")
        if matched is not None:  # an imported voter (not someone who joined since)
            found[int(matched.group(1))] = label
    return found


def agreement(ours: dict[int, int], theirs: dict[int, int]) -> Agreement:
    both = sorted(set(ours) & set(theirs))
    score = adjusted_rand_score([theirs[p] for p in both], [ours[p] for p in both])
    return Agreement(
        score=float(score),
        compared=len(both),
        ours=len({ours[p] for p in both}),
        theirs=len({theirs[p] for p in both}),
    )
