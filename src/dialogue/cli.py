"""The `dialogue` command line, in the operator's language.

A command speaks the language of DIALOGUE_CLI_LANGUAGE, else of the POSIX locale (LC_ALL,
LC_MESSAGES, LANG), else the site's default; its help follows too (`lazy_gettext`). What
scripts read stays as it is in every language: the one-time reset link on its own line, the
demo's password and its roster (role, name, email), file paths, slugs, revisions, formats.
"""

from __future__ import annotations

import asyncio
import secrets
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from dialogue.config import Settings
from dialogue.i18n import TRANSLATIONS_DIR, locale_language, ngettext, translating
from dialogue.i18n import gettext as _
from dialogue.i18n import lazy_gettext as _l


def command_language() -> tuple[str, Path]:
    """The language a command speaks and the catalogues it reads, from the settings.

    Settings that do not validate leave the command in the default English: the command
    itself reads them again and says what is wrong.
    """
    try:
        settings = Settings()
    except ValidationError:
        return "en", TRANSLATIONS_DIR
    language = locale_language(settings.cli_locale, settings.languages, settings.default_language)
    return language, settings.translations_dir


class CommandLine(typer.Typer):
    """A Typer app that picks its language before Typer builds the commands, so that the
    help (lazy strings, read then) and every message are in it. Run in-process instead
    (`typer.testing.CliRunner`), the commands speak the language already active."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        language, catalogues = command_language()
        with translating(language, catalogues):
            return super().__call__(*args, **kwargs)


app = CommandLine(
    help=_l("Facilitated e-dialogues: serve, migrate, administer."), no_args_is_help=True
)
db_app = typer.Typer(help=_l("Database schema."), no_args_is_help=True)
admin_app = typer.Typer(help=_l("Site administrators."), no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(admin_app, name="admin")
import_app = typer.Typer(
    help=_l("Bring dialogues in: Pol.is exports and archives."), no_args_is_help=True
)
app.add_typer(import_app, name="import")


@app.command(help=_l("Serve the app with uvicorn, after migrating the database."))
def serve(
    host: Annotated[str, typer.Option(help=_l("Address to listen on."))] = "127.0.0.1",
    port: Annotated[int, typer.Option(help=_l("Port to listen on."))] = 8000,
    migrate: Annotated[bool, typer.Option(help=_l("Upgrade the database first."))] = True,
    proxy_headers: Annotated[
        bool | None,
        typer.Option(
            "--proxy-headers/--no-proxy-headers",
            help=_l("Believe X-Forwarded-For/-Proto from trusted proxies (default: on)."),
            show_default=False,
        ),
    ] = None,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            help=_l(
                "Comma-separated proxy addresses or networks to trust "
                "(default: DIALOGUE_FORWARDED_ALLOW_IPS, else 127.0.0.1,::1)."
            )
        ),
    ] = None,
) -> None:
    import gc
    import logging

    import uvicorn

    from dialogue.app import create_app
    from dialogue.logs import configure_logging, logging_config
    from dialogue.migrations import upgrade

    settings = Settings()
    overrides = {"proxy_headers": proxy_headers, "forwarded_allow_ips": forwarded_allow_ips}
    settings = settings.model_copy(update={k: v for k, v in overrides.items() if v is not None})
    configure_logging(settings)  # the migration's lines already in the chosen format
    if migrate:
        upgrade(settings)
    from dialogue.adapters.warmup import warm_up_routes
    from dialogue.serving import uvicorn_options

    application = create_app(settings)
    access_log = logging.getLogger("dialogue.access")
    access_log.disabled = True  # the warm-up request is nobody's: no access line for it
    asyncio.run(warm_up_routes(application))  # before freezing: the plans live as long
    access_log.disabled = False
    # Everything imported so far lives as long as the process. Moved out of the collector's
    # sight, a full collection no longer walks the whole framework: with 1,000 listeners, full
    # collections paused the loop up to 295 ms (185 ms frozen; docs/performance.md).
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)
    uvicorn.run(
        application,
        host=host,
        port=port,
        **uvicorn_options(settings),
        log_config=logging_config(settings),
        # Its lines carry raw paths and query strings (tokens); the app's request log
        # writes the one access line per request instead (docs/operators.md "Logs").
        access_log=False,
    )


@db_app.command("upgrade", help=_l("Apply the Alembic migrations."))
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    from dialogue.migrations import upgrade

    upgrade(Settings(), revision)
    typer.echo(_("database is at %(revision)s") % {"revision": revision})


def _refuse_weak_password(password: str) -> None:
    """The rule the pages and the API apply to a new password (length, common passwords)."""
    from dialogue.accounts.passwords import check_new_password
    from dialogue.errors import Invalid

    try:
        check_new_password(password)
    except Invalid as exc:
        typer.echo(_("error: %(reason)s") % {"reason": exc.message}, err=True)
        raise typer.Exit(2) from exc


@admin_app.command(
    "create", help=_l("Create a site administrator (organizer rights in every dialogue).")
)
def admin_create(
    email: Annotated[str, typer.Option(help=_l("The admin's email."))],
    password: Annotated[str | None, typer.Option(help=_l("Prefer --password-stdin."))] = None,
    password_stdin: Annotated[bool, typer.Option(help=_l("Read the password from stdin."))] = False,
    display_name: Annotated[str, typer.Option(help=_l("Name shown to others."))] = "Administrator",
) -> None:
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    password = password or ""
    _refuse_weak_password(password)
    from dialogue.demo.admin import create_admin

    try:
        asyncio.run(
            create_admin(Settings(), email=email, password=password, display_name=display_name)
        )
    except ValueError as exc:
        typer.echo(_("error: %(reason)s") % {"reason": exc}, err=True)
        raise typer.Exit(1) from exc
    typer.echo(_("admin %(email)s created") % {"email": email})


@admin_app.command(
    "reset-password",
    help=_l(
        "Print a one-time password-reset link (24 hours), or set the password from stdin.\n\n"
        "Either way, once the password changes every session and token of the account ends."
    ),
)
def admin_reset_password(
    email: Annotated[str, typer.Argument(help=_l("The account's email."))],
    password_stdin: Annotated[
        bool, typer.Option(help=_l("Set the password read from stdin instead of printing a link."))
    ] = False,
) -> None:
    password = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
        _refuse_weak_password(password)
    from dialogue.accounts.commands import reset_password

    try:
        link = asyncio.run(reset_password(Settings(), email=email, password=password))
    except ValueError as exc:
        typer.echo(_("error: %(reason)s") % {"reason": exc}, err=True)
        raise typer.Exit(1) from exc
    if link is None:
        message = _("password of %(email)s set; every session and token of it has ended")
        typer.echo(message % {"email": email})
    else:  # the link alone on the last line, for a script to take
        typer.echo(_("One-time link for %(email)s (valid 24 hours):") % {"email": email})
        typer.echo(link)


@app.command(
    help=_l("Load the sample dialogue and a demo admin (once; a second run changes nothing).")
)
def demo(
    admin_email: Annotated[
        str, typer.Option(help=_l("Email of the demo admin."))
    ] = "admin@example.org",
    credentials_file: Annotated[str | None, typer.Option(help=_l("Also write them here."))] = None,
) -> None:
    from dialogue.demo.loader import load_demo
    from dialogue.demo.roster import roster_lines
    from dialogue.migrations import upgrade

    settings = Settings()
    upgrade(settings)
    password = secrets.token_urlsafe(12)
    try:
        created = asyncio.run(load_demo(settings, admin_email=admin_email, admin_password=password))
    except ValueError as exc:  # an account with a demo email exists, or the content is broken
        typer.echo(_("error: %(reason)s") % {"reason": exc}, err=True)
        raise typer.Exit(1) from exc
    if created:
        message = "\n".join(
            (
                _("Demo admin: %(email)s") % {"email": admin_email},
                _("Password:   %(password)s") % {"password": password},
                _("Every demo participant has the same password as the admin."),
                "",
                _("The demo's people (role, name, email):"),
                *roster_lines(),
            )
        )
        typer.echo(message)
        if credentials_file:
            with open(credentials_file, "w", encoding="utf-8") as handle:
                handle.write(message + "\n")
    else:
        typer.echo(_("The demo is already loaded; its credentials were printed when it was."))
        typer.echo(_("The demo's people (role, name, email):"))
        typer.echo("\n".join(roster_lines()))


@app.command(
    help=_l(
        "Write a dialogue's synthesis report (the published one, once there is one), or its"
        " whole archive for `dialogue import archive`, to a file."
    )
)
def export(
    slug: Annotated[str, typer.Argument(help=_l("The dialogue's slug."))],
    output: Annotated[str, typer.Option("--output", "-o", help=_l("The file to write."))],
    format: Annotated[
        str,
        typer.Option(
            "--format", "-f", help=_l("md, html, pdf, docx, json, csv, or archive (all of it).")
        ),
    ] = "pdf",
    with_identities: Annotated[
        bool, typer.Option(help=_l("archive: name the members who consented to be named."))
    ] = False,
) -> None:
    if format == "archive":
        from dialogue.archive.commands import run_export

        run_export(Settings(), slug=slug, output=Path(output), identities=with_identities)
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from dialogue.synthesis.export import UnknownDialogue, export_report
    from dialogue.synthesis.render.registry import REPORT_FORMATS

    if format not in REPORT_FORMATS:
        names = ", ".join(REPORT_FORMATS)
        reason = _("--format must be one of %(formats)s or archive") % {"formats": names}
        typer.echo(_("error: %(reason)s") % {"reason": reason}, err=True)
        raise typer.Exit(2)
    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task(_("loading"), total=1.0)

        def progress(fraction: float, stage: str) -> None:
            bar.update(task, completed=fraction, description=stage)

        try:
            body = asyncio.run(export_report(Settings(), slug=slug, fmt=format, progress=progress))
        except UnknownDialogue:
            reason = _("no dialogue with the slug '%(slug)s'") % {"slug": slug}
            typer.echo(_("error: %(reason)s") % {"reason": reason}, err=True)
            raise typer.Exit(1) from None
    with open(output, "wb") as handle:
        handle.write(body)
    typer.echo(
        ngettext(
            "%(format)s report of %(slug)s written to %(output)s (%(bytes)d byte)",
            "%(format)s report of %(slug)s written to %(output)s (%(bytes)d bytes)",
            len(body),
        )
        % {"format": format, "slug": slug, "output": output, "bytes": len(body)}
    )


@import_app.command(
    "polis",
    help=_l("Import a Pol.is conversation export as a closed dialogue with pseudonymous members."),
)
def import_polis(
    directory: Annotated[
        Path,
        typer.Argument(
            help=_l(
                "The export: summary.csv, comments.csv, participants-votes.csv and, when"
                " there is one, votes.csv (else the votes are read from participants-votes.csv;"
                " without either, only the statements are imported)."
            )
        ),
    ],
    slug: Annotated[str, typer.Option(help=_l("The new dialogue's slug."))],
    organizer: Annotated[
        str | None, typer.Option(help=_l("Email of an existing account to make its organizer."))
    ] = None,
    merge: Annotated[
        bool, typer.Option(help=_l("If the dialogue exists, add only what it lacks (else refuse)."))
    ] = False,
) -> None:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from dialogue.archive.polis import ImportResult
    from dialogue.archive.polis import import_polis as run_import
    from dialogue.archive.polis_read import Progress as Report
    from dialogue.db import Database
    from dialogue.errors import DialogueError
    from dialogue.migrations import upgrade
    from dialogue.threads.language_pass import detect_missing_languages

    settings = Settings()
    upgrade(settings)

    async def go(progress: Report) -> ImportResult:
        database = Database(settings)
        try:
            result = await run_import(
                database=database,
                directory=directory,
                slug=slug,
                actor_email=organizer,
                on_duplicate="merge" if merge else "refuse",
                progress=progress,
            )
            progress(1.0, _("languages"))
            await detect_missing_languages(database)  # statements come without one
            return result
        finally:
            await database.dispose()

    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task(_("reading"), total=1.0)
        try:
            result = asyncio.run(
                go(lambda fraction, stage: bar.update(task, completed=fraction, description=stage))
            )
        except DialogueError as exc:
            typer.echo(_("error: %(reason)s") % {"reason": exc.message}, err=True)
            raise typer.Exit(1) from None
    counts = {
        "slug": result.slug,
        "statements": result.statements,
        "hidden": result.hidden,
        "participants": result.participants,
        "added": result.votes_added,
        "updated": result.votes_updated,
    }
    if result.merged:
        outcome = _(
            "Pol.is conversation merged into %(slug)s: %(statements)d statements "
            "(%(hidden)d hidden), %(participants)d participants, "
            "%(added)d votes added, %(updated)d updated"
        )
    else:
        outcome = _(
            "Pol.is conversation imported as %(slug)s: %(statements)d statements "
            "(%(hidden)d hidden), %(participants)d participants, "
            "%(added)d votes added, %(updated)d updated"
        )
    typer.echo(outcome % counts)
    for note in result.notes:
        typer.echo(_("Note: %(note)s") % {"note": note})


@import_app.command(
    "archive",
    help=_l(
        "Restore a dialogue from its archive; a dialogue already here is refused unless --merge."
    ),
)
def import_archive(
    file: Annotated[
        Path, typer.Argument(help=_l("A file from `dialogue export --format archive`."))
    ],
    merge: Annotated[
        bool, typer.Option(help=_l("Add only what the dialogue here lacks (no duplicates)."))
    ] = False,
    slug: Annotated[
        str | None, typer.Option(help=_l("Import as a new dialogue with this slug."))
    ] = None,
) -> None:
    from dialogue.archive.commands import run_import

    run_import(Settings(), path=file, slug=slug, merge=merge)


@app.command(
    "detect-languages",
    help=_l(
        "Give every post with no language one, guessed from its text (the server also does"
        " this at each start, in the background)."
    ),
)
def detect_languages() -> None:
    from dialogue.threads.language_pass import run_once

    done = asyncio.run(run_once(Settings()))
    typer.echo(
        ngettext(
            "%(count)d post without a language given one",
            "%(count)d posts without a language given one",
            done,
        )
        % {"count": done}
    )


@app.command(
    "mail-send",
    help=_l(
        "Send queued mail through DIALOGUE_SMTP_URL, retrying; until stopped (SIGTERM drains)."
    ),
)
def mail_send(
    once: Annotated[bool, typer.Option(help=_l("Send what is due now, then exit."))] = False,
) -> None:
    settings = Settings()
    if not settings.smtp_url:
        reason = _("DIALOGUE_SMTP_URL is not set")
        typer.echo(_("error: %(reason)s") % {"reason": reason}, err=True)
        raise typer.Exit(2)
    from dialogue.logs import configure_logging
    from dialogue.notifications.commands import run_sender

    configure_logging(settings)
    tried = asyncio.run(run_sender(settings, once=once))
    if once:
        typer.echo(
            ngettext("%(count)d message tried", "%(count)d messages tried", tried)
            % {"count": tried}
        )


@app.command(
    "mail-receive", help=_l("Receive replies by e-mail (SMTP) and post them in their threads.")
)
def mail_receive(
    host: Annotated[str, typer.Option(help=_l("Address to listen on."))] = "127.0.0.1",
    port: Annotated[int, typer.Option(help=_l("Port to listen on (SMTP)."))] = 2525,
) -> None:
    from dialogue.notifications.inbound.command import run_mail_receive

    settings = Settings()
    if not settings.mail_reply_domain:
        reason = _("set DIALOGUE_MAIL_REPLY_DOMAIN to the domain replies go to")
        typer.echo(_("error: %(reason)s") % {"reason": reason}, err=True)
        raise typer.Exit(2)
    from dialogue.logs import configure_logging

    configure_logging(settings)
    asyncio.run(run_mail_receive(settings, host=host, port=port))


@app.command(
    "backup",
    help=_l(
        "A consistent copy of the database while the server runs (SQLite; PostgreSQL: pg_dump)."
    ),
)
def backup_command(
    file: Annotated[Path, typer.Argument(help=_l("Where to write the backup."))],
    force: Annotated[bool, typer.Option(help=_l("Replace FILE if it exists."))] = False,
) -> None:
    from dialogue.backup import BackupError, backup

    try:
        copied = backup(Settings(), file, force=force)
    except BackupError as exc:
        typer.echo(_("error: %(reason)s") % {"reason": exc}, err=True)
        raise typer.Exit(1) from exc
    if copied.engine == "sqlite":
        typer.echo(
            _(
                "SQLite backup written to %(path)s: %(posts)d posts, "
                "schema %(revision)s, %(bytes)d bytes"
            )
            % {
                "path": copied.path,
                "posts": copied.posts,
                "revision": copied.revision,
                "bytes": copied.path.stat().st_size,
            }
        )
    else:
        message = _("PostgreSQL backup written to %(path)s by pg_dump (custom format)")
        typer.echo(message % {"path": copied.path})


@app.command(
    "restore",
    help=_l("Restore a backup into an empty database, then migrate it to this release's schema."),
)
def restore_command(
    file: Annotated[Path, typer.Argument(help=_l("A file made by `dialogue backup`."))],
) -> None:
    from dialogue.backup import BackupError, restore

    try:
        copied = restore(Settings(), file)
    except BackupError as exc:
        typer.echo(_("error: %(reason)s") % {"reason": exc}, err=True)
        raise typer.Exit(1) from exc
    typer.echo(
        _(
            "Restored %(file)s (%(engine)s): %(posts)d posts, backed up at schema "
            "%(revision)s, now migrated to this release's"
        )
        % {
            "file": file,
            "engine": copied.engine,
            "posts": copied.posts,
            "revision": copied.revision,
        }
    )


if __name__ == "__main__":
    app()
