"""Mail throughput and digest cost, in-process against a local SMTP server (aiosmtpd).

1. Messages queued per second: `outbox.enqueue`, 100 per transaction, as a bulk invitation does.
2. Messages sent per second: one `MailSender` draining the outbox over one kept SMTP
   connection to an aiosmtpd server on this machine (which accepts and counts).
3. Digest build time for 1,000 recipients over 10,000 posts: one dialogue, 1,000 members
   with a daily digest, 10,000 published posts in 50 threads of 2 themes, all new since the
   last digest; timed as `MailScheduler.digests()` runs it (build, render, queue, commit).

    .venv/bin/python bench/mail.py [--messages 2000] [--people 1000] [--posts 10000]
                                   [--database-url postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `python bench/x.py` puts bench/ first, not the repo
    sys.path.insert(0, str(ROOT))

from aiosmtpd.controller import Controller  # noqa: E402
from bench.common import free_port  # noqa: E402
from sqlalchemy import func, update  # noqa: E402
from sqlmodel import select  # noqa: E402

from dialogue.accounts.models import Digest, User  # noqa: E402
from dialogue.config import Settings  # noqa: E402
from dialogue.db import Database, utcnow  # noqa: E402
from dialogue.dialogues.models import Dialogue, Membership, Theme  # noqa: E402
from dialogue.leases import WorkState  # noqa: E402
from dialogue.migrations import upgrade  # noqa: E402
from dialogue.notifications import outbox  # noqa: E402
from dialogue.notifications.models import MailCursor, MailKind, OutboxMessage  # noqa: E402
from dialogue.notifications.scheduler import MailScheduler  # noqa: E402
from dialogue.notifications.sender import CONNECTIONS, MailSender  # noqa: E402
from dialogue.threads.models import Post, Thread  # noqa: E402


class Counter:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.count += 1
        return "250 OK"


async def throughput(database: Database, settings: Settings, n: int, sink: Counter) -> None:
    start = time.perf_counter()
    for first in range(0, n, 100):
        async with database.writing() as session:
            for i in range(first, min(first + 100, n)):
                await outbox.enqueue(
                    session,
                    to=f"Person {i} <p{i}@example.org>",
                    subject=f"Invitation {i}",
                    text="An invitation.\n" * 20,
                    html="<p>An invitation.</p>" * 20,
                    kind=MailKind.INVITATION,
                    headers={"List-Unsubscribe": "<https://example.org/u>"},
                )
            await session.commit()
    queued = time.perf_counter() - start
    sender = MailSender(database=database, settings=settings, owner="bench")
    start = time.perf_counter()
    sent = await sender.send_due()
    await sender.close()
    elapsed = time.perf_counter() - start
    assert sent == n == sink.count, (sent, n, sink.count)
    print(f"queued: {n} messages in {queued:.2f} s = {n / queued:,.0f}/s")
    print(
        f"sent:   {n} messages in {elapsed:.2f} s = {n / elapsed:,.0f}/s"
        f" (one sender, {CONNECTIONS} connections)"
    )


async def seed(database: Database, people: int, posts: int) -> None:
    now = utcnow()
    async with database.writing() as session:
        owner = User(email="owner@example.org", display_name="Owner", digest=Digest.OFF)
        session.add(owner)
        dialogue = Dialogue(slug="bench-digest", title="Digest bench", status="open")
        session.add(dialogue)
        await session.flush()
        themes = [
            Theme(
                dialogue_id=dialogue.id or 0,
                title=f"Week {n + 1}",
                position=n,
                opens_at=now - timedelta(days=3),
                closes_at=now + timedelta(days=10),
            )
            for n in range(2)
        ]
        session.add_all(themes)
        users = [
            User(email=f"m{i}@example.org", display_name=f"Member {i}", digest=Digest.DAILY)
            for i in range(people)
        ]
        session.add_all(users)
        await session.flush()
        session.add_all(
            Membership(dialogue_id=dialogue.id or 0, user_id=u.id or 0, role="participant")
            for u in users
        )
        threads = [
            Thread(
                dialogue_id=dialogue.id or 0,
                theme_id=themes[n % 2].id or 0,
                title=f"Thread {n}",
                author_id=users[n].id,
            )
            for n in range(50)
        ]
        session.add_all(threads)
        await session.flush()
        for n in range(posts):
            body = f"Post {n}: what works in our programmes, and what does not, in some words."
            session.add(
                Post(
                    dialogue_id=dialogue.id or 0,
                    thread_id=threads[n % 50].id or 0,
                    author_id=users[n % people].id,
                    anonymous=n % 7 == 0,
                    body=body,
                    body_html=f"<p>{body}</p>",
                    created_at=now - timedelta(hours=1),
                )
            )
        then = now - timedelta(hours=25)
        session.add_all(
            MailCursor(user_id=u.id or 0, kind=MailKind.DIGEST, covered_until=then, sent_at=then)
            for u in users
        )
        await session.commit()


async def digest_cost(database: Database, settings: Settings, people: int, posts: int) -> None:
    await seed(database, people, posts)
    async with database.writing() as session:  # the throughput part's rows are not digests
        await session.exec(update(OutboxMessage).values(state=WorkState.DONE))
        await session.commit()
    scheduler = MailScheduler(database=database, settings=settings)
    start = time.perf_counter()
    queued = await scheduler.digests()
    elapsed = time.perf_counter() - start
    async with database.reader() as session:
        size = (
            await session.exec(
                select(func.avg(func.length(OutboxMessage.html))).where(
                    OutboxMessage.kind == MailKind.DIGEST
                )
            )
        ).one()
    assert queued == people, queued
    print(
        f"digests: {people} recipients over {posts} posts in {elapsed:.2f} s "
        f"= {elapsed / people * 1000:.1f} ms each; HTML part {float(size or 0) / 1024:.0f} KiB"
    )


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--posts", type=int, default=10000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    sink = Counter()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'mail.db'}"
    settings = Settings(
        database_url=url, smtp_url=f"smtp://127.0.0.1:{port}", base_url="https://dialogue.example"
    )
    upgrade(settings)
    database = Database(settings)
    try:
        await throughput(database, settings, args.messages, sink)
        await digest_cost(database, settings, args.people, args.posts)
    finally:
        await database.dispose()
        controller.stop()


if __name__ == "__main__":
    asyncio.run(main())
