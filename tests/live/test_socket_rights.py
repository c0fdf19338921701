"""Who receives what, and changes of rights taking effect on open sockets at once."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from types import SimpleNamespace

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from dialogue.db import utcnow
from dialogue.dialogues import service as dialogues
from dialogue.events.publish import commit
from dialogue.state import app_state
from tests.live.conftest import Client, closing_code


async def closed_code(client: Client, timeout: float = 5.0) -> int | None:
    return await closing_code(client.ws.recv, timeout)


async def set_member(factory, dialogue, user, **changes):
    async with factory.session() as session:
        membership = await dialogues.get_membership(
            session=session, dialogue_id=dialogue.id, user_id=user.id
        )
        await dialogues.update_member(
            session=session, dialogue=dialogue, membership=membership, changes=changes
        )
        session.info["broker"] = app_state(factory.app).broker
        await commit(session)


class TestRefusal:
    async def test_non_member_of_invite_dialogue_gets_4404(
        self, live_dialogue, open_socket, factory
    ):
        outsider = await factory.user()
        client: Client = await open_socket(
            live_dialogue["dialogue"].slug, token=await factory.token(outsider)
        )
        assert await closed_code(client) == 4404

    async def test_anonymous_and_unknown_dialogue_get_4404(self, live_dialogue, open_socket):
        assert await closed_code(await open_socket(live_dialogue["dialogue"].slug)) == 4404
        assert await closed_code(await open_socket("no-such-dialogue")) == 4404

    async def test_cross_site_cookie_socket_refused(self, live_dialogue, server):
        from websockets.asyncio.client import connect

        token = live_dialogue["tokens"]["participant"]
        url = f"{server.ws_url}/ws/dialogues/{live_dialogue['dialogue'].slug}"
        async with connect(
            url,
            additional_headers={"Cookie": f"dialogue_session={token}"},
            origin="https://evil.example",
            compression=None,
        ) as ws:
            with pytest.raises(ConnectionClosed) as info:
                await asyncio.wait_for(ws.recv(), 5)
            assert info.value.rcvd is not None and info.value.rcvd.code == 4404

    async def test_public_dialogue_readable_anonymously(self, factory, open_socket):
        d = await factory.dialogue(visibility="public")
        client: Client = await open_socket(d.slug)
        hello = await client.next()
        assert hello["type"] == "hello" and hello["role"] is None


class TestFiltering:
    async def test_pending_post_reaches_only_author_and_staff(
        self, live_dialogue, open_socket, server, factory
    ):
        d, thread, tokens = (
            live_dialogue["dialogue"],
            live_dialogue["thread"],
            live_dialogue["tokens"],
        )
        async with factory.session() as session:
            await dialogues.update_dialogue(
                session=session, dialogue=d, changes={"moderation": "pre"}
            )
            await session.commit()
        clients = {}
        for role in ("participant", "other", "moderator", "advisor", "observer"):
            clients[role] = await open_socket(d.slug, token=tokens[role])
            await clients[role].next()
        async with httpx.AsyncClient(
            base_url=server.url, headers={"Authorization": f"Bearer {tokens['participant']}"}
        ) as http:
            r = await http.post(f"/api/v1/threads/{thread.id}/posts", json={"body": "needs review"})
            assert r.json()["status"] == "pending"
        async with httpx.AsyncClient(
            base_url=server.url, headers={"Authorization": f"Bearer {tokens['organizer']}"}
        ) as http:
            r = await http.post(f"/api/v1/threads/{thread.id}/posts", json={"body": "marker"})
            assert r.json()["status"] == "published"
        for role, client in clients.items():
            await client.until(lambda f: f.get("data", {}).get("body") == "marker")
            saw_pending = any(
                f.get("data", {}).get("body") == "needs review" for f in client.frames
            )
            assert saw_pending == (role in ("participant", "moderator")), role

    async def test_role_change_changes_what_the_socket_receives(
        self, live_dialogue, open_socket, server, factory
    ):
        d, thread, tokens = (
            live_dialogue["dialogue"],
            live_dialogue["thread"],
            live_dialogue["tokens"],
        )
        async with factory.session() as session:
            await dialogues.update_dialogue(
                session=session, dialogue=d, changes={"moderation": "pre"}
            )
            await session.commit()
        watcher: Client = await open_socket(d.slug, token=tokens["observer"])
        await watcher.next()
        await set_member(factory, d, live_dialogue["people"]["observer"], role="moderator")
        await watcher.until(lambda f: f.get("kind") == "member.updated")
        async with httpx.AsyncClient(
            base_url=server.url, headers={"Authorization": f"Bearer {tokens['participant']}"}
        ) as http:
            await http.post(f"/api/v1/threads/{thread.id}/posts", json={"body": "queued one"})
        frame = await watcher.until(lambda f: f.get("data", {}).get("body") == "queued one")
        assert frame["data"]["status"] == "pending"


class TestRightsTakeEffect:
    async def test_muted_member_post_create_refused(self, live_dialogue, open_socket, factory):
        d, thread = live_dialogue["dialogue"], live_dialogue["thread"]
        client: Client = await open_socket(d.slug, token=live_dialogue["tokens"]["participant"])
        await client.next()
        await set_member(
            factory,
            d,
            live_dialogue["people"]["participant"],
            muted_until=utcnow() + timedelta(hours=1),
        )
        await client.send(
            {"type": "post.create", "client_id": "m1", "thread_id": thread.id, "body": "hello"}
        )
        err = await client.until(lambda f: f["type"] == "error")
        assert err["code"] == "muted"

    async def test_banned_member_disconnected(self, live_dialogue, open_socket, factory):
        d = live_dialogue["dialogue"]
        client: Client = await open_socket(d.slug, token=live_dialogue["tokens"]["participant"])
        await client.next()
        await set_member(factory, d, live_dialogue["people"]["participant"], banned_at=utcnow())
        assert await closed_code(client) == 4403
        again: Client = await open_socket(d.slug, token=live_dialogue["tokens"]["participant"])
        assert await closed_code(again) == 4404

    async def test_logout_closes_that_tokens_sockets_only(
        self, live_dialogue, open_socket, server, factory
    ):
        d = live_dialogue["dialogue"]
        user = live_dialogue["people"]["participant"]
        token, other_token = live_dialogue["tokens"]["participant"], await factory.token(user)
        doomed: Client = await open_socket(d.slug, token=token)
        kept: Client = await open_socket(d.slug, token=other_token)
        await doomed.next()
        await kept.next()
        async with httpx.AsyncClient(base_url=server.url) as http:
            r = await http.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {token}"})
            assert r.status_code == 204
        assert await closed_code(doomed) == 4401
        await kept.send({"type": "ping"})
        await kept.until(lambda f: f["type"] == "pong")


class TestRightsChangedWhileJoining:
    """A change committed between a socket's rights check and its going live still applies.

    The hub is driven directly so that the window, a few milliseconds in real use, is held
    open: the connection is built with the rights read before the change, then joins.
    """

    @staticmethod
    async def joined(factory, dialogue, user, role: str, *, rights_seq: int, after: int):
        from dialogue.live.connection import Connection
        from dialogue.policy import Role

        connection = Connection(
            SimpleNamespace(scope={}),  # type: ignore[arg-type]  # never started nor sent to
            dialogue_id=dialogue.id,
            user_id=user.id,
            display_name=user.display_name,
            token_id=None,
            role=Role(role),
            is_admin=False,
            after=after,
            rights_seq=rights_seq,
        )
        hub = app_state(factory.app).hub
        await hub.join(connection)
        await hub.leave(connection)
        return connection

    @staticmethod
    async def last_seq(factory, dialogue) -> int:
        from dialogue.dialogues.models import Dialogue

        async with factory.session() as session:
            return (await session.get(Dialogue, dialogue.id)).last_seq

    async def test_role_change_in_the_window_applies(self, live_dialogue, factory):
        d, observer = live_dialogue["dialogue"], live_dialogue["people"]["observer"]
        checked = await self.last_seq(factory, d)
        await set_member(factory, d, observer, role="moderator")
        connection = await self.joined(
            factory, d, observer, "observer", rights_seq=checked, after=checked
        )
        assert connection.role == "moderator" and not connection.closing

    async def test_ban_in_the_window_closes(self, live_dialogue, factory):
        d, participant = live_dialogue["dialogue"], live_dialogue["people"]["participant"]
        checked = await self.last_seq(factory, d)
        await set_member(factory, d, participant, banned_at=utcnow())
        connection = await self.joined(
            factory, d, participant, "participant", rights_seq=checked, after=checked
        )
        assert connection.closing and connection.close_code == 4403

    async def test_replayed_history_does_not_bring_back_old_rights(self, live_dialogue, factory):
        d, person = live_dialogue["dialogue"], live_dialogue["people"]["participant"]
        await set_member(factory, d, person, role="moderator")
        await set_member(factory, d, person, role="participant")
        await set_member(factory, d, person, banned_at=utcnow())
        await set_member(factory, d, person, banned_at=None)
        now = await self.last_seq(factory, d)
        connection = await self.joined(factory, d, person, "participant", rights_seq=now, after=0)
        assert connection.role == "participant" and not connection.closing


class TestPresenceAndTyping:
    async def test_presence_lists_who_is_here(self, live_dialogue, open_socket):
        d, people, tokens = (
            live_dialogue["dialogue"],
            live_dialogue["people"],
            live_dialogue["tokens"],
        )
        first: Client = await open_socket(d.slug, token=tokens["participant"])
        await first.next()
        second: Client = await open_socket(d.slug, token=tokens["expert"])
        await second.next()
        names = {people["participant"].display_name, people["expert"].display_name}
        await first.until(lambda f: f["type"] == "presence" and set(f["online"]) == names)
        await second.ws.close()
        await first.until(
            lambda f: (
                f["type"] == "presence" and f["online"] == [people["participant"].display_name]
            )
        )

    async def test_typing_relayed_to_others_and_rate_limited(self, live_dialogue, open_socket):
        d, thread, tokens = (
            live_dialogue["dialogue"],
            live_dialogue["thread"],
            live_dialogue["tokens"],
        )
        typist: Client = await open_socket(d.slug, token=tokens["participant"])
        reader: Client = await open_socket(d.slug, token=tokens["expert"])
        await typist.next()
        await reader.next()
        await typist.until(lambda f: f["type"] == "presence" and len(f["online"]) == 2)
        for _ in range(5):
            await typist.send({"type": "typing", "thread_id": thread.id})
        frame = await reader.until(lambda f: f["type"] == "typing")
        assert frame["thread_id"] == thread.id
        assert frame["user"] == live_dialogue["people"]["participant"].display_name
        await asyncio.sleep(0.5)
        await reader.send({"type": "ping"})
        await reader.until(lambda f: f["type"] == "pong")
        assert len([f for f in reader.frames if f["type"] == "typing"]) == 1
        assert not [f for f in typist.frames if f["type"] == "typing"]

    async def test_anonymous_typing_announces_nothing(self, live_dialogue, open_socket):
        """Even "Anonymous participant is typing", beside the online list, would say who."""
        d, thread, tokens = (
            live_dialogue["dialogue"],
            live_dialogue["thread"],
            live_dialogue["tokens"],
        )
        typist: Client = await open_socket(d.slug, token=tokens["participant"])
        reader: Client = await open_socket(d.slug, token=tokens["moderator"])
        await typist.next()
        await reader.next()
        await typist.until(lambda f: f["type"] == "presence" and len(f["online"]) == 2)
        await typist.send({"type": "typing", "thread_id": thread.id, "anonymous": True})
        await asyncio.sleep(0.5)
        await reader.send({"type": "ping"})
        await reader.until(lambda f: f["type"] == "pong")
        assert not [f for f in reader.frames if f["type"] == "typing"]
        assert not [f for f in typist.frames if f["type"] == "error"]
