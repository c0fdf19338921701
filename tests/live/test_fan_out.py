"""The hub's fan-out: each listener gets the events it may see of a pump in one write."""

from __future__ import annotations

from typing import Any

from dialogue.events.models import Audience, Event
from dialogue.live.hub import Channel, Hub
from dialogue.policy import Role
from tests.live.test_connection import Transport, connection


def event(seq: int, kind: str = "post.created", **fields: Any) -> Event:
    return Event(dialogue_id=1, seq=seq, kind=kind, data={"n": seq}, **fields)


def listening(transport: Transport, *, user_id: int | None, role: Role | None) -> Any:
    conn = connection(transport, queue_limit=10)
    conn.user_id = user_id
    conn.role = role
    conn.live = True
    return conn


def hub() -> Hub:
    return Hub(database=None, broker=None, instance_id="test")  # type: ignore[arg-type]


def seqs(written: bytes) -> list[int]:
    return [int(part.split(b'"seq":')[1].split(b",")[0]) for part in written.split(b"|")]


class TestOneWritePerListener:
    def test_a_burst_goes_to_each_listener_in_one_write_filtered_by_rights(self) -> None:
        reader_out, staff_out = Transport(), Transport()
        reader = listening(reader_out, user_id=7, role=Role.PARTICIPANT)
        staff = listening(staff_out, user_id=8, role=Role.MODERATOR)
        channel = Channel(cursor=0, connections={reader, staff})
        burst = [
            event(1),
            event(2, audience=Audience.STAFF.value),  # a queued post: staff only
            event(3, audience=Audience.STAFF.value, subject_user_id=7),  # the reader's own
            event(4),
        ]
        hub()._fan_out(channel, burst)
        assert [seqs(w) for w in reader_out.written] == [[1, 3, 4]]
        assert [seqs(w) for w in staff_out.written] == [[1, 2, 3, 4]]
        assert reader.sent_seq == staff.sent_seq == 4

    def test_a_role_change_in_the_burst_splits_the_write_at_the_change(self) -> None:
        out = Transport()
        member = listening(out, user_id=7, role=Role.PARTICIPANT)
        member.rights_seq = 0
        channel = Channel(cursor=0, connections={member})
        promoted = event(2, kind="member.updated", audience=Audience.STAFF.value, subject_user_id=7)
        promoted.data = {"user_id": 7, "role": Role.MODERATOR.value}
        hub()._fan_out(channel, [event(1), promoted, event(3, audience=Audience.STAFF.value)])
        # Up to and including the change under the old rights, the rest under the new ones.
        assert [seqs(w) for w in out.written] == [[1, 2], [3]]
        assert member.role == Role.MODERATOR

    def test_events_already_sent_are_not_sent_again(self) -> None:
        out = Transport()
        member = listening(out, user_id=7, role=Role.PARTICIPANT)
        member.sent_seq = 2
        hub()._fan_out(Channel(cursor=2, connections={member}), [event(2), event(3)])
        assert [seqs(w) for w in out.written] == [[3]]
