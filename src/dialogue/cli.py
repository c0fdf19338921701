"""The `dialogue` command line."""

from __future__ import annotations

import asyncio
import secrets
import sys
from pathlib import Path
from typing import Annotated

import typer

from dialogue.config import Settings

app = typer.Typer(help="Facilitated e-dialogues: serve, migrate, administer.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
admin_app = typer.Typer(help="Site administrators.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(admin_app, name="admin")
import_app = typer.Typer(
    help="Bring dialogues in: Pol.is exports and archives.", no_args_is_help=True
)
app.add_typer(import_app, name="import")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    migrate: Annotated[bool, typer.Option(help="Upgrade the database first.")] = True,
    proxy_headers: Annotated[
        bool | None,
        typer.Option(
            "--proxy-headers/--no-proxy-headers",
            help="Believe X-Forwarded-For/-Proto from trusted proxies (default: on).",
            show_default=False,
        ),
    ] = None,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated proxy addresses or networks to trust "
            "(default: DIALOGUE_FORWARDED_ALLOW_IPS, else 127.0.0.1,::1)."
        ),
    ] = None,
) -> None:
    """Serve the app with uvicorn, after migrating the database."""
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


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Apply the Alembic migrations."""
    from dialogue.migrations import upgrade

    upgrade(Settings(), revision)
    typer.echo("database is at " + revision)


def _refuse_weak_password(password: str) -> None:
    """The rule the pages and the API apply to a new password (length, common passwords)."""
    from dialogue.accounts.passwords import check_new_password
    from dialogue.errors import Invalid

    try:
        check_new_password(password)
    except Invalid as exc:
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(2) from exc


@admin_app.command("create")
def admin_create(
    email: Annotated[str, typer.Option(help="The admin's email.")],
    password: Annotated[str | None, typer.Option(help="Prefer --password-stdin.")] = None,
    password_stdin: Annotated[bool, typer.Option(help="Read the password from stdin.")] = False,
    display_name: Annotated[str, typer.Option(help="Name shown to others.")] = "Administrator",
) -> None:
    """Create a site administrator (organizer rights in every dialogue)."""
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
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(f"admin {email} created")


@admin_app.command("reset-password")
def admin_reset_password(
    email: Annotated[str, typer.Argument(help="The account's email.")],
    password_stdin: Annotated[
        bool, typer.Option(help="Set the password read from stdin instead of printing a link.")
    ] = False,
) -> None:
    """Print a one-time password-reset link (24 hours), or set the password from stdin.

    Either way, once the password changes every session and token of the account ends.
    """
    password = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
        _refuse_weak_password(password)
    from dialogue.accounts.commands import reset_password

    try:
        link = asyncio.run(reset_password(Settings(), email=email, password=password))
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    if link is None:
        typer.echo(f"password of {email} set; every session and token of it has ended")
    else:
        typer.echo(f"One-time link for {email} (valid 24 hours):\n{link}")


@app.command()
def demo(
    admin_email: Annotated[
        str, typer.Option(help="Email of the demo admin.")
    ] = "admin@example.org",
    credentials_file: Annotated[str | None, typer.Option(help="Also write them here.")] = None,
) -> None:
    """Load the sample dialogue and a demo admin (once; a second run changes nothing)."""
    from dialogue.demo.loader import load_demo
    from dialogue.demo.roster import roster_lines
    from dialogue.migrations import upgrade

    settings = Settings()
    upgrade(settings)
    password = secrets.token_urlsafe(12)
    try:
        created = asyncio.run(load_demo(settings, admin_email=admin_email, admin_password=password))
    except ValueError as exc:  # an account with a demo email exists, or the content is broken
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    if created:
        message = (
            f"Demo admin: {admin_email}\nPassword:   {password}\n"
            "Every demo participant has the same password as the admin.\n"
            "\nThe demo's people (role, name, email):\n" + "\n".join(roster_lines())
        )
        typer.echo(message)
        if credentials_file:
            with open(credentials_file, "w", encoding="utf-8") as handle:
                handle.write(message + "\n")
    else:
        typer.echo("The demo is already loaded; its credentials were printed when it was.")
        typer.echo("The demo's people (role, name, email):\n" + "\n".join(roster_lines()))


@app.command()
def export(
    slug: Annotated[str, typer.Argument(help="The dialogue's slug.")],
    output: Annotated[str, typer.Option("--output", "-o", help="The file to write.")],
    format: Annotated[
        str,
        typer.Option(
            "--format", "-f", help="md, html, pdf, docx, json, csv, or archive (all of it)."
        ),
    ] = "pdf",
    with_identities: Annotated[
        bool, typer.Option(help="archive: name the members who consented to be named.")
    ] = False,
) -> None:
    """Write a dialogue's synthesis report (the published one, once there is one), or its
    whole archive for `dialogue import archive`, to a file."""
    if format == "archive":
        from dialogue.archive.commands import run_export

        run_export(Settings(), slug=slug, output=Path(output), identities=with_identities)
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from dialogue.synthesis.export import UnknownDialogue, export_report
    from dialogue.synthesis.render.registry import REPORT_FORMATS

    if format not in REPORT_FORMATS:
        names = ", ".join(REPORT_FORMATS)
        typer.echo(f"error: --format must be one of {names} or archive", err=True)
        raise typer.Exit(2)
    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task("loading", total=1.0)

        def progress(fraction: float, stage: str) -> None:
            bar.update(task, completed=fraction, description=stage)

        try:
            body = asyncio.run(export_report(Settings(), slug=slug, fmt=format, progress=progress))
        except UnknownDialogue:
            typer.echo(f"error: no dialogue with the slug {slug!r}", err=True)
            raise typer.Exit(1) from None
    with open(output, "wb") as handle:
        handle.write(body)
    typer.echo(f"{format} report of {slug} written to {output} ({len(body)} bytes)")


@import_app.command("polis")
def import_polis(
    directory: Annotated[
        Path,
        typer.Argument(
            help="The export: summary.csv, comments.csv, participants-votes.csv and, when"
            " there is one, votes.csv (else the votes are read from participants-votes.csv;"
            " without either, only the statements are imported)."
        ),
    ],
    slug: Annotated[str, typer.Option(help="The new dialogue's slug.")],
    organizer: Annotated[
        str | None, typer.Option(help="Email of an existing account to make its organizer.")
    ] = None,
    merge: Annotated[
        bool, typer.Option(help="If the dialogue exists, add only what it lacks (else refuse).")
    ] = False,
) -> None:
    """Import a Pol.is conversation export as a closed dialogue with pseudonymous members."""
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
            progress(1.0, "languages")
            await detect_missing_languages(database)  # statements come without one
            return result
        finally:
            await database.dispose()

    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task("reading", total=1.0)
        try:
            result = asyncio.run(
                go(lambda fraction, stage: bar.update(task, completed=fraction, description=stage))
            )
        except DialogueError as exc:
            typer.echo(f"error: {exc.message}", err=True)
            raise typer.Exit(1) from None
    verb = "merged into" if result.merged else "imported as"
    typer.echo(
        f"Pol.is conversation {verb} {result.slug}: {result.statements} statements "
        f"({result.hidden} hidden), {result.participants} participants, "
        f"{result.votes_added} votes added, {result.votes_updated} updated"
    )
    for note in result.notes:
        typer.echo(f"Note: {note}")


@import_app.command("archive")
def import_archive(
    file: Annotated[Path, typer.Argument(help="A file from `dialogue export --format archive`.")],
    merge: Annotated[
        bool, typer.Option(help="Add only what the dialogue here lacks (no duplicates).")
    ] = False,
    slug: Annotated[
        str | None, typer.Option(help="Import as a new dialogue with this slug.")
    ] = None,
) -> None:
    """Restore a dialogue from its archive; a dialogue already here is refused unless --merge."""
    from dialogue.archive.commands import run_import

    run_import(Settings(), path=file, slug=slug, merge=merge)


@app.command("detect-languages")
def detect_languages() -> None:
    """Give every post with no language one, guessed from its text (the server also does
    this at each start, in the background)."""
    from dialogue.threads.language_pass import run_once

    done = asyncio.run(run_once(Settings()))
    typer.echo(f"{done} post(s) without a language given one")


@app.command("mail-send")
def mail_send(
    once: Annotated[bool, typer.Option(help="Send what is due now, then exit.")] = False,
) -> None:
    """Send queued mail through DIALOGUE_SMTP_URL, retrying; until stopped (SIGTERM drains)."""
    settings = Settings()
    if not settings.smtp_url:
        typer.echo("error: DIALOGUE_SMTP_URL is not set", err=True)
        raise typer.Exit(2)
    from dialogue.logs import configure_logging
    from dialogue.notifications.commands import run_sender

    configure_logging(settings)
    tried = asyncio.run(run_sender(settings, once=once))
    if once:
        typer.echo(f"{tried} message(s) tried")


@app.command("mail-receive")
def mail_receive(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on (SMTP).")] = 2525,
) -> None:
    """Receive replies by e-mail (SMTP) and post them in their threads."""
    from dialogue.notifications.inbound.command import run_mail_receive

    settings = Settings()
    if not settings.mail_reply_domain:
        typer.echo("error: set DIALOGUE_MAIL_REPLY_DOMAIN to the domain replies go to", err=True)
        raise typer.Exit(2)
    from dialogue.logs import configure_logging

    configure_logging(settings)
    asyncio.run(run_mail_receive(settings, host=host, port=port))


@app.command("backup")
def backup_command(
    file: Annotated[Path, typer.Argument(help="Where to write the backup.")],
    force: Annotated[bool, typer.Option(help="Replace FILE if it exists.")] = False,
) -> None:
    """A consistent copy of the database while the server runs (SQLite; PostgreSQL: pg_dump)."""
    from dialogue.backup import BackupError, backup

    try:
        copied = backup(Settings(), file, force=force)
    except BackupError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    if copied.engine == "sqlite":
        typer.echo(
            f"SQLite backup written to {copied.path}: {copied.posts} posts, "
            f"schema {copied.revision}, {copied.path.stat().st_size} bytes"
        )
    else:
        typer.echo(f"PostgreSQL backup written to {copied.path} by pg_dump (custom format)")


@app.command("restore")
def restore_command(
    file: Annotated[Path, typer.Argument(help="A file made by `dialogue backup`.")],
) -> None:
    """Restore a backup into an empty database, then migrate it to this release's schema."""
    from dialogue.backup import BackupError, restore

    try:
        copied = restore(Settings(), file)
    except BackupError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(
        f"Restored {file} ({copied.engine}): {copied.posts} posts, backed up at schema "
        f"{copied.revision}, now migrated to this release's"
    )


if __name__ == "__main__":
    app()
