"""A concern in Chromium: raised from a named post, triaged on the advisory dashboard, axe-clean."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Browser, expect

from tests.browser import LiveServer, assert_accessible, open_page, sign_in
from tests.factories import Factory
from tests.moderation.scene import build_scene

# In a browser a page behaves alike on either database; the services under it run on both, and
# the organizer journey and the live thread (long polling included) run in a browser on both.
pytestmark = [pytest.mark.browser, pytest.mark.sqlite_only]


class TestConcernInTheBrowser:
    async def test_raised_from_a_post_then_resolved_from_the_advisory_dashboard(
        self,
        chromium: Browser,
        live_server: LiveServer,
        factory: Factory,
        client: httpx.AsyncClient,
    ) -> None:
        scene = await build_scene(factory, client, moderation="post")
        thread = await scene.thread("moderator", body="Welcome.")
        shown = await scene.post(thread["id"], "participant2", body="A named post.")
        reply = await scene.post(thread["id"], "participant2", body="A reply naming a girl.")
        hidden = await scene.moderate(reply["id"], "hide", reason="Names a girl", clause="3")
        assert hidden.status_code == 200
        member, member_watch = await open_page(chromium, live_server)
        advisor, advisor_watch = await open_page(chromium, live_server)
        try:
            await sign_in(
                member,
                email=scene.users["participant"].email,
                next=f"/d/{scene.slug}/threads/{thread['id']}",
            )
            await (
                member.locator(f"#post-{shown['id']}")
                .get_by_role("link", name="Raise a concern about this member")
                .click()
            )
            await expect(member.locator("h1")).to_have_text("Concerns about conduct")
            await expect(member.locator("#raise-heading + form")).to_contain_text(
                scene.users["participant2"].display_name
            )
            await assert_accessible(member)
            await member.get_by_label("What happened?").fill("He waits for her after each session.")
            await member.get_by_role("button", name="Send the concern").click()
            await expect(member.locator(".cards")).to_contain_text("You raised this concern")
            await assert_accessible(member)

            await sign_in(
                advisor, email=scene.users["advisor"].email, next=f"/d/{scene.slug}/advisory"
            )
            await expect(advisor.locator("h1")).to_have_text("Advisory council")
            await expect(advisor.locator("#decisions-heading + ol")).to_contain_text("Names a girl")
            await assert_accessible(advisor)
            await advisor.get_by_label("Outcome, told to the person who raised it").fill(
                "We spoke with him; it has stopped."
            )
            await advisor.get_by_role("button", name="Resolve with this outcome").click()
            await expect(advisor.locator("h1")).to_have_text("Concerns about conduct")
            await expect(advisor.locator(".cards")).to_contain_text("Resolved")
            await advisor.goto(f"{live_server.url}/d/{scene.slug}/advisory")
            await expect(advisor.locator("#concerns-heading ~ p").first).to_have_text(
                "No concern is open."
            )
            await advisor.get_by_label("Your comment on this decision").first.fill("Right call.")
            await advisor.get_by_role("button", name="Comment").first.click()
            await expect(advisor.locator("#decisions-heading + ol")).to_contain_text("Right call.")
            await assert_accessible(advisor)

            await member.goto(f"{live_server.url}/notifications")
            await expect(member.locator("main")).to_contain_text(
                "We spoke with him; it has stopped."
            )
        finally:
            await member.context.close()
            await advisor.context.close()
        assert not member_watch.problems(), member_watch.problems()
        assert not advisor_watch.problems(), advisor_watch.problems()
