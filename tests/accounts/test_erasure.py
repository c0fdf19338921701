"""`DELETE /api/v1/me` and the profile page's "Delete my account": the person goes, their
choice about their posts holds, and the audit log keeps a pseudonymous record."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlmodel import select

from dialogue.accounts import erasure
from dialogue.accounts.erasure import FORMER_PARTICIPANT
from dialogue.accounts.models import User
from dialogue.state import app_state
from dialogue.threads.models import PostRevision
from tests.dialogues.cast import API, Cast, db, make_cast, new_post, new_thread
from tests.factories import PASSWORD, Factory
from tests.helpers import assert_error, browser
from tests.web import scenes
from tests.web.clients import submit, visitor


async def written(client: httpx.AsyncClient, cast: Cast) -> tuple[int, int, int]:
    """The participant's thread opener and reply (edited once), and a reply to it by another."""
    thread = await new_thread(client, cast, "participant", body="Testimony in my own words")
    mine = await new_post(client, cast, "participant", thread["id"], body="A second thought")
    edited = await client.patch(
        f"{API}/posts/{mine['id']}",
        json={"body": "A second thought, edited"},
        headers=cast.h("participant"),
    )
    assert edited.status_code == 200, edited.text
    theirs = await new_post(
        client, cast, "expert", thread["id"], body="Thank you", parent_id=mine["id"]
    )
    return thread["id"], mine["id"], theirs["id"]


async def delete_me(client: httpx.AsyncClient, cast: Cast, posts: str, password: str = PASSWORD):
    return await client.request(
        "DELETE",
        f"{API}/me",
        json={"password": password, "posts": posts},
        headers=cast.h("participant"),
    )


async def posts_of(client: httpx.AsyncClient, cast: Cast, thread_id: int) -> dict[int, dict]:
    listed = await client.get(f"{API}/threads/{thread_id}/posts", headers=cast.h("moderator"))
    assert listed.status_code == 200, listed.text
    return {post["id"]: post for post in listed.json()["items"]}


class TestKeepingPosts:
    async def test_posts_show_a_former_participant_and_the_person_is_gone(
        self, db_kind: str, app: FastAPI, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        cast = await make_cast(factory)
        person = cast.users["participant"]
        thread_id, mine, _theirs = await written(client, cast)
        assert (await delete_me(client, cast, "keep")).status_code == 204
        posts = await posts_of(client, cast, thread_id)
        assert posts[mine]["author_name"] == FORMER_PARTICIPANT
        assert posts[mine]["body"] == "A second thought, edited"
        # Signed out everywhere; the old e-mail address and password open nothing.
        assert (await client.get(f"{API}/me", headers=cast.h("participant"))).status_code == 401
        login = await client.post(
            f"{API}/auth/login", json={"email": person.email, "password": PASSWORD}
        )
        assert login.status_code == 401
        async with db(app).session() as session:
            row = (await session.exec(select(User).where(User.id == person.id))).one()
        assert (row.display_name, row.organization, row.password_hash) == (
            FORMER_PARTICIPANT,
            "",
            None,
        )
        assert person.email not in row.email and row.quote_consent == "none"
        # The audit log records it, naming no one.
        log = await client.get(
            f"{API}/dialogues/{cast.slug}/audit-log", headers=cast.h("moderator")
        )
        assert log.status_code == 200
        entries = [e for e in log.json()["items"] if e["action"] == "account.delete"]
        assert len(entries) == 1 and entries[0]["after"] == {"posts": "keep"}
        assert person.display_name not in log.text and person.email not in log.text


class TestRemovingPosts:
    async def test_the_text_goes_the_places_and_replies_stay(
        self, db_kind: str, app: FastAPI, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        cast = await make_cast(factory)
        thread_id, mine, theirs = await written(client, cast)
        assert (await delete_me(client, cast, "remove")).status_code == 204
        posts = await posts_of(client, cast, thread_id)
        assert posts[mine]["status"] == "deleted" and posts[mine]["body"] == ""
        assert posts[theirs]["parent_id"] == mine and posts[theirs]["body"] == "Thank you"
        async with db(app).session() as session:
            kept = (
                await session.exec(select(PostRevision).where(PostRevision.post_id == mine))
            ).all()
        assert kept == []  # the edit's old text went too
        report = await client.get(
            f"{API}/dialogues/{cast.slug}/report",
            params={"format": "md"},
            headers=cast.h("organizer"),
        )
        assert report.status_code == 200
        assert "Testimony in my own words" not in report.text
        assert "A second thought" not in report.text


class TestRefusals:
    async def test_a_wrong_password_or_choice_changes_nothing(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("participant",))
        assert_error(await delete_me(client, cast, "keep", "wrong"), 403, "invalid_credentials")
        assert_error(await delete_me(client, cast, "maybe"), 422, "invalid")
        assert (await client.get(f"{API}/me", headers=cast.h("participant"))).status_code == 200


class TestProfilePage:
    async def test_the_page_confirms_with_the_password_then_signs_out(
        self, db_kind: str, app: FastAPI, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("participant",))
        async with visitor(app, cast.users["participant"]) as web:
            page = await web.get("/me")
            assert 'action="/me/delete"' in page.text and 'name="password"' in page.text
            wrong = await submit(web, "/me", "/me/delete", {"posts": "keep", "password": "no"})
            assert wrong.status_code == 403 and "The password is not right." in wrong.text
            done = await submit(web, "/me", "/me/delete", {"posts": "keep", "password": PASSWORD})
            assert done.status_code == 303
            assert (await web.get("/me")).status_code in (303, 401)
        assert (await client.get(f"{API}/me", headers=cast.h("participant"))).status_code == 401


class TestOnRequest:
    async def test_an_admin_deletes_an_account_and_the_log_names_the_admin(
        self, db_kind: str, app: FastAPI, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        cast = await make_cast(factory)
        thread_id, mine, _theirs = await written(client, cast)
        async with visitor(app, cast.users["admin"]) as web:
            path = f"/admin/people/{cast.uid('participant')}/delete"
            refused = await submit(web, "/admin", path, {"posts": "perhaps"})
            assert refused.status_code == 422
            done = await submit(web, "/admin", path, {"posts": "remove"})
            assert done.status_code == 303
        posts = await posts_of(client, cast, thread_id)
        assert posts[mine]["status"] == "deleted"
        assert (await client.get(f"{API}/me", headers=cast.h("participant"))).status_code == 401
        log = await client.get(
            f"{API}/dialogues/{cast.slug}/audit-log", headers=cast.h("moderator")
        )
        entry = next(e for e in log.json()["items"] if e["action"] == "account.delete")
        assert entry["reason"] == "on request" and entry["after"] == {"posts": "remove"}


class TestTheTombstoneNameIsTranslated:
    async def test_pages_show_it_in_the_readers_language_and_the_api_as_stored(
        self, db_kind: str, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        thread, first = await scenes.start_thread(app, s.dialogue, s.theme, s.alice, body="Kept")
        async with app_state(app).database.session() as session:
            alice = await session.get(User, s.alice.id)
            assert alice is not None
            await erasure.delete_account(
                session=session, user=alice, posts=erasure.PostsChoice.KEEP, actor=alice
            )
            await session.commit()
        french = {"Accept-Language": "fr"}
        async with browser(app, headers=french) as reader:
            page = await reader.get(f"/d/{s.dialogue.slug}/threads/{thread.id}")
            assert page.status_code == 200
            assert "Ancien·ne participant·e" in page.text and FORMER_PARTICIPANT not in page.text
            listed = await reader.get(f"{API}/threads/{thread.id}/posts")
        [post] = [p for p in listed.json()["items"] if p["id"] == first.id]
        assert post["author_name"] == FORMER_PARTICIPANT  # the API's stable value
        async with visitor(app, s.organizer) as organizer:
            await set_language(app, s.organizer, "fr")
            members = await organizer.get(f"/d/{s.dialogue.slug}/moderation/members")
        assert members.status_code == 200
        assert "Ancien·ne participant·e" in members.text and FORMER_PARTICIPANT not in members.text


async def set_language(app: FastAPI, user: User, language: str) -> None:
    async with app_state(app).database.session() as session:
        row = await session.get(User, user.id)
        assert row is not None
        row.language = language
        session.add(row)
        await session.commit()
