"""Presence: a newcomer learns who is here at once; everyone else at most once an interval."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from dialogue.events.broker import MemoryBroker
from dialogue.live import hub as hub_module
from dialogue.live import presence as presence_module
from dialogue.live.hub import Channel, Hub
from tests.live.test_connection import Transport, connection

INTERVAL = 0.3


@pytest.fixture(autouse=True)
def short_interval(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hub_module, "PRESENCE_SECONDS", INTERVAL)


def hubs_on_one_broker(count: int) -> tuple[MemoryBroker, list[Hub]]:
    """Instances sharing a broker, not listening yet; an empty log (joins read nothing)."""
    broker = MemoryBroker()
    hubs = [Hub(database=None, broker=broker, instance_id=f"i{n}") for n in range(count)]  # type: ignore[arg-type]
    for hub in hubs:
        hub.channels[1] = Channel(cursor=0)
    return broker, hubs


async def started_hubs(count: int) -> list[Hub]:
    broker, hubs = hubs_on_one_broker(count)
    for hub in hubs:
        broker.subscribe(hub.on_message)
    return hubs


def person(name: str | None) -> tuple[Any, Transport]:
    out = Transport()
    conn = connection(out)
    conn.display_name = name
    return conn, out


def presences(out: Transport) -> list[list[str]]:
    frames = [json.loads(part) for w in out.written for part in w.split(b"|")]
    return [f["online"] for f in frames if f["type"] == "presence"]


class TestPresence:
    async def test_a_crowd_arriving_costs_each_listener_two_frames_not_one_per_arrival(
        self,
    ) -> None:
        (hub,) = await started_hubs(1)
        first, first_out = person("Amina")
        await hub.join(first)
        await asyncio.sleep(0.05)  # the first change after a quiet spell goes out at once
        assert presences(first_out)[-1] == ["Amina"]
        names = [f"P{n:02}" for n in range(20)]
        arrivals = []
        for name in names:
            conn, out = person(name)
            await hub.join(conn)
            arrivals.append((name, out))
        # Each newcomer is told at once who is here, itself included.
        for index, (_name, out) in enumerate(arrivals):
            assert presences(out)[0] == sorted(["Amina", *names[: index + 1]])
        before = len(presences(first_out))
        await asyncio.sleep(INTERVAL * 2)
        told = presences(first_out)[before:]
        assert told == [sorted(["Amina", *names])]  # twenty arrivals, one frame

    async def test_a_leave_after_a_quiet_spell_goes_out_at_once(self) -> None:
        (hub,) = await started_hubs(1)
        stays, stays_out = person("Amina")
        goes, _ = person("Bo")
        await hub.join(stays)
        await hub.join(goes)
        await asyncio.sleep(INTERVAL * 2)
        assert presences(stays_out)[-1] == ["Amina", "Bo"]
        await hub.leave(goes)
        await asyncio.sleep(0.05)
        assert presences(stays_out)[-1] == ["Amina"]

    async def test_a_visit_within_the_interval_tells_nobody(self) -> None:
        (hub,) = await started_hubs(1)
        stays, stays_out = person("Amina")
        await hub.join(stays)
        await asyncio.sleep(0.05)
        before = len(presences(stays_out))
        visitor, _ = person("Bo")
        await hub.join(visitor)
        await hub.leave(visitor)
        await asyncio.sleep(INTERVAL * 2)
        assert len(presences(stays_out)) == before

    async def test_two_connections_of_one_person_count_once_and_leave_once(self) -> None:
        (hub,) = await started_hubs(1)
        watcher, watcher_out = person("Amina")
        phone, _ = person("Bo")
        laptop, _ = person("Bo")
        for conn in (watcher, phone, laptop):
            await hub.join(conn)
        await asyncio.sleep(INTERVAL * 2)
        assert presences(watcher_out)[-1] == ["Amina", "Bo"]
        await hub.leave(phone)
        await asyncio.sleep(INTERVAL * 2)
        assert presences(watcher_out)[-1] == ["Amina", "Bo"]  # still here on the laptop
        await hub.leave(laptop)
        await asyncio.sleep(INTERVAL * 2)
        assert presences(watcher_out)[-1] == ["Amina"]

    async def test_anonymous_readers_are_not_listed_and_change_nothing(self) -> None:
        (hub,) = await started_hubs(1)
        watcher, watcher_out = person("Amina")
        await hub.join(watcher)
        await asyncio.sleep(INTERVAL * 2)
        before = len(presences(watcher_out))
        readers = [person(None)[0] for _ in range(50)]
        for reader in readers:
            await hub.join(reader)
        await asyncio.sleep(INTERVAL * 2)
        assert len(presences(watcher_out)) == before

    async def test_a_newcomer_on_one_instance_sees_the_people_on_another(self) -> None:
        a, b = await started_hubs(2)
        on_a, on_a_out = person("Amina")
        await a.join(on_a)
        await asyncio.sleep(0.05)  # announced through the broker
        on_b, on_b_out = person("Bo")
        await b.join(on_b)
        assert presences(on_b_out)[0] == ["Amina", "Bo"]
        await asyncio.sleep(0.05)
        assert presences(on_a_out)[-1] == ["Amina", "Bo"]
        await b.leave(on_b)
        await asyncio.sleep(INTERVAL * 2)
        assert presences(on_a_out)[-1] == ["Amina"]

    async def test_sockets_leaving_a_stopping_instance_announce_nothing(self) -> None:
        (hub,) = await started_hubs(1)
        conn, _ = person("Amina")
        await hub.join(conn)
        await asyncio.sleep(0.05)
        await hub.stop()  # the broker may be gone next: nothing may be left to publish
        await hub.leave(conn)
        assert not hub._announcers


class TestPresenceAcrossInstances:
    async def test_a_lost_announcement_is_repaired_by_the_next_renewal(self) -> None:
        broker, (a, b) = hubs_on_one_broker(2)
        broker.subscribe(a.on_message)
        await a.join(person("Amina")[0])
        await asyncio.sleep(0.05)  # announced while b was not listening (Redis restarting)
        broker.subscribe(b.on_message)
        on_b, on_b_out = person("Bo")
        await b.join(on_b)
        assert presences(on_b_out) == [["Bo"]]
        await a.renew_presence()
        assert presences(on_b_out)[-1] == ["Amina", "Bo"]

    async def test_a_silent_instance_s_people_are_dropped_a_renewing_one_s_kept(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(hub_module, "SWEEP_SECONDS", 0.05)
        monkeypatch.setattr(presence_module, "REFRESH_SECONDS", 0.1)  # dropped after 0.3 s
        a, silent, alive = await started_hubs(3)

        async def nothing_new(dialogue_ids: Any) -> dict[int, int]:
            return {}

        on_a, on_a_out = person("Amina")
        await a.join(on_a)
        await silent.join(person("Bo")[0])
        await alive.join(person("Cy")[0])
        await asyncio.sleep(0.05)
        assert presences(on_a_out)[-1] == ["Amina", "Bo", "Cy"]
        sweepers = []
        for hub in (a, alive):  # the silent instance crashed: it renews nothing
            hub.head = nothing_new  # type: ignore[method-assign]
            sweepers.append(asyncio.create_task(hub._sweep_forever()))
        try:
            await asyncio.sleep(0.8)
        finally:
            for sweeper in sweepers:
                sweeper.cancel()
        assert presences(on_a_out)[-1] == ["Amina", "Cy"]
