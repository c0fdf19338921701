"""A dialogue holding every kind of archived record, and fresh databases to restore it into."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import func
from sqlmodel import col, select

import dialogue.models as models
from dialogue.accounts.models import User
from dialogue.archive.service import write_archive
from dialogue.config import Settings
from dialogue.db import Database
from dialogue.demo.loader import load_demo
from dialogue.dialogues.models import Dialogue, Membership, Theme
from dialogue.moderation.audit import record_action
from dialogue.moderation.models import Appeal, AuthorSanction, Notice, UnmaskRequest
from dialogue.synthesis.models import (
    Report,
    ReportApproval,
    ReportComment,
    ReportRevision,
    ReportSnapshot,
)
from dialogue.threads.models import Post, PostRevision, Thread
from tests.demo_support import SLUG
from tests.services import WORKER, PostgresServer

ADMIN = "admin@example.org"
# Text only the enriched scene writes, to find in (or keep out of) archives.
SECRET_INVITEE = "invitee@secret-shelter.org"
SNAPSHOT_NAME = "Published Snapshot Name"


@dataclass(frozen=True)
class Rich:
    """The enriched demo in a SQLite file, built once per test process, and its archives."""

    source: Settings
    facts: Facts
    pseudonymous: Path
    named: Path  # --with-identities


_rich: list[Rich] = []


async def rich_archives(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Rich:
    """Loading the demo takes seconds: every archive test shares this one."""
    if not _rich:
        folder = tmp_path_factory.mktemp("rich")
        shutil.copy(sqlite_template, folder / "source.db")
        source = settings_for(f"sqlite+aiosqlite:///{folder / 'source.db'}")
        facts = await build_rich(source)
        pseudonymous = await export_to(source, folder / "pseudonymous.jsonl.gz")
        named = await export_to(source, folder / "named.jsonl.gz", identities=True)
        _rich.append(Rich(source, facts, pseudonymous, named))
    return _rich[0]


@dataclass(frozen=True)
class Facts:
    slug: str
    anonymous_post: int  # opens its thread
    anonymous_author: str  # that author's email
    named_email: str  # a member who consented to be named
    named_name: str
    unnamed_email: str  # a member who did not
    unnamed_name: str


def quiet(*_args: Any) -> None:
    """A progress callback for tests."""


def settings_for(url: str) -> Settings:
    return Settings(environment="test", database_url=url, secret_key="test-secret")


_made = iter(range(10**6))


@contextmanager
def fresh_database(
    kind: str, *, tmp_path: Path, sqlite_template: Path, postgres: PostgresServer | None
) -> Iterator[Settings]:
    """Another migrated, empty database ("another server") of the given kind."""
    number = next(_made)
    if kind == "sqlite":
        path = tmp_path / f"other{number}.db"
        shutil.copy(sqlite_template, path)
        yield settings_for(f"sqlite+aiosqlite:///{path}")
        return
    assert postgres is not None
    name = f"archive_{WORKER}_{number}"
    admin = postgres.url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name} TEMPLATE dialogue_template_{WORKER}")
    try:
        yield settings_for(postgres.url.rsplit("/", 1)[0] + "/" + name)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


async def build_rich(settings: Settings) -> Facts:
    """The demo dialogue, plus the records the demo does not make (revisions, notices,
    appeals, unmask requests, a published report with comments and approvals)."""
    await load_demo(settings, admin_email=ADMIN, admin_password="a demo password 123")
    database = Database(settings)
    try:
        async with database.writing() as session:
            facts = await _enrich(session)
            await session.commit()
    finally:
        await database.dispose()
    return facts


async def _enrich(session: Any) -> Facts:
    dialogue = (await session.exec(select(Dialogue))).one()
    posts = (await session.exec(select(Post).order_by(col(Post.id)))).all()
    anonymous = next(p for p in posts if p.anonymous and p.parent_id is None)
    named_post = next(p for p in posts if not p.anonymous and p.author_id is not None)
    roles = dict((await session.exec(select(Membership.role, Membership.user_id))).all())
    moderator, organizer = roles["moderator"], roles["organizer"]
    themes = (await session.exec(select(Theme).order_by(col(Theme.id)))).all()
    thread = (await session.exec(select(Thread).order_by(col(Thread.id)))).first()
    d = dialogue.id

    async def audit(action: str, target_type: str, target_id: int | None, **values: Any) -> int:
        entry = await record_action(
            session=session,
            dialogue_id=d,
            actor_id=moderator,
            action=action,
            target_type=target_type,
            target_id=target_id,
            **values,
        )
        return entry.id or 0

    session.add(
        PostRevision(post_id=anonymous.id, body="ANONREVISION", editor_id=anonymous.author_id)
    )
    session.add(PostRevision(post_id=named_post.id, body="older", editor_id=moderator, note="typo"))
    named_post.lang, anonymous.lang = "fr", "pt-BR"  # the demo writes in English only
    session.add_all([named_post, anonymous])
    hidden = await audit("post.hide", "post", anonymous.id, after={"status": "hidden"})
    hide_notice = Notice(
        dialogue_id=d,
        user_id=anonymous.author_id,
        kind="hidden",
        post_id=anonymous.id,
        audit_entry_id=hidden,
        actor_id=moderator,
        reason="clause 2",
    )
    session.add(hide_notice)
    await _sanctioned_anonymous_author(session, audit, anonymous, hide_notice)
    muted = await audit(
        "member.mute", "member", named_post.author_id, after={"role": "participant"}
    )
    notice = Notice(
        dialogue_id=d,
        user_id=named_post.author_id,
        kind="muted",
        audit_entry_id=muted,
        actor_id=moderator,
        reason="tone",
    )
    session.add(notice)
    await session.flush()
    appeal = Appeal(
        dialogue_id=d, notice_id=notice.id or 0, user_id=named_post.author_id, note="please"
    )
    unmask = UnmaskRequest(
        dialogue_id=d, post_id=anonymous.id, requested_by=moderator, reason="threat"
    )
    session.add_all([appeal, unmask])
    await session.flush()
    await audit(
        "appeal.submit", "appeal", appeal.id, after={"notice_id": notice.id, "kind": "muted"}
    )
    await audit("post.unmask_request", "post", anonymous.id, after={"request_id": unmask.id})
    await audit(
        "member.invite", "invitation", 99, after={"email": SECRET_INVITEE, "invitation_id": 99}
    )
    await audit(
        "thread.move",
        "thread",
        thread.id,
        before={"theme_id": themes[0].id},
        after={"theme_id": themes[1].id},
    )
    report = Report(
        dialogue_id=d,
        state="published",
        executive_summary="SUMMARY",
        introduction="INTRODUCTION",
        theme_summaries={str(themes[1].id): "THEME SUMMARY"},
        updated_by=organizer,
    )
    session.add(report)
    await session.flush()
    session.add_all(
        [
            ReportComment(
                report_id=report.id or 0,
                author_id=organizer,
                theme_id=themes[0].id,
                section="theme",
                body="COMMENT",
            ),
            ReportRevision(
                report_id=report.id or 0,
                version=1,
                review_round=1,
                executive_summary="SUMMARY",
                introduction="INTRODUCTION",
                created_by=organizer,
            ),
            ReportApproval(
                report_id=report.id or 0, user_id=organizer, role="organizer", review_round=1
            ),
            ReportSnapshot(
                report_id=report.id or 0,
                version=1,
                document=f'{{"who": "{SNAPSHOT_NAME}"}}',
                created_by=organizer,
            ),
        ]
    )
    await audit("report.publish", "report", report.id, after={"state": "published"})
    people = (await session.exec(select(User).order_by(col(User.id)))).all()
    named = next(u for u in people if u.quote_consent == "named")
    unnamed = next(u for u in people if u.quote_consent == "none")
    author = next(u for u in people if u.id == anonymous.author_id)
    return Facts(
        slug=SLUG,
        anonymous_post=anonymous.id,
        anonymous_author=author.email,
        named_email=named.email,
        named_name=named.display_name,
        unnamed_email=unnamed.email,
        unnamed_name=unnamed.display_name,
    )


async def _sanctioned_anonymous_author(
    session: Any, audit: Any, anonymous: Post, hide_notice: Notice
) -> None:
    """The hardening issue's reproduction, as rows written before sanctions had a table of
    their own: a mute through the anonymous post set the membership's `muted_until` (to the
    microsecond of the audit entry), its notice came with the entry, and the author's
    appeal of the hide was logged under their account. And one sanction made as now."""
    d, author = anonymous.dialogue_id, anonymous.author_id
    until = datetime(2031, 1, 1, 0, 0, 7, 123456, tzinfo=UTC)
    membership = (
        await session.exec(
            select(Membership).where(Membership.dialogue_id == d, Membership.user_id == author)
        )
    ).one()
    membership.muted_until = until
    session.add(membership)
    muted = await audit(
        "member.mute",
        "post_author",
        anonymous.id,
        reason="ANONMUTE",
        before={"role": membership.role, "muted_until": None},
        after={"role": membership.role, "muted_until": until.isoformat()},
    )
    session.add(
        Notice(dialogue_id=d, user_id=author, kind="muted", audit_entry_id=muted, until=until)
    )
    await session.flush()
    appeal = Appeal(dialogue_id=d, notice_id=hide_notice.id or 0, user_id=author, note="ANONAPPEAL")
    session.add(appeal)
    session.add(AuthorSanction(dialogue_id=d, post_id=anonymous.id, user_id=author, barred=True))
    await session.flush()
    await record_action(
        session=session,
        dialogue_id=d,
        actor_id=author,
        action="appeal.create",
        target_type="appeal",
        target_id=appeal.id,
        reason="ANONAPPEAL",
        after={"notice_id": hide_notice.id, "kind": "hidden"},
    )
    await audit(
        "author.ban",
        "post_author",
        anonymous.id,
        reason="ANONBAN",
        before={"muted_until": None, "banned": False},
        after={"muted_until": None, "banned": True},
    )


async def export_to(
    settings: Settings, path: Path, *, slug: str = SLUG, identities: bool = False
) -> Path:
    await write_archive(settings, slug=slug, path=path, identities=identities, progress=quiet)
    return path


async def row_counts(settings: Settings) -> dict[str, int]:
    """Rows in every table, to show that a failed import left nothing behind."""
    database = Database(settings)
    try:
        async with database.session() as session:
            return {
                name: int(
                    (
                        await session.exec(select(func.count()).select_from(getattr(models, name)))
                    ).one()
                )
                for name in models.__all__
            }
    finally:
        await database.dispose()
