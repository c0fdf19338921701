"""The SMTP server that receives replies (aiosmtpd, on the app's own event loop).

It takes mail for any address at the reply domain, stores the message (`stored`) and only
then answers 250: a receiver that dies a moment later has lost nothing, and the next one to
start posts it. Whether an address is valid, whose it is and whether the reply was posted
never shows in the SMTP dialogue, and a sender cannot time the answer to find out. Mail for
other domains is refused (no relaying). When the database cannot keep the message, or too
many wait, the answer is 451 and the sending server tries again later.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from dialogue.notifications.inbound import stored
from dialogue.notifications.inbound.receiver import Inbox, take_reply
from dialogue.notifications.models import InboundMessage
from dialogue.wakeup import woken

log = logging.getLogger(__name__)

MAX_RECIPIENTS = 20
WORKERS = 4  # messages posted side by side (parsing one runs in a thread)
POLL_SECONDS = 30.0  # for retries coming due and leases run out (a receiver that died)
TIDY_EVERY = 3600.0
DRAIN_SECONDS = 10.0  # on shutdown, how long to go on posting; the rest waits in the table


class ReplyHandler:
    """aiosmtpd's handler: checks each recipient's domain, stores each message; its
    workers post what is stored."""

    def __init__(self, inbox: Inbox, *, owner: str | None = None) -> None:
        self.inbox = inbox
        self.domain = (inbox.settings.mail_reply_domain or "").lower()
        self.owner = owner or uuid.uuid4().hex
        self.workers: list[asyncio.Task[None]] = []
        self._wake = asyncio.Event()
        self._busy = 0
        self._idle = asyncio.Event()  # set while no message is being posted
        self._idle.set()
        self._tidied = -TIDY_EVERY  # first at start: what an earlier receiver gave up

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
        data = envelope.original_content or envelope.content
        raw = data if isinstance(data, bytes) else (data or "").encode("utf-8", "replace")
        sender = (envelope.mail_from or "").strip("<> ")  # the null sender `<>` of a bounce
        try:
            kept = await stored.store(
                self.inbox.database, sender=sender, recipients=list(envelope.rcpt_tos), raw=raw
            )
        except Exception:  # the sending server keeps the message and tries again
            log.exception("a received reply could not be stored")
            return "451 4.3.0 Cannot take the message now, try again later"
        if not kept:
            return "451 4.3.2 Too busy, try again later"
        self._wake.set()
        return "250 2.0.0 Accepted"

    def start(self) -> None:
        """Start posting: first whatever an earlier receiver stored and did not post."""
        self.workers = [
            asyncio.create_task(self._work_forever(), name="mail-replies") for _ in range(WORKERS)
        ]

    async def stop(self) -> None:
        for worker in self.workers:
            worker.cancel()
        await asyncio.gather(*self.workers, return_exceptions=True)
        self.workers = []

    async def drain(self) -> None:
        """Post every stored message that is due now, and wait for those being posted."""
        await self._work_due()
        await self._idle.wait()

    async def _work_forever(self) -> None:
        while True:
            try:
                await self._work_due()
                loop = asyncio.get_running_loop()
                if loop.time() - self._tidied > TIDY_EVERY:
                    self._tidied = loop.time()
                    await stored.tidy(self.inbox.database)
            except Exception:  # the database is away: the rows wait, the next round retries
                log.exception("stored replies could not be read")
            await woken(self._wake, POLL_SECONDS)
            self._wake.clear()

    async def _work_due(self) -> None:
        # Busy from the claim on: a row claimed and not yet posted is work in progress
        # for `drain` to wait for.
        while True:
            self._busy += 1
            self._idle.clear()
            try:
                row = await stored.take(self.inbox.database, owner=self.owner)
                if row is None:
                    return
                await self._take(row)
            finally:
                self._busy -= 1
                if not self._busy:
                    self._idle.set()

    async def _take(self, row: InboundMessage) -> None:
        database = self.inbox.database
        try:
            outcomes = [
                await take_reply(self.inbox, recipient=to, sender=row.sender, data=row.raw or b"")
                for to in row.recipients
            ]
        except asyncio.CancelledError:  # stopping: the next receiver posts it, not in 5 minutes
            await asyncio.shield(stored.hand_back(database, row=row, owner=self.owner))
            raise
        except Exception as exc:  # one unreadable message must not stop the others
            log.exception("a received reply could not be taken")
            await stored.failed(database, row=row, owner=self.owner, error=_reason(exc))
            return
        outcome = ", ".join(outcomes)
        await stored.done(database, row=row, owner=self.owner, outcome=outcome)
        log.info("reply by e-mail: %s", outcome)


def _reason(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"


class ReplyServer:
    """Listens for replies; started and stopped by `serve`'s lifespan or `mail-receive`."""

    def __init__(self, inbox: Inbox, *, host: str, port: int, owner: str | None = None) -> None:
        self.handler = ReplyHandler(inbox, owner=owner)
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
        self.handler.start()
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(self._protocol, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]  # the real one, if 0 was asked
        log.info("receiving replies by e-mail on %s:%d", self.host, self.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        try:  # what it accepted is posted now, if it can be; else by the next receiver
            await asyncio.wait_for(self.handler.drain(), DRAIN_SECONDS)
        except Exception:
            log.exception("stopping: stored replies are left for the next start")
        await self.handler.stop()
