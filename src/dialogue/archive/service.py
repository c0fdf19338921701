"""`dialogue export --format archive` and `dialogue import archive`, outside any web request."""

from __future__ import annotations

from pathlib import Path

from dialogue.archive.export import Progress, export_archive
from dialogue.archive.restore import Progress as ImportProgress
from dialogue.archive.restore import Restored, restore
from dialogue.config import Settings
from dialogue.db import Database
from dialogue.dialogues import service as dialogues
from dialogue.errors import NotFound
from dialogue.events.publish import commit
from dialogue.i18n import gettext as _


async def write_archive(
    settings: Settings, *, slug: str, path: Path, identities: bool, progress: Progress
) -> dict[str, int]:
    """Write the dialogue's archive from one snapshot; the file appears only once complete."""
    database = Database(settings)
    partial = path.with_name(path.name + ".partial")
    try:
        async with database.reader() as session:
            if not database.is_sqlite:  # SQLite's read transaction is a snapshot already
                await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            dialogue = await dialogues.get_dialogue(session=session, slug=slug)
            if dialogue is None:
                raise NotFound(_("no dialogue with the slug '%(slug)s'") % {"slug": slug})
            with partial.open("wb") as out:
                counts = await export_archive(
                    session=session,
                    dialogue=dialogue,
                    identities=identities,
                    out=out,
                    progress=progress,
                )
        partial.replace(path)
        return counts
    finally:
        partial.unlink(missing_ok=True)
        await database.dispose()


async def read_archive(
    settings: Settings, *, path: Path, slug: str | None, merge: bool, progress: ImportProgress
) -> Restored:
    """Import in one transaction: on any failure nothing of the archive stays behind."""
    database = Database(settings)
    try:
        async with database.writing() as session:
            restored = await restore(
                session=session, path=path, slug=slug, merge=merge, progress=progress
            )
            await commit(session)
        return restored
    finally:
        await database.dispose()
