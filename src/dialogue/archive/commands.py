"""The archive commands: a progress bar, a one-line outcome, errors without tracebacks.

All in the command's language (`dialogue.cli`), but for the slugs and paths in them.
"""

from __future__ import annotations

import asyncio
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import typer

from dialogue.archive.service import read_archive, write_archive
from dialogue.config import Settings
from dialogue.errors import DialogueError
from dialogue.i18n import gettext as _
from dialogue.threads import language_pass


def run_export(settings: Settings, *, slug: str, output: Path, identities: bool) -> None:
    """Write the archive, or say why not and exit 1."""
    with ExitStack() as stack:
        bar = stack.enter_context(typer.progressbar(length=1000, label=_("exporting"), file=None))

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
            reason = _("cannot write %(path)s: %(reason)s")
            _fail(DialogueError(reason % {"path": output, "reason": exc.strerror or exc}))
    if identities:
        outcome = _(
            "archive of %(slug)s written to %(path)s: %(posts)d posts, "
            "%(people)d people (named where they consented)"
        )
    else:
        outcome = _(
            "archive of %(slug)s written to %(path)s: %(posts)d posts, "
            "%(people)d people (pseudonymised)"
        )
    typer.echo(
        outcome
        % {"slug": slug, "path": output, "posts": counts["post"], "people": counts["person"]}
    )


def run_import(settings: Settings, *, path: Path, slug: str | None, merge: bool) -> None:
    """Import the archive in one transaction, or say which line is wrong and exit 1."""
    with ExitStack() as stack:
        bars: list[Any] = []

        def progress(done: int, total: int) -> None:
            if not bars:
                bars.append(
                    stack.enter_context(typer.progressbar(length=total, label=_("importing")))
                )
            bars[0].update(done - bars[0].pos)

        try:
            restored = asyncio.run(
                read_archive(settings, path=path, slug=slug, merge=merge, progress=progress)
            )
            if restored.added["post"]:
                asyncio.run(language_pass.run_once(settings))  # a version 1 archive has none
        except DialogueError as exc:
            _fail(exc)
    counts = {
        "slug": restored.slug,
        "posts": restored.added["post"],
        "records": sum(restored.added.values()),
        "kept": sum(restored.kept.values()),
    }
    if merge:
        outcome = _(
            "imported %(slug)s: %(posts)d posts, %(records)d records added, %(kept)d already there"
        )
    else:
        outcome = _("imported %(slug)s: %(posts)d posts, %(records)d records added")
    typer.echo(outcome % counts)


def _fail(exc: DialogueError) -> None:
    typer.echo(_("error: %(reason)s") % {"reason": exc.message}, err=True)
    raise typer.Exit(1) from None
