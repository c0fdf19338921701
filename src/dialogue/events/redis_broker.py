"""Redis pub/sub between app instances: one channel, small JSON messages, reconnecting forever.

Publishing is best effort: if Redis is down the commit has still happened, and every
instance's hub finds the new events on its next sweep of the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from typing import Any

import redis.asyncio as redis

from dialogue.events.broker import Listener, deliver

log = logging.getLogger(__name__)
CHANNEL = "dialogue:events"
RECONNECT_MAX = 5.0


class RedisBroker:
    def __init__(self, url: str) -> None:
        self._url = url
        self._client: redis.Redis = redis.Redis.from_url(url, socket_connect_timeout=2)
        self._listeners: list[Listener] = []
        self._task: asyncio.Task[None] | None = None
        self.connected = asyncio.Event()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._listen_forever(), name="redis-broker")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._client.aclose()
        self._listeners.clear()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    async def publish(self, dialogue_id: int, message: dict[str, Any]) -> None:
        payload = json.dumps({"dialogue_id": dialogue_id, **message}, separators=(",", ":"))
        try:
            await self._client.publish(CHANNEL, payload)
        except (redis.RedisError, OSError) as exc:
            log.warning("redis publish failed (the log sweep will deliver): %s", exc)

    async def _listen_forever(self) -> None:
        delay = 0.1
        while True:
            pubsub = self._client.pubsub()
            try:
                await pubsub.subscribe(CHANNEL)
                self.connected.set()
                delay = 0.1
                async for item in pubsub.listen():
                    if item.get("type") != "message":
                        continue
                    await self._dispatch(item["data"])
            except asyncio.CancelledError:
                raise
            except (redis.RedisError, OSError) as exc:
                self.connected.clear()
                log.warning("redis subscription lost, retrying in %.1fs: %s", delay, exc)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
            await asyncio.sleep(delay)
            delay = min(delay * 2, RECONNECT_MAX)

    async def _dispatch(self, data: bytes | str) -> None:
        try:
            message = json.loads(data)
            dialogue_id = int(message.pop("dialogue_id"))
        except (ValueError, KeyError, TypeError):
            log.warning("ignoring a malformed broker message")
            return
        try:
            await deliver(self._listeners, dialogue_id, message)
        except Exception:  # one failing listener must not end the subscription
            log.exception("broker listener failed")
