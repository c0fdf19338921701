"""Writing one dialogue as an archive, streamed table by table in reference order."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import IO, Any

from sqlalchemy import Select, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.archive import jsonlines, people
from dialogue.archive.anonymity import Anonymity, withheld
from dialogue.archive.confidential import confidential
from dialogue.archive.links import translate, translate_keys
from dialogue.archive.records import KINDS, TARGETS, Kind
from dialogue.archive.scope import scoped
from dialogue.archive.values import encode
from dialogue.dialogues.models import Dialogue

Progress = Callable[[float, str], None]
STREAM_ROWS = 1000


class Numbering:
    """Database id -> archive reference, per kind, given in the order records are written."""

    def __init__(self, dialogue_id: int) -> None:
        self.refs: dict[str, dict[int, int]] = {"dialogue": {dialogue_id: 1}}

    def number(self, kind: str, row_id: int) -> int:
        refs = self.refs.setdefault(kind, {})
        refs[row_id] = len(refs) + 1
        return refs[row_id]

    def ref(self, kind: str, row_id: int | None) -> int | None:
        if row_id is None:
            return None
        return self.refs.get(kind, {}).get(row_id)


async def export_archive(
    *,
    session: AsyncSession,
    dialogue: Dialogue,
    identities: bool,
    out: IO[bytes],
    progress: Progress,
) -> dict[str, int]:
    """Write the archive to `out` (the caller reads in one snapshot); the counts written."""
    assert dialogue.id is not None
    queries = {kind.name: _query(kind, dialogue.id, identities) for kind in KINDS}
    counts = {name: await _count(session, query) for name, query in queries.items()}
    numbering = Numbering(dialogue.id)
    anonymity = await Anonymity.load(session=session, dialogue_id=dialogue.id)
    # Notices point forward to the audit entries that caused them.
    async for row in _rows(session, queries["audit"]):
        numbering.number("audit", row["id"])
    origin = people.origin_of(dialogue.slug, encode(dialogue.created_at))
    total, done = sum(counts.values()), 0
    with jsonlines.gzip_writer(out) as archive:
        head = jsonlines.header(
            slug=dialogue.slug, origin=origin, identities=identities, counts=counts
        )
        archive.write(jsonlines.dumps(head))
        for kind in KINDS:
            progress(done / max(total, 1), kind.name)
            async for row in _rows(session, queries[kind.name]):
                record = _record(kind, row, numbering)
                _finish(kind.name, record, row, numbering, identities)
                anonymity.hide(kind.name, record, row)
                archive.write(jsonlines.dumps(record))
            done += counts[kind.name]
    progress(1.0, "written")
    return counts


def _query(kind: Kind, dialogue_id: int, identities: bool) -> Select[Any]:
    if kind.name == "person":
        users = kind.table
        return (
            select(users).where(users.c.id.in_(people.person_ids(dialogue_id))).order_by(users.c.id)
        )
    query = scoped(kind, dialogue_id)
    for left_out in (withheld(kind.name, dialogue_id), confidential(kind.name, dialogue_id)):
        if left_out is not None:
            query = query.where(kind.table.c.id.not_in(left_out))
    if kind.name == "report_snapshot" and not identities:
        # A published report names the people who consented to be named: it travels only
        # in an archive that names them too.
        query = query.where(kind.table.c.id.is_(None))
    return query


async def _count(session: AsyncSession, query: Select[Any]) -> int:
    counting = select(func.count()).select_from(query.subquery())
    result = await session.exec(counting)  # type: ignore[call-overload]
    return int(result.scalar_one())


async def _rows(session: AsyncSession, query: Select[Any]) -> AsyncIterator[dict[str, Any]]:
    result = await session.stream(query.execution_options(yield_per=STREAM_ROWS))
    async for row in result.mappings():
        yield dict(row)


def _record(kind: Kind, row: dict[str, Any], numbering: Numbering) -> dict[str, Any]:
    record: dict[str, Any] = {"type": kind.name}
    if kind.numbered:
        record["ref"] = (
            numbering.ref("audit", row["id"])
            if kind.name == "audit"
            else numbering.number(kind.name, row["id"])
        )
    for name in kind.fields:
        record[name] = encode(row[name])
    for name, target in kind.links.items():
        record[name] = numbering.ref(target, row[name])
    return record


def _finish(
    kind: str, record: dict[str, Any], row: dict[str, Any], numbering: Numbering, identities: bool
) -> None:
    """What one kind needs beyond its columns: pseudonyms, and ids inside JSON values."""
    if kind == "person":
        people.pseudonymise(record, identities=identities)
    elif kind == "audit":
        target = TARGETS.get(row["target_type"])
        record["target_id"] = numbering.ref(target, row["target_id"]) if target else None
        record["before"] = translate(row["before"], numbering.ref)
        record["after"] = translate(row["after"], numbering.ref)
    elif kind == "report":
        record["theme_summaries"] = translate_keys(
            row["theme_summaries"] or {}, "theme", numbering.ref
        )
