"""Typing frames: relayed only for a member whose reply the thread would take now.

Typing frames come often, so each socket remembers what it learnt about a thread for a
short while instead of reading the database for each one; a mute, a lock or a closed
theme takes effect on typing within `PLACE_TTL` seconds (posting itself checks at once).
"""

from __future__ import annotations

import time

from fastapi import WebSocket

from dialogue.db import Database
from dialogue.errors import Forbidden
from dialogue.i18n import gettext as _
from dialogue.live.connection import Connection
from dialogue.live.frames import TypingFrame
from dialogue.live.hub import Hub
from dialogue.policy import ReplyPlace, may_type
from dialogue.state import app_state
from dialogue.threads import queries
from dialogue.threads import service as threads

PLACE_TTL = 10.0
MAX_PLACES = 16  # threads remembered per socket; a reader moves between a few at most


class TypingRights:
    """One per socket: which threads it may announce typing in, remembered briefly."""

    def __init__(self, database: Database, connection: Connection) -> None:
        self.database = database
        self.connection = connection
        self._places: dict[int, tuple[float, ReplyPlace | None]] = {}

    async def place(self, thread_id: int) -> ReplyPlace | None:
        now = time.monotonic()
        known = self._places.get(thread_id)
        if known is not None and now - known[0] < PLACE_TTL:
            return known[1]
        user_id = self.connection.user_id
        assert user_id is not None
        async with self.database.reader() as session:
            found = await queries.posting_contexts(session=session, pairs=[(user_id, thread_id)])
        place = threads.reply_place(
            found.get((user_id, thread_id)), dialogue_id=self.connection.dialogue_id
        )
        if len(self._places) >= MAX_PLACES:
            self._places.clear()
        self._places[thread_id] = (now, place)
        return place


async def relay_typing(websocket: WebSocket, rights: TypingRights, frame: TypingFrame) -> None:
    """Publish "is typing" to the dialogue, or refuse with `Forbidden` (an `error` frame)."""
    connection = rights.connection
    if frame.anonymous:
        # Nothing is announced for someone writing anonymously: "typing", beside the online
        # list, then an anonymous post would say who wrote it.
        return
    if not may_type(connection.role, await rights.place(frame.thread_id)):
        # One answer for a thread that does not exist and one that is closed to this
        # caller: the refusal says nothing about threads they cannot see.
        raise Forbidden(_("You cannot post in this thread."))
    hub: Hub = app_state(websocket).hub
    await hub.broker.publish(
        connection.dialogue_id,
        {
            "type": "typing",
            "thread_id": frame.thread_id,
            "user": connection.display_name,
            "user_id": connection.user_id,
        },
    )
