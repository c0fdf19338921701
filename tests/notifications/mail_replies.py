"""Helpers of the reply-by-e-mail tests: a reply server on the app, and delivering to it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import aiosmtplib
from fastapi import FastAPI
from sqlmodel import col, select

from dialogue.notifications.inbound.receiver import Inbox
from dialogue.notifications.inbound.server import ReplyServer
from dialogue.state import app_state
from dialogue.threads.models import Post
from tests.dialogues.cast import db

DOMAIN = "replies.dialogue.test"


@asynccontextmanager
async def reply_server(app: FastAPI) -> AsyncIterator[ReplyServer]:
    """A reply server on a free port, on the app's database and post writer (as `serve`
    runs it when `DIALOGUE_MAIL_RECEIVE_PORT` is set)."""
    state = app_state(app)
    inbox = Inbox(
        settings=state.settings,
        database=state.database,
        broker=state.broker,
        post_writer=state.post_writer,
        limits=state.limits,
    )
    server = ReplyServer(inbox, host="127.0.0.1", port=0)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def reply_mail(
    *,
    sender: str,
    to: str,
    text: str | None = None,
    html: str | None = None,
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = "Re: A thread"
    message["Message-ID"] = make_msgid(domain="client.example")
    for name, value in (headers or {}).items():
        message[name] = value
    if text is not None:
        message.set_content(text)
        if html is not None:
            message.add_alternative(html, subtype="html")
    elif html is not None:
        message.set_content(html, subtype="html")
    return message


async def deliver(
    port: int, message: EmailMessage, *, envelope_from: str | None = None, **kwargs: Any
) -> tuple[dict[str, Any], str]:
    """Send over real SMTP; the server's answers to each recipient and to the message."""
    return await aiosmtplib.send(
        message,
        hostname="127.0.0.1",
        port=port,
        sender=envelope_from if envelope_from is not None else str(message["From"]),
        **kwargs,
    )


async def posts_in(app: FastAPI, thread_id: int) -> list[Post]:
    async with db(app).session() as session:
        found = await session.exec(
            select(Post).where(Post.thread_id == thread_id).order_by(col(Post.id))
        )
        return list(found.all())
