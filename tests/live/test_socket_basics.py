"""The websocket contract: hello, backlog then live, acks after commit, errors."""

from __future__ import annotations

import httpx

from tests.factories import Factory


class TestHelloAndBacklog:
    async def test_hello_then_backlog_in_order_then_live(
        self, factory: Factory, open_socket, server
    ):
        d = await factory.dialogue(visibility="invite")
        theme = await factory.theme(d)
        alice = await factory.member(d, "participant")
        token = await factory.token(alice)
        async with httpx.AsyncClient(
            base_url=server.url, headers={"Authorization": f"Bearer {token}"}
        ) as http:
            r = await http.post(
                f"/api/v1/themes/{theme.id}/threads", json={"title": "T", "body": "first"}
            )
            assert r.status_code == 201, r.text
            thread_id = r.json()["id"]
            client = await open_socket(d.slug, token=token, after=0)
            hello = await client.next()
            assert hello["type"] == "hello" and hello["role"] == "participant"
            backlog = await client.events(hello["seq"] - 0 - 0 if False else 1)
            assert backlog[0]["seq"] >= 1
            r = await http.post(f"/api/v1/threads/{thread_id}/posts", json={"body": "live one"})
            assert r.status_code == 201
            live = await client.until(
                lambda f: f.get("kind") == "post.created" and f["data"]["body"] == "live one"
            )
            seqs = [f["seq"] for f in client.frames if f["type"] == "event"]
            assert seqs == sorted(seqs) and len(seqs) == len(set(seqs))
            assert live["seq"] == seqs[-1]

    async def test_post_create_acked(self, factory: Factory, open_socket):
        d = await factory.dialogue(visibility="invite")
        theme = await factory.theme(d)
        alice = await factory.member(d, "participant")
        token = await factory.token(alice)
        async with factory.session() as session:
            from dialogue.threads import service

            thread, post, _ = await service.create_thread(
                session=session,
                dialogue=d,
                theme=theme,
                user=alice,
                membership=None if False else await _m(session, d, alice),
                title="x",
                body="y",
                client_id=None,
            )
            await session.commit()
        client = await open_socket(d.slug, token=token)
        await client.next()
        await client.send(
            {
                "type": "post.create",
                "client_id": "abc",
                "thread_id": thread.id,
                "body": "via socket",
            }
        )
        ack = await client.until(lambda f: f["type"] == "ack")
        assert ack["client_id"] == "abc" and ack["status"] == "published"
        await client.send(
            {
                "type": "post.create",
                "client_id": "abc",
                "thread_id": thread.id,
                "body": "via socket",
            }
        )
        ack2 = await client.until(lambda f: f["type"] == "ack")
        assert ack2["post_id"] == ack["post_id"]
        await client.send("{not json")
        err = await client.until(lambda f: f["type"] == "error")
        assert err["code"] == "invalid_json"
        await client.send({"type": "ping"})
        await client.until(lambda f: f["type"] == "pong")


async def _m(session, d, user):
    from dialogue.dialogues import service as dialogues

    return await dialogues.get_membership(session=session, dialogue_id=d.id, user_id=user.id)
