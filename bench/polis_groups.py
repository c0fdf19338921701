"""The report's opinion groups against Pol.is's own, for any Pol.is exports.

Each export is imported by the real importer into one fresh migrated SQLite database, and
the adjusted Rand index between the report's groups and the export's `group-id` column is
printed with the participants compared and the number of groups on each side. Exports
without votes, or where Pol.is placed nobody, are listed as such.

    python bench/polis_groups.py EXPORT_DIR [EXPORT_DIR ...]
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from common import run_in_workdir, sqlite_url
from sqlmodel import select

from dialogue.archive.polis import import_polis
from dialogue.archive.polis_groups import agreement, polis_groups, report_groups
from dialogue.archive.polis_read import PARTICIPANTS
from dialogue.config import Settings
from dialogue.db import Database
from dialogue.dialogues.models import Dialogue
from dialogue.migrations import upgrade


def slug_of(directory: Path) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", directory.name.lower()).strip("-")[:60]


async def compare(workdir: Path, exports: list[Path]) -> None:
    settings = Settings(database_url=sqlite_url(workdir))
    upgrade(settings)
    database = Database(settings)
    try:
        print(f"{'conversation':45} {'ARI':>6} {'compared':>9} {'ours':>5} {'Pol.is':>7}")
        for directory in exports:
            slug = slug_of(directory)
            await import_polis(database=database, directory=directory, slug=slug)
            placed = (directory / PARTICIPANTS).is_file()
            theirs = polis_groups(directory) if placed else {}
            async with database.reader() as session:
                dialogue = (await session.exec(select(Dialogue).where(Dialogue.slug == slug))).one()
                ours = await report_groups(session, dialogue)
            if not ours or not theirs:
                why = "no votes" if not theirs else "too few reactions for groups"
                print(f"{directory.name:45} {'-':>6}  ({why})")
                continue
            found = agreement(ours, theirs)
            print(
                f"{directory.name:45} {found.score:6.3f} {found.compared:9d} "
                f"{found.ours:5d} {found.theirs:7d}"
            )
    finally:
        await database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("exports", nargs="+", type=Path)
    arguments = parser.parse_args()
    run_in_workdir("polis", lambda workdir: compare(workdir, arguments.exports))


if __name__ == "__main__":
    main()
