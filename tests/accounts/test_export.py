"""`GET /api/v1/me/export`: everything the server holds about the caller, and nothing about
anyone else (not even who acted on the caller's posts)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI

from dialogue.accounts.models import TokenKind
from dialogue.notifications import preferences
from dialogue.notifications.models import MailKind
from dialogue.state import app_state
from dialogue.threads.models import ReactionKind
from tests.factories import Factory
from tests.helpers import browser, session_token
from tests.web import scenes
from tests.web.clients import submit, visitor


async def export(app: FastAPI, user: Any) -> dict[str, Any]:
    token = await session_token(app, user, kind=TokenKind.API)
    async with browser(app) as client:
        answer = await client.get("/api/v1/me/export", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    assert "attachment" in answer.headers["content-disposition"]
    assert answer.headers["cache-control"] == "no-store"
    data: dict[str, Any] = answer.json()
    return data


class TestExport:
    async def test_the_callers_whole_record(self, app: FastAPI, factory: Factory) -> None:
        s = await scenes.scene(factory)
        thread, first = await scenes.start_thread(
            app, s.dialogue, s.theme, s.alice, body="My own words"
        )
        secret = await scenes.reply(
            app, s.dialogue, s.theme, thread, s.alice, body="Said anonymously", anonymous=True
        )
        bobs = await scenes.reply(app, s.dialogue, s.theme, thread, s.bob, body="Bob's words")
        await scenes.react(app, bobs, s.alice, ReactionKind.AGREE)
        await scenes.moderate(app, s.organizer, first, "hide", reason="Names a survivor")
        page = f"/d/{s.dialogue.slug}/threads/{thread.id}"
        async with visitor(app, s.alice) as client:
            flagged = await submit(
                client, page, f"/d/{s.dialogue.slug}/posts/{bobs.id}/flag", {"reason": "other"}
            )
            assert flagged.status_code == 303
        data = await export(app, s.alice)
        assert data["profile"]["email"] == s.alice.email
        assert data["profile"]["digest"] == "daily"  # the default of a new account
        assert [m["dialogue_slug"] for m in data["memberships"]] == [s.dialogue.slug]
        assert data["memberships"][0]["role"] == "participant"
        posts = {p["id"]: p for p in data["posts"]}
        assert set(posts) == {first.id, secret.id}
        assert posts[secret.id]["anonymous"] is True
        assert posts[secret.id]["body"] == "Said anonymously"
        assert posts[first.id]["status"] == "hidden"
        assert [(r["post_id"], r["kind"]) for r in data["reactions"]] == [(bobs.id, "agree")]
        assert [(f["post_id"], f["reason"]) for f in data["flags"]] == [(bobs.id, "other")]
        [notice] = data["notices"]
        assert notice["post_id"] == first.id and notice["reason"] == "Names a survivor"
        assert notice["message"].startswith("Your post was hidden.")
        assert data["appeals"] == []

    async def test_threads_revisions_concerns_consent_and_mail_choices(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        thread, first = await scenes.start_thread(
            app, s.dialogue, s.theme, s.alice, title="Where we start", body="First draft"
        )
        token = await session_token(app, s.alice, kind=TokenKind.API)
        bearer = {"Authorization": f"Bearer {token}"}
        async with browser(app) as client:
            edited = await client.patch(
                f"/api/v1/posts/{first.id}", json={"body": "Second draft"}, headers=bearer
            )
            assert edited.status_code == 200, edited.text
            raised = await client.post(
                f"/api/v1/dialogues/{s.dialogue.slug}/concerns",
                json={"body": "A worry of mine", "about_user_id": s.bob.id},
                headers=bearer,
            )
            assert raised.status_code == 201, raised.text
            for consent in ("named", "anonymous"):
                changed = await client.patch(
                    "/api/v1/me", json={"quote_consent": consent}, headers=bearer
                )
                assert changed.status_code == 200, changed.text
        async with app_state(app).database.session() as session:
            await preferences.stop(session=session, email=s.alice.email, kind=MailKind.REPLY)
            await session.commit()
        data = await export(app, s.alice)
        assert [(t["id"], t["title"]) for t in data["threads"]] == [(thread.id, "Where we start")]
        [post] = data["posts"]
        assert post["body"] == "Second draft"
        assert [r["body"] for r in post["earlier_versions"]] == ["First draft"]
        [concern] = data["concerns"]
        assert concern["body"] == "A worry of mine" and concern["status"] == "open"
        assert "about_user_id" not in concern  # whom it is about is not the caller's record
        history = [(c["before"], c["after"], c["via"]) for c in data["consent_history"]]
        assert history == [(None, "named", "profile"), ("named", "anonymous", "profile")]
        assert data["mail_stopped"] == ["reply"]

    async def test_nothing_about_anyone_else(self, app: FastAPI, factory: Factory) -> None:
        s = await scenes.scene(factory)
        thread, first = await scenes.start_thread(app, s.dialogue, s.theme, s.alice)
        await scenes.reply(
            app, s.dialogue, s.theme, thread, s.bob, body="Bob's secret", anonymous=True
        )
        await scenes.reply(app, s.dialogue, s.theme, thread, s.bob, body="Bob in public")
        await scenes.react(app, first, s.bob, ReactionKind.DISAGREE)
        await scenes.moderate(app, s.organizer, first, "hide", reason="x")
        data = await export(app, s.alice)
        raw = json.dumps(data)
        assert "Bob" not in raw and s.bob.email not in raw
        assert s.organizer.email not in raw and "Olga" not in raw
        assert data["reactions"] == []  # Bob's reaction to Alice's post is Bob's
        # Who hid the post, resolved a flag or decided an appeal is not the author's to know.
        assert {"actor_id", "resolved_by", "decided_by", "author_id"}.isdisjoint(
            key
            for section in data.values()
            if isinstance(section, list)
            for item in section
            for key in item
        )
        bobs = await export(app, s.bob)
        assert {p["body"] for p in bobs["posts"]} == {"Bob's secret", "Bob in public"}

    async def test_a_visitor_gets_401(self, app: FastAPI) -> None:
        async with browser(app) as client:
            answer = await client.get("/api/v1/me/export")
        assert answer.status_code == 401
        assert answer.json()["error"]["code"] == "unauthenticated"

    async def test_the_profile_page_link_downloads_it(self, app: FastAPI, factory: Factory) -> None:
        user = await factory.user(display_name="Amina")
        async with visitor(app, user) as client:
            page = await client.get("/me")
            assert 'href="/api/v1/me/export"' in page.text
            answer = await client.get("/api/v1/me/export")
        assert answer.status_code == 200 and answer.json()["profile"]["display_name"] == "Amina"
