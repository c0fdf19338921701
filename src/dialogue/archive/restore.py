"""Reading an archive into this server: streamed, batched, in the caller's one transaction.

Memory stays bounded by the batch and the id maps: one 8-byte integer per numbered record
(an array, not objects), about 1 MB for 100,000 posts. A merge also holds the keys of the
dialogue's records of the kind being read, to recognise the ones already here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import ColumnElement, literal
from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.archive import jsonlines, people
from dialogue.archive.batches import BATCH, Pending, existing_users, insert_rows, write
from dialogue.archive.errors import ImportFailure
from dialogue.archive.finish import finish
from dialogue.archive.links import translate, translate_keys
from dialogue.archive.records import FORWARD_LINKS, KIND, KINDS, ORDER, TARGETS, Kind
from dialogue.archive.scope import scoped
from dialogue.archive.state import RestoreState
from dialogue.archive.values import decode, reference
from dialogue.db import utcnow
from dialogue.dialogues import service as dialogues
from dialogue.dialogues.schemas import Slug
from dialogue.error_codes import ErrorCode
from dialogue.errors import Conflict, Invalid, NotFound
from dialogue.i18n import gettext as _
from dialogue.threads import search
from dialogue.threads.languages import LANG_TAG

Progress = Callable[[int, int], None]  # records read, records the header announces
PROGRESS_EVERY = 500


@dataclass(frozen=True, slots=True)
class Restored:
    slug: str
    added: dict[str, int]
    kept: dict[str, int]  # already here (a merge)


async def restore(
    *, session: AsyncSession, path: Path, slug: str | None, merge: bool, progress: Progress
) -> Restored:
    """Read the archive at `path` into the session's transaction; the caller commits."""
    if slug is not None:
        try:
            TypeAdapter(Slug).validate_python(slug)
        except ValidationError:
            raise Invalid(
                _("'%(slug)s' is not a slug (a-z, 0-9 and -, 2 to 63 long)") % {"slug": slug}
            ) from None
    lines = jsonlines.read_lines(path)
    first = next(lines, None)
    if first is None:
        raise ImportFailure("the file is empty", file=path.name, line=1)
    counts = jsonlines.check_header(first[1], file=path.name)
    reader = Restorer(
        session=session, file=path.name, header=first[1], counts=counts, slug=slug, merge=merge
    )
    total, line = sum(counts.values()), 1
    for line, record in lines:
        await reader.add(line, record)
        if line % PROGRESS_EVERY == 0:
            progress(line - 1, total)
    await reader.flush()
    reader.check_counts(line)
    await finish(reader)
    progress(total, total)
    return Restored(slug=reader.slug, added=reader.added, kept=reader.kept)


class Restorer(RestoreState):
    """Reads the records one by one, in the order the archive writes them."""

    def __init__(
        self,
        *,
        session: AsyncSession,
        file: str,
        header: dict[str, Any],
        counts: dict[str, int],
        slug: str | None,
        merge: bool,
    ) -> None:
        super().__init__(session=session, file=file, merge=merge)
        self.counts = counts
        self.origin: str = header["origin"]
        self.version: int = header["version"]
        self.slug = slug or ""
        self.seen = dict.fromkeys(KIND, 0)
        self.kind = KINDS[0]
        self.pending = Pending()
        self.known: dict[tuple[Any, ...], int] = {}
        self.emails: set[str] = set()

    async def add(self, line: int, record: dict[str, Any]) -> None:
        kind = self._kind_of(line, record)
        if kind is not self.kind:
            await self.flush()
            self.kind = kind
            self.known = await self._known_keys(kind) if self.merge else {}
        self.seen[kind.name] += 1
        if self.seen[kind.name] > self.counts[kind.name]:
            self.fail(line, f"more {kind.name} records than the header announces")
        row = await self._row(line, kind, record)
        if kind.name == "dialogue":
            await self._open(line, row)
            return
        known = self.known.get(tuple(row[name] for name in kind.key)) if self.known else None
        self.pending.add(line, row, known)
        if len(self.pending) >= BATCH:
            await self.flush()

    def _kind_of(self, line: int, record: dict[str, Any]) -> Kind:
        name = record.get("type")
        kind = KIND.get(name) if isinstance(name, str) else None
        if kind is None:
            self.fail(line, f"unknown record type {str(name)[:40]!r}")
        if ORDER[kind.name] < ORDER[self.kind.name]:
            self.fail(line, f"a {kind.name} record after {self.kind.name} records (out of order)")
        if kind.name != "dialogue" and not self.dialogue_id:
            self.fail(line, "the first record after the header must be the dialogue")
        return kind

    async def _row(self, line: int, kind: Kind, record: dict[str, Any]) -> dict[str, Any]:
        expected = {"type", *kind.columns_in(self.version), *(("ref",) if kind.numbered else ())}
        if missing := sorted(expected - record.keys()):
            self.fail(line, f"a {kind.name} record without {missing[0]!r}")
        if extra := sorted(record.keys() - expected):
            self.fail(line, f"a {kind.name} record with an unknown field {extra[0]!r}")
        if kind.numbered and record["ref"] != self.seen[kind.name]:
            self.fail(line, f"{kind.name} ref must be {self.seen[kind.name]} (1, 2, ... in order)")
        table, row = kind.table, {}
        for name in kind.fields:
            try:
                row[name] = decode(table.c[name], record.get(name), kind.choices.get(name))
            except ValueError as exc:
                self.fail(line, f"{kind.name} {name} {exc}")
        for column, target in kind.links.items():
            row[column] = await self._link(line, kind, column, target, record[column], row)
        self._adapt(line, kind.name, row)
        if "dialogue_id" in table.c:
            row["dialogue_id"] = self.dialogue_id
        return row

    async def _link(
        self, line: int, kind: Kind, column: str, target: str, value: Any, row: dict[str, Any]
    ) -> int | None:
        try:
            ref = reference(value)
        except ValueError as exc:
            self.fail(line, f"{kind.name} {column} {exc}")
        if target == "target":
            target = TARGETS.get(row["target_type"], "")
            if not target and ref is not None:
                self.fail(line, f"an audit target of type {row['target_type']!r} has no reference")
        if ref is None or (kind.name, column) in FORWARD_LINKS:
            if ref is not None:
                self.forward.append((line, self.seen[kind.name], ref))
            elif not kind.table.c[column].nullable:
                self.fail(line, f"{kind.name} {column} may not be null")
            return None
        ids = self.ids[target]
        if target == kind.name and len(ids) < ref < self.seen[target]:
            await self.flush()  # a reply to a post still waiting in the batch
        if not 0 < ref <= len(ids):
            self.fail(
                line, f"{kind.name} {column} refers to {target} {ref}, not in the archive before"
            )
        return ids[ref - 1]

    def _adapt(self, line: int, kind: str, row: dict[str, Any]) -> None:
        try:
            if kind == "person":
                self._person(row)
            elif kind == "audit":
                row["before"] = translate(row["before"], self.lookup)
                row["after"] = translate(row["after"], self.lookup)
            elif kind == "post" and row["lang"] is not None and not LANG_TAG.match(row["lang"]):
                raise ValueError(f"lang {row['lang'][:20]!r} is not a language tag")
            elif kind == "report":
                row["theme_summaries"] = translate_keys(
                    row["theme_summaries"], "theme", self.lookup
                )
        except ValueError as exc:
            self.fail(line, f"{kind} {exc}")

    def _person(self, row: dict[str, Any]) -> None:
        email = people.local_email(row["email"], origin=self.origin)
        if "@" not in email[1:-1] or len(email) > 254:
            raise ValueError(f"email {row['email'][:60]!r} is not an address")
        if email in self.emails:
            raise ValueError(f"email {row['email'][:60]!r} is an earlier person's")
        self.emails.add(email)
        row.update(email=email, is_admin=False, password_hash=None, created_at=utcnow())

    async def _open(self, line: int, row: dict[str, Any]) -> None:
        """Create the dialogue, or find the one to merge into: refuse a second copy by default."""
        self.slug = self.slug or row["slug"]
        here = await dialogues.get_dialogue(session=self.session, slug=self.slug)
        if self.merge:
            if here is None or here.id is None:
                raise NotFound(
                    _("There is no dialogue '%(slug)s' to merge this archive into.")
                    % {"slug": self.slug}
                )
            if here.created_at != row["created_at"]:
                raise Conflict(
                    _("The dialogue '%(slug)s' here is not the one this archive was taken from.")
                    % {"slug": self.slug},
                    code=ErrorCode.OTHER_DIALOGUE,
                )
            self.dialogue_id = here.id
            self.kept["dialogue"] = 1
        else:
            if here is not None:
                raise Conflict(
                    _(
                        "A dialogue with the slug '%(slug)s' exists already: --merge adds what "
                        "it lacks, --slug NEW imports a copy."
                    )
                    % {"slug": self.slug},
                    code=ErrorCode.SLUG_TAKEN,
                )
            row.update(slug=self.slug, last_seq=0)
            table = KIND["dialogue"].table
            [self.dialogue_id] = await insert_rows(self.session, table, [row], numbered=True)
            self.added["dialogue"] = 1
        self.ids["dialogue"].append(self.dialogue_id)

    async def _known_keys(self, kind: Kind) -> dict[tuple[Any, ...], int]:
        if kind.name in ("dialogue", "person"):
            return {}
        table = kind.table
        columns: list[ColumnElement[Any]] = [table.c[name] for name in kind.key]
        columns.append(table.c.id if kind.numbered else literal(0))
        query = scoped(kind, self.dialogue_id).with_only_columns(*columns)
        rows = await self.session.exec(query)  # type: ignore[call-overload]
        return {tuple(row[:-1]): row[-1] for row in rows}

    async def flush(self) -> None:
        if not self.pending:
            return
        kind, pending, self.pending = self.kind, self.pending, Pending()
        if kind.name == "person":
            found = await existing_users(
                self.session, kind.table, [r["email"] for r in pending.rows]
            )
            pending.known = [found.get(row["email"]) for row in pending.rows]
        ids = await write(self.session, kind.table, pending, numbered=kind.numbered, file=self.file)
        self.ids[kind.name].extend(ids)
        fresh = [i for i, known in enumerate(pending.known) if known is None]
        self.added[kind.name] += len(fresh)
        self.kept[kind.name] += len(pending) - len(fresh)
        if kind.name == "post":
            rows = pending.rows
            posts = [(ids[i], rows[i]["status"], rows[i]["body"]) for i in fresh]
            await search.index_new_posts(session=self.session, posts=posts)

    def check_counts(self, line: int) -> None:
        for name, count in self.counts.items():
            if self.seen[name] != count:
                self.fail(
                    line,
                    f"the archive ends with {self.seen[name]} {name} records; "
                    f"its header announces {count}",
                )
