"""The per-instance hub: reads each new event from the log once and hands it to its connections.

The broker only says "dialogue D has events up to S". The hub reads (cursor, S] from the
database, serialises each event once, and queues the same text for every live connection
allowed to see it. A post event also carries its `_post.html` (`live.fragments`), rendered
once per kind of reader that is listening, never once per socket. A lost ring is harmless:
the next ring, or the periodic sweep, reads the gap from the log, so every connection gets
every event once and in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import col, select

from dialogue.adapters.websocket_protocol import OutFrame
from dialogue.db import Database
from dialogue.dialogues.models import Dialogue, PresenceMode
from dialogue.events.broker import Broker
from dialogue.events.kinds import POST_KINDS, EventKind
from dialogue.events.models import Audience, Event
from dialogue.events.service import may_see
from dialogue.live import presence as presence_timing
from dialogue.live.connection import (
    WS_1001_GOING_AWAY,
    WS_4401_SIGNED_OUT,
    WS_4403_REMOVED,
    Connection,
)
from dialogue.live.fragments import (
    CONTEXT_KINDS,
    DialogueContext,
    EventFrames,
    PostFragments,
    load_context,
)
from dialogue.live.fragments import event_frame as frame_text
from dialogue.live.meter import DeliveryMeter
from dialogue.live.presence import Presence
from dialogue.policy import Role

log = logging.getLogger(__name__)

PAGE = 500
PUMP_CHUNK = 50  # well under any sensible send-queue limit
SWEEP_SECONDS = 1.0
PRESENCE_SECONDS = 1.0  # at most one presence broadcast per dialogue per instance this often


def event_frame(event: Event) -> str:
    return frame_text(event.seq, event.kind, event.data)


@dataclass
class Channel:
    """The connections of one dialogue on this instance and how far the hub has read its log."""

    cursor: int
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    connections: set[Connection] = field(default_factory=set)
    wanted: int = 0  # the highest seq a ring announced
    pumper: asyncio.Task[None] | None = None
    names: Counter[str] = field(default_factory=Counter)  # display names of live connections
    context: DialogueContext | None = None  # what post fragments read of the dialogue
    # The dialogue shows presence as a count: names never leave the server (but between
    # instances, which merge their lists by name so one person on two is counted once).
    count_only: bool = False


class Hub:
    def __init__(
        self,
        *,
        database: Database,
        broker: Broker,
        instance_id: str,
        fragments: PostFragments | None = None,
        meter: DeliveryMeter | None = None,
    ) -> None:
        self.database = database
        self.meter = meter  # None: nothing counts deliveries (tests of the hub alone)
        self.broker = broker
        self.instance_id = instance_id
        self.fragments = fragments  # None: post events go out without their `html`
        self.channels: dict[int, Channel] = {}
        self.presence = Presence(instance_id)
        self._announcers: dict[int, asyncio.Task[None]] = {}
        self._announced_at: dict[int, float] = {}
        self._stopping = False
        self._sweeper: asyncio.Task[None] | None = None
        self._unsubscribe: Any = None

    async def start(self) -> None:
        self._unsubscribe = self.broker.subscribe(self.on_message)
        self._sweeper = asyncio.create_task(self._sweep_forever(), name="hub-sweep")

    async def stop(self) -> None:
        self._stopping = True  # sockets leaving from here on announce nothing
        if self._unsubscribe is not None:
            self._unsubscribe()
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        for channel in self.channels.values():
            if channel.pumper is not None:
                channel.pumper.cancel()
        for announcer in list(self._announcers.values()):
            announcer.cancel()
        connections = [c for ch in self.channels.values() for c in ch.connections]
        for connection in connections:
            connection.close(WS_1001_GOING_AWAY)
        await asyncio.gather(*(c.stop() for c in connections), return_exceptions=True)

    # --- the log -------------------------------------------------------------------------

    async def read_log(
        self, dialogue_id: int, after: int, upto: int | None = None, limit: int = PAGE
    ) -> list[Event]:
        async with self.database.reader() as session:
            query = (
                select(Event)
                .where(Event.dialogue_id == dialogue_id, Event.seq > after)
                .order_by(col(Event.seq))
                .limit(limit)
            )
            if upto is not None:
                query = query.where(Event.seq <= upto)
            return list((await session.exec(query)).all())

    async def head(self, dialogue_ids: Sequence[int]) -> dict[int, int]:
        async with self.database.reader() as session:
            rows = (
                await session.exec(
                    select(Dialogue.id, Dialogue.last_seq).where(col(Dialogue.id).in_(dialogue_ids))
                )
            ).all()
            return {int(i): int(s) for i, s in rows if i is not None}

    async def pump(self, dialogue_id: int) -> None:
        """Deliver everything of the log after the channel's cursor to its live connections."""
        channel = self.channels.get(dialogue_id)
        if channel is None:
            return
        async with channel.lock:
            while True:
                events = await self.read_log(dialogue_id, channel.cursor, limit=PUMP_CHUNK)
                if events:
                    context = await self._context(dialogue_id, channel, events)
                    self._fan_out(channel, events, context)
                    channel.cursor = events[-1].seq
                    if self._presence_mode_changed(channel, events):
                        self._push_presence(dialogue_id)
                if len(events) < PUMP_CHUNK:
                    return
                # A backlog goes out in chunks, with the senders running in between: queued
                # all at once it could overflow even a fast reader's bounded queue.
                await asyncio.sleep(0)

    def wake(self, dialogue_id: int, upto: int) -> None:
        """Schedule delivery up to `upto` without making the caller (a commit) wait for it.

        Rings that arrive while a pump runs are coalesced into its next read, so a burst of
        posts costs a few log reads, not one per post.
        """
        channel = self.channels.get(dialogue_id)
        if channel is None or upto <= channel.cursor:
            return
        channel.wanted = max(channel.wanted, upto)
        if channel.pumper is None or channel.pumper.done():
            channel.pumper = asyncio.create_task(self._pump_until_wanted(dialogue_id, channel))

    async def _pump_until_wanted(self, dialogue_id: int, channel: Channel) -> None:
        while channel.cursor < channel.wanted:
            before = channel.cursor
            try:
                await self.pump(dialogue_id)
            except Exception:  # the sweep retries; a failed read must not kill the task silently
                log.exception("hub pump failed for dialogue %s", dialogue_id)
                return
            if channel.cursor == before:  # announced but not readable yet: the sweep follows up
                return

    async def _context(
        self, dialogue_id: int, channel: Channel, events: Sequence[Event]
    ) -> DialogueContext | None:
        """What post fragments read of the dialogue: read when first needed, and again after
        the dialogue changed (its code of conduct gives the clauses a flag cites)."""
        if self.fragments is None:
            return None
        if any(event.kind in CONTEXT_KINDS for event in events):
            channel.context = None
        if channel.context is None and any(event.kind in POST_KINDS for event in events):
            async with self.database.reader() as session:
                dialogue = await session.get(Dialogue, dialogue_id)
                if dialogue is not None:
                    channel.context = await load_context(session, dialogue)
        return channel.context

    @staticmethod
    def _presence_mode_changed(channel: Channel, events: Sequence[Event]) -> bool:
        """Follow the dialogue's presence setting as its organizers change it."""
        before = channel.count_only
        for event in events:
            if event.kind == EventKind.DIALOGUE_UPDATED and "presence" in event.data:
                channel.count_only = event.data["presence"] == PresenceMode.COUNT
        return channel.count_only != before

    def _post_frames(self, event: Event, context: DialogueContext | None) -> EventFrames | None:
        if self.fragments is None or context is None or event.kind not in POST_KINDS:
            return None
        return EventFrames(self.fragments, context, event.seq, event.kind, event.data)

    def _fan_out(
        self, channel: Channel, events: Sequence[Event], context: DialogueContext | None = None
    ) -> None:
        """Hand each live connection the events it may see, all its frames in one write.

        The hot loop: everything that does not depend on the connection is read once, outside
        it (an instrumented ORM attribute costs more than the comparison it feeds), and each
        event is serialised once for every connection, or for a post event once for every
        kind of reader (`EventFrames` renders a kind the first time one of its sockets needs it).
        """
        prepared = []
        for event in events:
            post = self._post_frames(event, context)
            prepared.append(
                (
                    event.seq,
                    event.audience == Audience.READERS,
                    event.audience,
                    event.subject_user_id,
                    # A post event's frames are its renderings: the plain one is never sent.
                    None if post is not None else OutFrame(event_frame(event)),
                    event if event.kind == "member.updated" else None,
                    post,
                )
            )
        delivered = 0
        for connection in channel.connections:  # nothing in the loop adds or removes one
            if not connection.live:
                continue
            frames: list[OutFrame] = []
            for seq, everyone, audience, subject, frame, change, post in prepared:
                if seq <= connection.sent_seq:
                    continue
                connection.sent_seq = seq
                if everyone or may_see(
                    audience=audience, subject_user_id=subject, viewer=connection.viewer
                ):
                    if post is None:
                        assert frame is not None
                        frames.append(frame)
                    else:
                        mine = subject is not None and subject == connection.user_id
                        frames.append(post.frame(connection.reader, mine))
                if change is not None:  # what came before goes out under the old rights
                    if frames:
                        connection.push_many(frames)
                        delivered += len(frames)
                        frames = []
                    self._apply_member_change(connection, change)
            if frames:
                connection.push_many(frames)
                delivered += len(frames)
        if self.meter is not None:
            self.meter.fanned_out(delivered, (event.created_at for event in events))

    @staticmethod
    def _apply_member_change(connection: Connection, event: Event) -> None:
        """A role change, ban or removal reaches the member's open sockets at once.

        Also during replay: a change committed between the socket's rights check and its
        going live arrives there, not through the fan-out. Changes older than that check are
        already part of the connection's role, and replaying them would bring back old rights.
        """
        data = event.data
        if (
            event.kind != "member.updated"
            or event.seq <= connection.rights_seq
            or connection.user_id != data.get("user_id")
            or connection.is_admin  # an admin's rights do not come from the membership
        ):
            return
        connection.rights_seq = event.seq
        role = data.get("role")
        if data.get("banned") or role is None:
            connection.close(WS_4403_REMOVED)
        else:
            connection.role = Role(role)

    # --- joining -------------------------------------------------------------------------

    async def join(self, connection: Connection) -> None:
        """Subscribe first, replay the log on the connection's own pace, then go live."""
        dialogue_id = connection.dialogue_id
        channel = self.channels.get(dialogue_id)
        if channel is None:
            heads = await self.head([dialogue_id])
            channel = self.channels.setdefault(
                dialogue_id, Channel(cursor=heads.get(dialogue_id, 0))
            )
        channel.connections.add(connection)
        channel.count_only = connection.count_presence  # read just now: the current setting
        # Replay without the lock, in pages, at this client's pace. A client that missed
        # nothing (most joins: a page opened just now) reads nothing: a crowd reconnecting
        # after a restart would otherwise cost two log reads per socket.
        while not connection.closing and connection.sent_seq < channel.cursor:
            events = await self.read_log(dialogue_id, connection.sent_seq, upto=channel.cursor)
            context = await self._context(dialogue_id, channel, events)
            replayed = 0
            for event in events:
                if event.seq > connection.sent_seq:
                    connection.sent_seq = event.seq
                    if self._visible(connection, event):
                        await connection.push_wait(self._frame_for(connection, event, context))
                        replayed += 1
                    self._apply_member_change(connection, event)
            if self.meter is not None:
                self.meter.replayed(replayed)
            if len(events) < PAGE:
                break
        # The final stretch under the lock, so no event falls between replay and live.
        async with channel.lock:
            if connection.sent_seq < channel.cursor:
                events = await self.read_log(dialogue_id, connection.sent_seq, upto=channel.cursor)
                context = await self._context(dialogue_id, channel, events)
                self._replay(connection, events, context)
            connection.live = True
            if connection.display_name:
                channel.names[connection.display_name] += 1
        self.presence_changed(dialogue_id, joined=connection)

    def _replay(
        self, connection: Connection, events: list[Event], context: DialogueContext | None
    ) -> None:
        replayed = 0
        for event in events:
            if event.seq <= connection.sent_seq:
                continue
            connection.sent_seq = event.seq
            if self._visible(connection, event):
                connection.push(self._frame_for(connection, event, context))
                replayed += 1
            self._apply_member_change(connection, event)
        if self.meter is not None:
            self.meter.replayed(replayed)

    def _frame_for(
        self, connection: Connection, event: Event, context: DialogueContext | None
    ) -> str:
        """One connection's frame for an event it replays on its own."""
        post = self._post_frames(event, context)
        if post is None:
            return event_frame(event)
        mine = event.subject_user_id is not None and event.subject_user_id == connection.user_id
        return post.frame(connection.reader, mine).text

    @staticmethod
    def _visible(connection: Connection, event: Event) -> bool:
        return may_see(
            audience=event.audience, subject_user_id=event.subject_user_id, viewer=connection.viewer
        )

    async def leave(self, connection: Connection) -> None:
        channel = self.channels.get(connection.dialogue_id)
        if channel is not None and connection in channel.connections:
            channel.connections.discard(connection)
            if connection.live and connection.display_name:
                channel.names[connection.display_name] -= 1
                if channel.names[connection.display_name] <= 0:
                    del channel.names[connection.display_name]
            if not channel.connections:
                self.channels.pop(connection.dialogue_id, None)
        self.presence_changed(connection.dialogue_id)

    # --- the broker ----------------------------------------------------------------------

    async def on_message(self, dialogue_id: int, message: dict[str, Any]) -> None:
        kind = message.get("type", "ring")
        if kind == "ring":
            self.wake(dialogue_id, int(message.get("seq", 0)))
        elif kind == "revoke":
            self._close_token(int(message["token_id"]))
        elif kind == "typing":
            self._relay_typing(dialogue_id, message)
        elif kind == "notification":
            self._tell_person(int(message["user_id"]), int(message.get("unread", 0)))
        elif kind == "presence":
            # Our own announcement comes back through the broker and changes nothing; a
            # repeated one (see `presence`) only renews the list.
            now = asyncio.get_running_loop().time()
            if self.presence.update_remote(dialogue_id, message, now):
                self._push_presence(dialogue_id)

    def _close_token(self, token_id: int) -> None:
        for channel in self.channels.values():
            for connection in list(channel.connections):
                if connection.token_id == token_id:
                    connection.close(WS_4401_SIGNED_OUT)

    def _tell_person(self, user_id: int, unread: int) -> None:
        """A new notice: that person's sockets only, in every dialogue they have open."""
        frame = json.dumps({"type": "notification", "unread": unread})
        for channel in self.channels.values():
            for connection in list(channel.connections):
                if connection.user_id == user_id and connection.live:
                    connection.push(frame)

    def _relay_typing(self, dialogue_id: int, message: dict[str, Any]) -> None:
        channel = self.channels.get(dialogue_id)
        if channel is None:
            return
        user = None if channel.count_only else message.get("user")
        frame = json.dumps({"type": "typing", "user": user, "thread_id": message.get("thread_id")})
        for connection in channel.connections:
            if connection.live and connection.user_id != message.get("user_id"):
                connection.push(frame)

    def presence_changed(self, dialogue_id: int, joined: Connection | None = None) -> None:
        """Tell a newcomer who is here at once; tell everyone else at most once a second.

        Every broadcast costs a frame per connection, so announcing each join and leave
        made a crowd's arrivals cost N^2 frames and stalled posts behind them (2,000 frames
        per named join). Changes within PRESENCE_SECONDS of the last announcement go out
        together when it has passed; a change after a quiet spell goes out at once.
        """
        if joined is not None and joined.live:
            joined.push(self._presence_frame(dialogue_id))
        if (
            self._stopping
            or dialogue_id in self._announcers
            or self._local_names(dialogue_id) == self.presence.local(dialogue_id)
        ):
            return
        wait = self._announced_at.get(dialogue_id, -PRESENCE_SECONDS) + PRESENCE_SECONDS
        self._announcers[dialogue_id] = asyncio.create_task(
            self._announce(dialogue_id, max(0.0, wait - asyncio.get_running_loop().time())),
            name="hub-presence",
        )

    def _local_names(self, dialogue_id: int) -> list[str]:
        channel = self.channels.get(dialogue_id)
        return sorted(channel.names) if channel else []

    def _presence_frame(self, dialogue_id: int) -> str:
        online = self.presence.online(dialogue_id, self._local_names(dialogue_id))
        channel = self.channels.get(dialogue_id)
        named = [] if channel is not None and channel.count_only else online
        return json.dumps({"type": "presence", "online": named, "count": len(online)})

    async def _announce(self, dialogue_id: int, delay: float) -> None:
        try:
            await asyncio.sleep(delay)
        finally:
            del self._announcers[dialogue_id]
        names = self._local_names(dialogue_id)
        if names == self.presence.local(dialogue_id):
            return  # a join and a leave of the same person cancelled out
        if names:
            self._announced_at[dialogue_id] = asyncio.get_running_loop().time()
        else:  # nobody left here: nothing to remember the dialogue by
            self._announced_at.pop(dialogue_id, None)
        self.presence.set_local(dialogue_id, names)
        self._push_presence(dialogue_id)
        await self._publish_presence(dialogue_id, names)

    async def _publish_presence(self, dialogue_id: int, names: list[str]) -> None:
        await self.broker.publish(
            dialogue_id, {"type": "presence", "instance": self.instance_id, "online": names}
        )

    def _push_presence(self, dialogue_id: int) -> None:
        channel = self.channels.get(dialogue_id)
        if channel is None:
            return
        frame = self._presence_frame(dialogue_id)
        for connection in channel.connections:
            if connection.live:
                connection.push(frame)

    async def _sweep_forever(self) -> None:
        """Now and then: catch up every watched dialogue (rings can be lost when Redis
        restarts), drop presence lists no longer renewed, and renew this instance's own."""
        loop = asyncio.get_running_loop()
        renewed = loop.time()
        while True:
            await asyncio.sleep(SWEEP_SECONDS)
            try:
                await self._sweep_log()
            except Exception:  # a database hiccup must not end the sweeper
                log.exception("hub sweep failed")
            now = loop.time()
            for dialogue_id in self.presence.expire(now):
                self._push_presence(dialogue_id)
            if now - renewed >= presence_timing.REFRESH_SECONDS:
                renewed = now
                await self.renew_presence()

    async def _sweep_log(self) -> None:
        if self.channels:
            heads = await self.head(list(self.channels))
            for dialogue_id, seq in heads.items():
                self.wake(dialogue_id, seq)

    async def renew_presence(self) -> None:
        """Repeat every list this instance announced, for instances that missed it."""
        for dialogue_id, names in self.presence.announced().items():
            await self._publish_presence(dialogue_id, names)
