"""`dialogue mail-receive`: the reply server on its own, for deployments that want it apart.

It writes posts through a post writer of its own, and rings the same broker as the app's
instances (Redis when configured), so readers see an e-mailed reply arrive live. Without
Redis, the app's instances see it at their next event or catch-up read.
"""

from __future__ import annotations

import asyncio
import signal

from dialogue.app import create_broker
from dialogue.config import Settings
from dialogue.db import Database
from dialogue.notifications.inbound.receiver import Inbox
from dialogue.notifications.inbound.server import ReplyServer
from dialogue.ratelimit import RateLimits
from dialogue.threads.writer import PostWriter


async def run_mail_receive(settings: Settings, *, host: str, port: int) -> None:
    """Receive replies until SIGINT or SIGTERM, then finish the messages already accepted."""
    database = Database(settings)
    broker = create_broker(settings)
    writer = PostWriter(database, broker)
    limits = RateLimits.from_settings(settings)
    await broker.start()
    writer.start()
    inbox = Inbox(
        settings=settings, database=database, broker=broker, post_writer=writer, limits=limits
    )
    server = ReplyServer(inbox, host=host, port=port)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    try:
        await server.start()
        print(f"receiving replies for @{settings.mail_reply_domain} on {host}:{server.port}")
        await stopping.wait()
    finally:
        await server.stop()
        await writer.stop()
        await broker.stop()
        await limits.counters.close()
        await database.dispose()
