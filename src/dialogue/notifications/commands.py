"""`dialogue mail-send`: the sender on its own, for deployments that run it apart from serve."""

from __future__ import annotations

import asyncio
import signal
import uuid

from dialogue.config import Settings
from dialogue.db import Database
from dialogue.notifications.sender import MailSender


async def run_sender(settings: Settings, *, once: bool) -> int:
    """Send until SIGTERM or SIGINT (then drain what is due); with `once`, what is due now.

    Returns how many messages were tried when `once`, else 0.
    """
    from dialogue.app import create_broker  # the same doorbell `serve` rings

    database = Database(settings)
    sender = MailSender(database=database, settings=settings, owner=uuid.uuid4().hex)
    try:
        if once:
            tried = await sender.send_due()
            await sender.mailer.close()
            return tried
        broker = create_broker(settings)
        unsubscribe = broker.subscribe(sender.ring)
        await broker.start()
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stopping.set)
        sender.start()
        await stopping.wait()
        unsubscribe()
        await sender.stop()
        await broker.stop()
        return 0
    finally:
        await database.dispose()
