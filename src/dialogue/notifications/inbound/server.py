"""The SMTP server that receives replies (aiosmtpd, on the app's own event loop).

It takes mail for any address at the reply domain and answers 250 before it reads the
message: whether an address is valid, whose it is and whether the reply was posted never
shows in the SMTP dialogue, and a sender cannot time the answer to find out. Mail for other
domains is refused (no relaying). Each message is then taken on its own task; when too
many wait, new ones are deferred (451) for the sending server to retry.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from dialogue.notifications.inbound.receiver import Inbox, take_reply

log = logging.getLogger(__name__)

MAX_RECIPIENTS = 20
MAX_WAITING = 100  # messages received and not yet taken: each holds its bytes in memory


class ReplyHandler:
    """aiosmtpd's handler: checks each recipient's domain, queues each message."""

    def __init__(self, inbox: Inbox) -> None:
        self.inbox = inbox
        self.domain = (inbox.settings.mail_reply_domain or "").lower()
        self.tasks: set[asyncio.Task[None]] = set()

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if not self.domain or address.rpartition("@")[2].lower() != self.domain:
            return "550 5.7.1 Relaying denied"
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return "452 4.5.3 Too many recipients"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        if len(self.tasks) >= MAX_WAITING:
            return "451 4.3.2 Too busy, try again later"
        data = envelope.original_content or envelope.content
        raw = data if isinstance(data, bytes) else (data or "").encode("utf-8", "replace")
        sender = (envelope.mail_from or "").strip("<> ")  # the null sender `<>` of a bounce
        for recipient in envelope.rcpt_tos:
            task = asyncio.create_task(self._take(recipient, sender, raw), name="mail-reply")
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)
        return "250 2.0.0 Accepted"

    async def _take(self, recipient: str, sender: str, data: bytes) -> None:
        try:
            outcome = await take_reply(self.inbox, recipient=recipient, sender=sender, data=data)
        except Exception:  # one unreadable message must not stop the others; say which failed
            log.exception("a received reply could not be taken")
            return
        log.info("reply by e-mail: %s", outcome)

    async def drain(self) -> None:
        """Let the messages already accepted finish (they were answered 250)."""
        if self.tasks:
            await asyncio.gather(*list(self.tasks), return_exceptions=True)


class ReplyServer:
    """Listens for replies; started and stopped by `serve`'s lifespan or `mail-receive`."""

    def __init__(self, inbox: Inbox, *, host: str, port: int) -> None:
        self.handler = ReplyHandler(inbox)
        self.host = host
        self.port = port
        self.max_bytes = inbox.settings.mail_receive_max_bytes
        self._server: asyncio.Server | None = None

    def _protocol(self) -> Any:
        return SMTP(
            self.handler,
            data_size_limit=self.max_bytes,
            hostname=self.handler.domain or "localhost",  # not getfqdn(): no DNS on start
            ident="dialogue",
            timeout=60,
        )

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(self._protocol, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]  # the real one, if 0 was asked
        log.info("receiving replies by e-mail on %s:%d", self.host, self.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        await self.handler.drain()
