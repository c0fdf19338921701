"""Wakes long-poll requests (and anything else waiting in this process) when a dialogue changes."""

from __future__ import annotations

import asyncio
from typing import Any

from dialogue.wakeup import woken


class Doorbell:
    def __init__(self) -> None:
        self._events: dict[int, asyncio.Event] = {}

    def ring(self, dialogue_id: int, message: dict[str, Any]) -> None:
        if message.get("type", "ring") != "ring":  # presence and typing change no event
            return
        event = self._events.pop(dialogue_id, None)
        if event is not None:
            event.set()

    def arm(self, dialogue_id: int) -> asyncio.Event:
        """The flag the dialogue's next ring sets: take it before reading the log, so that a
        commit landing between the read and the wait still wakes the waiter."""
        return self._events.setdefault(dialogue_id, asyncio.Event())

    async def wait(
        self, dialogue_id: int, timeout: float, armed: asyncio.Event | None = None
    ) -> bool:
        """True when the dialogue changed (since `armed` was taken) before the timeout."""
        return await woken(armed or self.arm(dialogue_id), timeout)
