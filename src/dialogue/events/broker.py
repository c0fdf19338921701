"""Brokers carry "dialogue D has new events up to seq S" between app instances.

The broker is only a doorbell: the event log in the database is the truth, and a listener
that misses a ring catches up from the log.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

Listener = Callable[[int, dict[str, Any]], Awaitable[None] | None]


class Broker(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    async def publish(self, dialogue_id: int, message: dict[str, Any]) -> None: ...
    def subscribe(self, listener: Listener) -> Callable[[], None]: ...


class MemoryBroker:
    """Delivers within one process; the embedded default."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        self._listeners.clear()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    async def publish(self, dialogue_id: int, message: dict[str, Any]) -> None:
        await deliver(self._listeners, dialogue_id, message)


async def deliver(listeners: list[Listener], dialogue_id: int, message: dict[str, Any]) -> None:
    for listener in list(listeners):
        outcome = listener(dialogue_id, message)
        if outcome is not None:
            await outcome
