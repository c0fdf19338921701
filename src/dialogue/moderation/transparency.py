"""The public transparency figures of a dialogue: how moderation was done, with no names.

Counts come from the audit log, flags and appeals; names never enter them. A small count
can still point to a person in a small dialogue ("one member was removed in week 3"), so
every count under `SMALL` is published as None ("withheld"), and so is whatever would let
one be worked out from a total and the other parts (`small_counts.withheld`); a median is
given only over at least `SMALL` waits. The exact `Tally` stays inside the server.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from statistics import median

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.moderation.models import Appeal, AppealStatus, AuditEntry, Flag, FlagStatus
from dialogue.policy import CONFIDENTIAL_TARGETS
from dialogue.responses import Public
from dialogue.safety.small_counts import SMALL, shown, withheld
from dialogue.threads.models import Post

QUEUE_DECISIONS = ("post.approve", "post.reject")
UPHELD, OVERTURNED = AppealStatus.UPHELD.value, AppealStatus.OVERTURNED.value
Cell = str | tuple[str, date]  # a total by name, or a week's appeals by (status, Monday)


def median_of(seconds: list[float]) -> float | None:
    return round(median(seconds), 1) if len(seconds) >= SMALL else None


def week_of(moment: datetime) -> date:
    """The Monday of the moment's week (UTC): the weeks the figures are grouped by."""
    day = moment.date()
    return day - timedelta(days=day.weekday())


class ClauseCount(Public):
    clause: str
    applied: int | None


class Week(Public):
    """One week of moderation, from its Monday; None counts are withheld."""

    week: str
    clauses: list[ClauseCount]
    median_queue_seconds: float | None
    appeals_upheld: int | None
    appeals_overturned: int | None


class Figures(Public):
    """The figures themselves; the API's `TransparencyFigures` adds the dialogue's slug."""

    approved: int | None
    rejected: int | None
    hidden: int | None
    hidden_by_flags: int | None
    flags: int | None
    flags_upheld: int | None
    flags_dismissed: int | None
    mutes: int | None
    bans: int | None
    appeals: int | None
    appeals_overturned: int | None
    median_queue_seconds: float | None
    weeks: list[Week]


@dataclass(slots=True)
class Tally:
    """The exact counts, before anything small is withheld."""

    actions: dict[str, int]
    flags: dict[str, int]
    appeals: dict[str, int]
    waits: list[tuple[date, float]]
    clauses: Counter[tuple[date, str]] = field(default_factory=Counter)
    decided: Counter[tuple[date, str]] = field(default_factory=Counter)

    @property
    def seconds(self) -> list[float]:
        return [s for _week, s in self.waits]


async def _grouped(session: AsyncSession, column: object, *where: object) -> dict[str, int]:
    rows = (await session.exec(select(column, func.count()).where(*where).group_by(column))).all()  # type: ignore[call-overload]
    return {str(key): int(n) for key, n in rows}


async def tally(*, session: AsyncSession, dialogue_id: int) -> Tally:
    """Count everything the page shows, exactly (this does not leave the server)."""
    waits = (
        await session.exec(
            select(AuditEntry.created_at, Post.created_at)
            .join(Post, col(Post.id) == col(AuditEntry.target_id))
            .where(
                AuditEntry.dialogue_id == dialogue_id,
                AuditEntry.target_type == "post",
                col(AuditEntry.action).in_(QUEUE_DECISIONS),
            )
        )
    ).all()
    result = Tally(
        actions=await _grouped(
            session,
            AuditEntry.action,
            AuditEntry.dialogue_id == dialogue_id,
            col(AuditEntry.target_type).not_in(CONFIDENTIAL_TARGETS),
        ),
        flags=await _grouped(session, Flag.status, Flag.dialogue_id == dialogue_id),
        appeals=await _grouped(session, Appeal.status, Appeal.dialogue_id == dialogue_id),
        waits=[
            (week_of(decided), max(0.0, (decided - created).total_seconds()))
            for decided, created in waits
        ],
    )
    cited = await session.exec(
        select(AuditEntry.created_at, AuditEntry.clause).where(
            AuditEntry.dialogue_id == dialogue_id,
            col(AuditEntry.clause).is_not(None),
            AuditEntry.clause != "other",
            col(AuditEntry.target_type).not_in(CONFIDENTIAL_TARGETS),
        )
    )
    for moment, clause in cited.all():
        result.clauses[(week_of(moment), str(clause))] += 1
    decided = await session.exec(
        select(Appeal.decided_at, Appeal.status).where(
            Appeal.dialogue_id == dialogue_id, col(Appeal.decided_at).is_not(None)
        )
    )
    for decided_at, status in decided.all():
        if decided_at is not None:
            result.decided[(week_of(decided_at), status)] += 1
    return result


def _clause_key(clause: str) -> tuple[int, str]:
    return (int(clause), clause) if clause.isdigit() else (10**6, clause)


def weeks(counted: Tally, hidden: set[Cell] | None = None) -> list[Week]:
    """Each week with any moderation in it, oldest first; `hidden`: the appeal cells withheld
    beyond the small ones (`published`), so that no total gives one away."""
    hidden = hidden or set()
    waits: dict[date, list[float]] = defaultdict(list)
    for week, seconds in counted.waits:
        waits[week].append(seconds)
    days = sorted({w for w, _c in counted.clauses} | {w for w, _s in counted.decided} | set(waits))

    def appeals(day: date, status: str) -> int | None:
        return None if (status, day) in hidden else shown(counted.decided[(day, status)])

    return [
        Week(
            week=day.isoformat(),
            clauses=[
                ClauseCount(clause=clause, applied=shown(n))
                for (w, clause), n in sorted(
                    counted.clauses.items(), key=lambda item: _clause_key(item[0][1])
                )
                if w == day
            ],
            median_queue_seconds=median_of(waits.get(day, [])),
            appeals_upheld=appeals(day, UPHELD),
            appeals_overturned=appeals(day, OVERTURNED),
        )
        for day in days
    ]


def published(counted: Tally) -> dict[Cell, int | None]:
    """The totals and the weeks' appeal cells as published: every count under `SMALL`
    withheld, and more wherever a total shown beside its parts would give a withheld one
    away by subtraction. The parts no figure shows (posts hidden by hand, flags and appeals
    still open) are private parts of those sums."""
    actions, flags, appeals = counted.actions, counted.flags, counted.appeals
    days = sorted({day for day, _status in counted.decided})
    counts: dict[Cell, int] = {
        "approved": actions.get("post.approve", 0),
        "rejected": actions.get("post.reject", 0),
        "hidden": actions.get("post.hide", 0) + actions.get("post.auto_hide", 0),
        "hidden_by_flags": actions.get("post.auto_hide", 0),
        "flags": sum(flags.values()),
        "flags_upheld": flags.get(FlagStatus.UPHELD.value, 0),
        "flags_dismissed": flags.get(FlagStatus.DISMISSED.value, 0),
        # Sanctions through anonymous posts count too: a number names nobody.
        "mutes": actions.get("member.mute", 0) + actions.get("author.mute", 0),
        "bans": actions.get("member.ban", 0) + actions.get("author.ban", 0),
        "appeals": sum(appeals.values()),
        "appeals_overturned": appeals.get(OVERTURNED, 0),
    }
    for day in days:
        for status in (UPHELD, OVERTURNED):
            counts[(status, day)] = counted.decided[(day, status)]
    weekly_upheld: list[Cell] = [(UPHELD, day) for day in days]
    weekly_overturned: list[Cell] = [(OVERTURNED, day) for day in days]
    # The private parts are what is left of each total, so that every sum holds exactly.
    counts["hidden_by_hand"] = counts["hidden"] - counts["hidden_by_flags"]
    counts["flags_open"] = counts["flags"] - counts["flags_upheld"] - counts["flags_dismissed"]
    counts["appeals_rest"] = (
        counts["appeals"] - counts["appeals_overturned"] - sum(counts[c] for c in weekly_upheld)
    )
    counts["overturned_undated"] = counts["appeals_overturned"] - sum(
        counts[c] for c in weekly_overturned
    )
    private = ("hidden_by_hand", "flags_open", "appeals_rest", "overturned_undated")
    sums: list[tuple[Cell, list[Cell]]] = [
        ("hidden", ["hidden_by_flags", "hidden_by_hand"]),
        ("flags", ["flags_upheld", "flags_dismissed", "flags_open"]),
        ("appeals", ["appeals_overturned", *weekly_upheld, "appeals_rest"]),
        ("appeals_overturned", [*weekly_overturned, "overturned_undated"]),
    ]
    hidden = withheld(counts, sums, private)
    return {
        cell: None if cell in hidden else n for cell, n in counts.items() if cell not in private
    }


async def figures(*, session: AsyncSession, dialogue_id: int) -> Figures:
    """The published figures: totals and weeks, with every small count withheld."""
    counted = await tally(session=session, dialogue_id=dialogue_id)
    cells = published(counted)
    hidden: set[Cell] = {c for c, n in cells.items() if n is None and isinstance(c, tuple)}
    totals = {cell: n for cell, n in cells.items() if isinstance(cell, str)}
    return Figures(
        **totals,
        median_queue_seconds=median_of(counted.seconds),
        weeks=weeks(counted, hidden),
    )
