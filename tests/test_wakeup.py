"""Background loops stop when told, even when a wake-up arrives at the same moment.

On Python 3.11 `asyncio.wait_for(flag.wait(), t)` swallowed a cancellation that met the
flag being set: the loop ran on and the app's shutdown, awaiting it, never ended (a test
teardown hung after a report job's nudge). `dialogue.wakeup.woken` is what every loop
waits with now.
"""

from __future__ import annotations

import asyncio

import pytest
from fastapi import FastAPI

from dialogue.state import app_state
from dialogue.wakeup import woken


async def test_a_cancellation_that_meets_the_flag_is_raised() -> None:
    flag = asyncio.Event()
    waiting = asyncio.create_task(woken(flag, 10))
    await asyncio.sleep(0.01)
    flag.set()
    waiting.cancel()  # in the same loop iteration as the flag
    with pytest.raises(asyncio.CancelledError):
        await waiting


async def test_true_when_woken_false_after_the_timeout() -> None:
    flag = asyncio.Event()
    assert await woken(flag, 0.01) is False
    flag.set()
    assert await woken(flag, 10) is True


async def test_the_report_worker_and_the_mail_scheduler_stop_when_rung_as_they_stop(
    app: FastAPI,
) -> None:
    state = app_state(app)
    scheduler = state.mail_scheduler
    assert scheduler is not None
    await asyncio.sleep(0.01)  # both loops are asleep on their flags
    state.report_worker.nudge()
    scheduler.ring(0, {"type": "ring"})
    async with asyncio.timeout(10):
        await asyncio.gather(state.report_worker.stop(), scheduler.stop())
