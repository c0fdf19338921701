"""Waiting for a wake-up flag, at most so long, without ever losing a cancellation.

Every background loop here (the mail scheduler and sender, the report worker, the embedding
warmer, stored inbound mail) sleeps on `wake.wait()` with a timeout and is stopped by
cancelling its task and awaiting it. On Python 3.11, `asyncio.wait_for(wake.wait(), t)`
returns normally when the cancellation arrives in the same loop iteration as the flag is
set: the cancellation is lost, the loop runs on, and the `stop()` awaiting it waits
forever (seen as an app shutdown that never ended after a report job's nudge met it).
`asyncio.timeout` counts cancellations and has no such race.
"""

from __future__ import annotations

import asyncio


async def woken(flag: asyncio.Event, seconds: float) -> bool:
    """True once `flag` is set, False after `seconds` without it; a cancellation is raised."""
    try:
        async with asyncio.timeout(seconds):
            await flag.wait()
    except TimeoutError:
        return False
    return True
