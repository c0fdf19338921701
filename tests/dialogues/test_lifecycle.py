"""The dialogue lifecycle: draft → open → closed → archived, and what each status allows."""

from __future__ import annotations

from fastapi import FastAPI
from httpx import AsyncClient

from dialogue.dialogues.models import Dialogue
from dialogue.threads.models import Post, Reaction, Thread
from tests.dialogues.cast import API, MEMBER_ROLES, Cast, db, make_cast, new_post, new_thread, rows
from tests.factories import Factory
from tests.helpers import assert_error


async def stored_status(app: FastAPI, dialogue: Dialogue) -> str:
    async with db(app).session() as session:
        found = await session.get(Dialogue, dialogue.id)
        assert found is not None
        return found.status


async def set_status(client: AsyncClient, cast: Cast, status: str, who: str = "organizer") -> None:
    response = await client.patch(
        f"{API}/dialogues/{cast.slug}", json={"status": status}, headers=cast.h(who)
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == status


class TestTransitions:
    async def test_draft_to_open_to_closed_to_archived(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, status="draft")
        for status in ("open", "closed", "archived"):
            await set_status(client, cast, status)
            assert await stored_status(app, cast.dialogue) == status

    async def test_invalid_transitions_are_409_and_change_nothing(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        admin = await factory.user(is_admin=True)
        headers = await factory.auth(admin)
        invalid = {
            "draft": ("closed", "archived"),
            "open": ("draft", "archived"),
            "closed": ("draft",),
            "archived": ("draft", "open", "closed"),
        }
        for current, targets in invalid.items():
            dialogue = await factory.dialogue(owner=admin, status=current)
            for target in targets:
                response = await client.patch(
                    f"{API}/dialogues/{dialogue.slug}", json={"status": target}, headers=headers
                )
                assert_error(response, 409, "invalid_transition")
                assert await stored_status(app, dialogue) == current, (current, target)

    async def test_unknown_status_is_422(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("organizer",))
        response = await client.patch(
            f"{API}/dialogues/{cast.slug}", json={"status": "paused"}, headers=cast.h("organizer")
        )
        assert_error(response, 422, "invalid")
        assert await stored_status(app, cast.dialogue) == "open"

    async def test_explicit_nulls_never_break_the_dialogue(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("organizer",))
        for name in ("title", "slug", "summary", "visibility", "status", "allow_anonymous"):
            response = await client.patch(
                f"{API}/dialogues/{cast.slug}", json={name: None}, headers=cast.h("organizer")
            )
            assert_error(response, 422, "invalid")
            assert response.json()["error"]["fields"][0]["field"] == name
        read = await client.get(f"{API}/dialogues/{cast.slug}", headers=cast.h("organizer"))
        assert read.status_code == 200, read.text
        assert read.json()["title"] == cast.dialogue.title
        assert read.json()["status"] == "open"


class TestWhoMayChangeADialogue:
    async def test_organizer_and_admin_may_others_may_not(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory)
        for who in ("organizer", "admin"):
            response = await client.patch(
                f"{API}/dialogues/{cast.slug}", json={"title": f"By {who}"}, headers=cast.h(who)
            )
            assert response.status_code == 200, (who, response.text)
            assert response.json()["title"] == f"By {who}"
        for who in [r for r in MEMBER_ROLES if r != "organizer"]:
            response = await client.patch(
                f"{API}/dialogues/{cast.slug}", json={"title": "Taken over"}, headers=cast.h(who)
            )
            assert_error(response, 403, "forbidden")
        for who in ("outsider", "anonymous"):
            response = await client.patch(
                f"{API}/dialogues/{cast.slug}", json={"title": "Taken over"}, headers=cast.h(who)
            )
            assert_error(response, 404, "not_found")
        read = await client.get(f"{API}/dialogues/{cast.slug}", headers=cast.h("participant"))
        assert read.json()["title"] == "By admin"


class TestOnlyAnOpenDialogueTakesPosts:
    async def test_draft_and_closed_refuse_threads_and_replies(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("organizer", "participant"), status="draft")
        await new_thread(client, cast, "participant", expect=409)
        await set_status(client, cast, "open")
        thread = await new_thread(client, cast, "participant")
        await set_status(client, cast, "closed")
        posts_before = await rows(app, Post)
        for who in ("participant", "organizer", "admin"):
            refused = await new_post(client, cast, who, thread["id"], expect=409)
            assert refused["error"]["code"] == "dialogue_not_open"
            refused = await new_thread(client, cast, who, expect=409)
            assert refused["error"]["code"] == "dialogue_not_open"
        assert await rows(app, Post) == posts_before
        # A closed dialogue may reopen, and then takes posts again.
        await set_status(client, cast, "open")
        await new_post(client, cast, "participant", thread["id"])


class TestArchivedIsReadOnly:
    async def test_every_write_is_refused_and_reads_still_work(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("organizer", "moderator", "participant"))
        thread = await new_thread(client, cast, "participant")
        post_id = thread["post"]["id"]
        await set_status(client, cast, "closed")
        await set_status(client, cast, "archived")
        before = {m.__name__: await rows(app, m) for m in (Post, Thread, Reaction)}
        org, part = cast.h("organizer"), cast.h("participant")
        writes = [
            ("PATCH", f"/dialogues/{cast.slug}", {"title": "Renamed"}, org),
            ("PATCH", f"/dialogues/{cast.slug}", {"code_of_conduct": "1. New."}, org),
            (
                "POST",
                f"/dialogues/{cast.slug}/themes",
                {
                    "title": "T",
                    "opens_at": "2026-01-01T00:00:00Z",
                    "closes_at": "2026-02-01T00:00:00Z",
                },
                org,
            ),
            ("PATCH", f"/themes/{cast.theme.id}", {"summary": "Late summary"}, cast.h("moderator")),
            ("POST", f"/themes/{cast.theme.id}/threads", {"title": "T", "body": "b"}, part),
            ("POST", f"/threads/{thread['id']}/posts", {"body": "late"}, part),
            ("PATCH", f"/posts/{post_id}", {"body": "rewritten"}, part),
            ("PUT", f"/posts/{post_id}/reaction", {"kind": "agree"}, part),
            ("DELETE", f"/posts/{post_id}", None, part),
        ]
        for method, path, body, headers in writes:
            response = await client.request(method, API + path, json=body, headers=headers)
            assert response.status_code == 409, (method, path, response.status_code, response.text)
        assert {m.__name__: await rows(app, m) for m in (Post, Thread, Reaction)} == before
        read = await client.get(f"{API}/posts/{post_id}", headers=part)
        assert read.status_code == 200 and read.json()["body"] == "An opening contribution."
        dialogue = await client.get(f"{API}/dialogues/{cast.slug}", headers=part)
        assert dialogue.json()["status"] == "archived"
        assert dialogue.json()["themes"][0]["summary"] == ""


class TestAnonymousPostingSetting:
    async def test_off_refuses_anonymous_posts_until_the_organizer_allows_them(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("organizer", "participant"))
        assert cast.dialogue.allow_anonymous is False
        refused = await new_thread(client, cast, "participant", anonymous=True, expect=403)
        assert refused["error"]["code"] == "anonymous_not_allowed"
        assert await rows(app, Thread) == 0
        response = await client.patch(
            f"{API}/dialogues/{cast.slug}",
            json={"allow_anonymous": True},
            headers=cast.h("organizer"),
        )
        assert response.status_code == 200 and response.json()["allow_anonymous"] is True
        made = await new_thread(client, cast, "participant", anonymous=True)
        assert made["post"]["anonymous"] is True
        assert made["post"]["author"] is None
