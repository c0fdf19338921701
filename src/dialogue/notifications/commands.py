"""`dialogue mail-send`: the sender on its own, for deployments that run it apart from serve."""

from __future__ import annotations

import asyncio
import signal
import uuid

from dialogue.config import Settings
from dialogue.db import Database
from dialogue.notifications.scheduler import MailScheduler
from dialogue.notifications.sender import MailSender


async def run_sender(settings: Settings, *, once: bool) -> int:
    """Send until SIGTERM or SIGINT (then drain what is due); with `once`, what is due now.

    Returns how many messages were tried when `once`, else 0.
    """
    from dialogue.app import create_broker  # the same doorbell `serve` rings

    database = Database(settings)
    sender = MailSender(database=database, settings=settings, owner=uuid.uuid4().hex)
    broker = create_broker(settings)
    try:
        # With the broker, the notices it writes update their readers' open pages.
        scheduler = MailScheduler(database=database, settings=settings, broker=broker)
        if once:
            await broker.start()
            await scheduler.tick()
            await broker.stop()
            tried = await sender.send_due()
            await sender.close()
            return tried
        unsubscribes = [broker.subscribe(sender.ring), broker.subscribe(scheduler.ring)]
        await broker.start()
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stopping.set)
        sender.start()
        scheduler.start()
        await stopping.wait()
        for unsubscribe in unsubscribes:
            unsubscribe()
        await scheduler.stop()
        await sender.stop()
        await broker.stop()
        return 0
    finally:
        await database.dispose()
