"""Pages of the demo's synthesis report as PNGs for docs/report.md, from the PDF and the DOCX.

    make report-images          # writes docs/images/report-*.png

Loads the demo into a throwaway SQLite database (as `make screenshots` does), writes an
executive summary as an organizer would, exports the report as PDF and DOCX exactly as
`dialogue export` does, and rasterises the pages the guide shows. It needs two programs
that are not Python packages: `pdftoppm` (Debian's `poppler-utils`) for the PDF pages and
LibreOffice (`libreoffice-writer-nogui`) to lay out the DOCX as a word processor would.
Run it after changing the report, and commit the images with the change.
"""

from __future__ import annotations

import asyncio
import io
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image
from pypdf import PdfReader
from screenshots import SLUG, load_demo
from sqlmodel import select

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "images"
WIDTH = 760  # pixels: legible in a three-column table on a wide screen
SUMMARY = (
    "Thirty practitioners from more than twenty countries discussed, over three weeks, what "
    "it takes for work with men and boys to answer to women's-rights movements. They agree "
    "that accountability is paid, written down and able to say no: advisory roles with fees "
    "and a mandate to block, partnership agreements with exit clauses, and funding that "
    "flows to women-led partners rather than around them.\n\n"
    "*This summary was written by the organizers; everything after it is generated from "
    "the posts.*"
)
# Each image: its name, the file, and the words that begin the page it shows (None: page 1).
PAGES = (
    ("report-cover", "pdf", None),
    ("report-at-a-glance", "pdf", "At a glance"),
    ("report-theme", "pdf", "Theme 1:"),
    ("report-agreement", "pdf", "Agreement and division"),
    ("report-recommendations", "pdf", "Recommendations\n"),
    ("report-methodology", "pdf", "Methodology\n"),
    ("report-docx-cover", "docx", None),
    ("report-docx-theme", "docx", "Theme 1:"),
    ("report-docx-recommendations", "docx", "Recommendations\n"),
)


async def write_summary(database_url: str) -> None:
    """The executive summary, saved by the demo's first organizer through the service."""
    from dialogue.accounts.models import User
    from dialogue.config import Settings
    from dialogue.db import Database
    from dialogue.dialogues import service as dialogues
    from dialogue.dialogues.models import Membership
    from dialogue.synthesis import service as reports

    database = Database(Settings(database_url=database_url))
    try:
        async with database.session() as session:
            dialogue = await dialogues.get_dialogue(session=session, slug=SLUG)
            assert dialogue is not None
            organizer = (
                await session.exec(
                    select(User)
                    .join(Membership, Membership.user_id == User.id)  # type: ignore[arg-type]
                    .where(Membership.dialogue_id == dialogue.id, Membership.role == "organizer")
                    .order_by(User.id)  # type: ignore[arg-type]
                )
            ).first()
            assert organizer is not None
            await reports.update_narrative(
                session=session,
                dialogue=dialogue,
                actor=organizer,
                executive_summary=SUMMARY,
                recommendations=None,
                theme_summaries=None,
            )
            await session.commit()
    finally:
        await database.dispose()


async def export(database_url: str, fmt: str) -> bytes:
    from dialogue.config import Settings
    from dialogue.synthesis.export import export_report

    settings = Settings(database_url=database_url, base_url="https://dialogue.example.org")
    return await export_report(settings, slug=SLUG, fmt=fmt, progress=lambda _f, _s: None)


def program(name: str) -> str:
    """The program's full path: both come from Debian packages, not from Python."""
    found = shutil.which(name)
    if found is None:
        raise SystemExit(
            f"{name} is needed: apt-get install poppler-utils libreoffice-writer-nogui"
        )
    return found


def docx_as_pdf(docx: Path, directory: Path) -> Path:
    """The DOCX laid out by LibreOffice, with a profile of its own (no running instance)."""
    profile = (directory / "lo-profile").as_uri()
    subprocess.run(
        [program("soffice"), f"-env:UserInstallation={profile}", "--headless",
         "--convert-to", "pdf", "--outdir", str(directory / "docx"), str(docx)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    return directory / "docx" / (docx.stem + ".pdf")


def page_of(pdf: bytes, words: str | None) -> int:
    """The first page (from 1) whose text starts a line with `words`; 1 for None."""
    if words is None:
        return 1
    for number, page in enumerate(PdfReader(io.BytesIO(pdf)).pages, 1):
        text = "\n" + (page.extract_text() or "") + "\n"
        if "\n" + words in text:
            return number
    raise SystemExit(f"no page starts a line with {words!r}")


def rasterise(pdf: Path, page: int, out: Path) -> None:
    subprocess.run(
        [program("pdftoppm"), "-png", "-singlefile", "-f", str(page), "-l", str(page),
         "-scale-to-x", str(WIDTH), "-scale-to-y", "-1", str(pdf), str(out.with_suffix(""))],
        check=True, capture_output=True,
    )  # fmt: skip
    # A page is text on white: 64 colours keep it legible at a seventh of the bytes.
    with Image.open(out) as page_image:
        page_image.convert("RGB").quantize(colors=64).save(out, optimize=True)


def main() -> None:
    for name in ("pdftoppm", "soffice"):
        program(name)  # before the minutes of loading the demo
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        directory = Path(work)
        database_url = f"sqlite:///{directory / 'demo.db'}"
        env = {**os.environ, "DIALOGUE_DATABASE_URL": database_url,
               "DIALOGUE_SECRET_KEY": "report-images"}  # fmt: skip
        load_demo(env, directory)
        asyncio.run(write_summary(f"sqlite+aiosqlite:///{directory / 'demo.db'}"))
        files = {}
        for fmt in ("pdf", "docx"):
            body = asyncio.run(export(f"sqlite+aiosqlite:///{directory / 'demo.db'}", fmt))
            (directory / f"report.{fmt}").write_bytes(body)
            files[fmt] = directory / f"report.{fmt}"
        files["docx"] = docx_as_pdf(files["docx"], directory)
        for name, fmt, words in PAGES:
            out = OUT / f"{name}.png"
            rasterise(files[fmt], page_of(files[fmt].read_bytes(), words), out)
            print(out.relative_to(ROOT))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    main()
