"""The safety settings as pages: presence, the lists that hold posts and the support text on
the settings page; the safer presence preselected for a new dialogue; "don't show me as
online" on /me; content warnings in the composer, on posts and from the queue."""

from __future__ import annotations

import re

from fastapi import FastAPI
from httpx import AsyncClient

from tests.dialogues.cast import API, make_cast, new_post, new_thread
from tests.factories import Factory
from tests.web.clients import submit, visitor
from tests.web.test_dialogue_setup_pages import NEW, audit, load, new_fields


class TestSettings:
    async def test_a_new_dialogue_offers_the_safer_presence_first(
        self, app: FastAPI, factory: Factory
    ) -> None:
        admin = await factory.user(is_admin=True)
        async with visitor(app, admin) as browser:
            page = await browser.get(NEW)
            assert re.search(r'value="count" checked', page.text)
            made = await submit(browser, NEW, NEW, new_fields(presence="count"))
        assert made.status_code == 303, made.text
        dialogue = await load(app, "care-and-accountability")
        assert dialogue is not None and dialogue.presence == "count"

    async def test_organizers_save_the_safety_settings(
        self, app: FastAPI, factory: Factory
    ) -> None:
        d = await factory.dialogue()
        organizer = await factory.member(d, "organizer")
        page = f"/d/{d.slug}/settings"
        fields = {
            "presence": "count",
            "watch_list": "Carlos Mendes\r\nJoana Reis",
            "hold_phrases": "Vila Nova school",
            "support_text": "Call **0800 123 456**.",
        }
        async with visitor(app, organizer) as browser:
            saved = await submit(browser, page, f"{page}/safety", fields)
            assert saved.status_code == 303, saved.text
            shown = await browser.get(saved.headers["location"])
        assert "Carlos Mendes\nJoana Reis</textarea>" in shown.text
        dialogue = await load(app, d.slug)
        assert dialogue is not None
        assert (dialogue.presence, dialogue.watch_list) == ("count", "Carlos Mendes\nJoana Reis")
        assert dialogue.support_text == "Call **0800 123 456**."
        entries = [e for e in await audit(app, d.id or 0) if e.action == "dialogue.update"]
        assert entries[-1].after == {
            "presence": "count",
            "watch_list": 2,
            "hold_phrases": 1,
            "support_text": 22,
        }

    async def test_a_bad_choice_is_shown_again_and_only_organizers_may(
        self, app: FastAPI, factory: Factory
    ) -> None:
        d = await factory.dialogue()
        organizer = await factory.member(d, "organizer")
        moderator = await factory.member(d, "moderator")
        page = f"/d/{d.slug}/settings"
        async with visitor(app, organizer) as browser:
            refused = await submit(browser, page, f"{page}/safety", {"presence": "everyone"})
        assert refused.status_code == 422
        assert 'id="presence-count"' in refused.text and 'role="alert"' in refused.text
        async with visitor(app, moderator) as browser:
            forbidden = await submit(
                browser, f"/d/{d.slug}", f"{page}/safety", {"presence": "names"}
            )
        assert forbidden.status_code == 403


class TestProfile:
    async def test_dont_show_me_as_online(self, app: FastAPI, factory: Factory) -> None:
        user = await factory.user(display_name="Amina")
        async with visitor(app, user) as browser:
            fields = {
                "display_name": "Amina",
                "organization": "",
                "country": "",
                "hide_presence": "on",
            }
            saved = await submit(browser, "/me", "/me", fields)
            assert saved.status_code == 303, saved.text
            page = await browser.get("/me")
            assert re.search(
                r'id="hide_presence" name="hide_presence" value="on" checked', page.text
            )
            unticked = {k: v for k, v in fields.items() if k != "hide_presence"}
            await submit(browser, "/me", "/me", unticked)
            again = await browser.get("/me")
        assert 'value="on" checked' not in again.text.split('id="hide_presence"')[1][:60]


class TestContentWarnings:
    async def test_api_page_and_moderator(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory)
        thread = await new_thread(client, cast, "moderator", body="Tell us.")
        post = await new_post(
            client,
            cast,
            "participant",
            thread["id"],
            body="What he did.",
            content_warning="  describes   assault ",
        )
        assert post["content_warning"] == "describes assault"
        page = await client.get(f"/d/{cast.slug}/threads/{thread['id']}", headers=cast.h("expert"))
        assert (
            '<details class="content-warning"><summary><span class="badge">Content warning</span>'
            " describes assault</summary>"
        ) in page.text
        assert 'name="content_warning"' in page.text  # the composer offers one
        long = await client.patch(
            f"{API}/posts/{post['id']}",
            json={"body": "What he did.", "content_warning": "x" * 201},
            headers=cast.h("participant"),
        )
        assert long.status_code == 422
        kept = await client.patch(
            f"{API}/posts/{post['id']}",
            json={"body": "What he did, again."},
            headers=cast.h("participant"),
        )
        assert kept.json()["content_warning"] == "describes assault"
        plain = await new_post(client, cast, "participant", thread["id"], body="Thank you.")
        async with visitor(app, cast.users["moderator"]) as browser:
            queue = f"/d/{cast.slug}/moderation"
            added = await submit(
                browser,
                queue,
                f"{queue}/posts/{plain['id']}/warning",
                {"content_warning": "self-harm"},
            )
        assert added.status_code == 303
        shown = await client.get(f"{API}/posts/{plain['id']}", headers=cast.h("expert"))
        assert shown.json()["content_warning"] == "self-harm"
        entries = [
            e for e in await audit(app, cast.dialogue.id or 0) if e.action == "post.content_warning"
        ]
        assert entries[-1].after == {"content_warning": "self-harm"}

    async def test_the_queue_shows_the_held_span(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory)
        thread = await new_thread(client, cast, "moderator", body="Tell us.")
        await new_post(client, cast, "participant", thread["id"], body="Mail me: a.b@example.org")
        async with visitor(app, cast.users["moderator"]) as browser:
            page = await browser.get(f"/d/{cast.slug}/moderation")
        assert '<mark class="held-span">a.b@example.org</mark>' in page.text
        assert "an e-mail address" in page.text
        assert 'value="request_edit"' in page.text
