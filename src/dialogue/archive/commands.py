"""The archive commands: a progress bar, a one-line outcome, errors without tracebacks."""

from __future__ import annotations

import asyncio
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import typer

from dialogue.archive.service import read_archive, write_archive
from dialogue.config import Settings
from dialogue.errors import DialogueError
from dialogue.threads import language_pass


def run_export(settings: Settings, *, slug: str, output: Path, identities: bool) -> None:
    """Write the archive, or say why not and exit 1."""
    with ExitStack() as stack:
        bar = stack.enter_context(typer.progressbar(length=1000, label="exporting", file=None))

        def progress(fraction: float, _stage: str) -> None:
            bar.update(int(fraction * 1000) - bar.pos)

        try:
            counts = asyncio.run(
                write_archive(
                    settings, slug=slug, path=output, identities=identities, progress=progress
                )
            )
        except DialogueError as exc:
            _fail(exc)
        except OSError as exc:  # the folder is missing or not writable
            _fail(DialogueError(f"cannot write {output}: {exc.strerror or exc}"))
    names = "named where they consented" if identities else "pseudonymised"
    typer.echo(
        f"archive of {slug} written to {output}: {counts['post']} posts, "
        f"{counts['person']} people ({names})"
    )


def run_import(settings: Settings, *, path: Path, slug: str | None, merge: bool) -> None:
    """Import the archive in one transaction, or say which line is wrong and exit 1."""
    with ExitStack() as stack:
        bars: list[Any] = []

        def progress(done: int, total: int) -> None:
            if not bars:
                bars.append(stack.enter_context(typer.progressbar(length=total, label="importing")))
            bars[0].update(done - bars[0].pos)

        try:
            restored = asyncio.run(
                read_archive(settings, path=path, slug=slug, merge=merge, progress=progress)
            )
            if restored.added["post"]:
                asyncio.run(language_pass.run_once(settings))  # a version 1 archive has none
        except DialogueError as exc:
            _fail(exc)
    kept = sum(restored.kept.values())
    typer.echo(
        f"imported {restored.slug}: {restored.added['post']} posts, "
        f"{sum(restored.added.values())} records added"
        + (f", {kept} already there" if merge else "")
    )


def _fail(exc: DialogueError) -> None:
    typer.echo(f"error: {exc.message}", err=True)
    raise typer.Exit(1) from None
