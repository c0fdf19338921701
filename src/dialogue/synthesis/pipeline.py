"""From a dialogue to a file: load (async), then build and render in a worker thread.

Every format is rendered from the JSON document read back, so a live report and the
frozen snapshot of the same data give the same files.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from dialogue.dialogues.models import Dialogue
from dialogue.synthesis.loader import load_source
from dialogue.synthesis.render.common import RenderOptions, in_language
from dialogue.synthesis.render.registry import REPORT_FORMATS
from dialogue.synthesis.source import ReportSource

Progress = Callable[[float, str], None]

LOAD_SHARE, BUILD_SHARE = 0.15, 0.55  # of the progress bar; rendering takes the rest


def _quiet(_fraction: float, _message: str) -> None:
    return None


def document_json(source: ReportSource, progress: Progress = _quiet) -> bytes:
    """The JSON format: the document, built from the source (CPU-bound, run in a thread)."""

    # Imported here: the analysis pulls in scikit-learn (seconds of import), which every app
    # instance would otherwise pay at start, before serving anything.
    from dialogue.synthesis.assembly import build_document

    def scaled(fraction: float, message: str) -> None:
        progress(LOAD_SHARE + BUILD_SHARE * fraction, message)

    document = build_document(source, scaled)
    return REPORT_FORMATS["json"].render(document, RenderOptions())


def render_from_json(
    data: bytes, fmt: str, options: RenderOptions, progress: Progress = _quiet
) -> bytes:
    if fmt == "json":
        progress(1.0, "done")
        return data
    progress(LOAD_SHARE + BUILD_SHARE, f"rendering {fmt}")
    document: dict[str, Any] = json.loads(data)
    output = REPORT_FORMATS[fmt].render(document, options)
    progress(1.0, "done")
    return output


async def load(
    *,
    session: AsyncSession,
    dialogue: Dialogue,
    state: str,
    options: RenderOptions,
    progress: Progress = _quiet,
) -> ReportSource:
    """Read everything, then end the transaction: on SQLite an open one would hold the
    database lock for the whole analysis and block every writer meanwhile."""
    progress(0.0, "loading posts")
    source = await load_source(
        session=session,
        dialogue=dialogue,
        state=state,
        base_url=options.base_url,
        min_group=options.min_group,
        language=options.language,
        catalogues=options.catalogues,
    )
    await session.commit()
    progress(LOAD_SHARE, "analysing")
    return source


async def render_source(
    source: ReportSource, *, fmt: str, options: RenderOptions, progress: Progress = _quiet
) -> bytes:
    """Build and render in a worker thread: the event loop keeps serving meanwhile."""
    data = await asyncio.to_thread(document_json, source, progress)
    return await asyncio.to_thread(render_from_json, data, fmt, options, progress)


async def live_report(
    *,
    session: AsyncSession,
    dialogue: Dialogue,
    state: str,
    fmt: str,
    options: RenderOptions,
    progress: Progress = _quiet,
) -> bytes:
    """The current report in one format (commits the session's transaction after reading)."""
    source = await load(
        session=session, dialogue=dialogue, state=state, options=options, progress=progress
    )
    return await render_source(source, fmt=fmt, options=options, progress=progress)


def _reconsented(document: str, source: ReportSource) -> str:
    from dialogue.synthesis.reconsent import under_current_consent

    frozen = json.loads(document)
    with in_language(frozen, source.catalogues):  # its labels in the language it was built in
        narrowed = under_current_consent(frozen, source)
    return REPORT_FORMATS["json"].render(narrowed, RenderOptions()).decode("utf-8")


async def current_snapshot(
    *, session: AsyncSession, dialogue: Dialogue, document: str, options: RenderOptions
) -> str:
    """The frozen `document` under today's consent (`reconsent`); reads, does not commit."""
    source = await load_source(
        session=session,
        dialogue=dialogue,
        state="published",
        base_url=options.base_url,
        min_group=options.min_group,
        catalogues=options.catalogues,
    )
    return await asyncio.to_thread(_reconsented, document, source)


async def snapshot_report(
    *, document: str, fmt: str, options: RenderOptions, progress: Progress = _quiet
) -> bytes:
    return await asyncio.to_thread(
        render_from_json, document.encode("utf-8"), fmt, options, progress
    )
