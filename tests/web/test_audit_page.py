"""The audit page reads as sentences: names, "status: published → hidden", the clause cited,
and nothing that tells who wrote an anonymous post."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi import FastAPI

from dialogue.accounts.models import User
from dialogue.db import utcnow
from dialogue.events.publish import commit
from dialogue.moderation import members
from dialogue.moderation.sanctions import sanction_author
from dialogue.state import app_state
from dialogue.threads.models import Post
from tests.factories import Factory
from tests.web import scenes
from tests.web.html import main, text
from tests.web.moderation_scene import StaffScene, staff_scene


@pytest.fixture
async def world(app: FastAPI, factory: Factory) -> StaffScene:
    return await staff_scene(app, factory)


def audit_url(w: StaffScene) -> str:
    return f"/d/{w.slug}/moderation/audit"


def entry_html(html: str, entry_id: int | None) -> str:
    """One entry of the log: from its item to the next one (or the end of the list)."""
    start = html.index(f'id="entry-{entry_id}"')
    following = html.find('<li class="audit-entry"', start)
    return html[start : following if following != -1 else html.index("</ol>", start)]


async def hide(w: StaffScene, post_id: int | None, clause: str = "3") -> None:
    response = await w.send(
        w.moderator,
        f"/d/{w.slug}/moderation/posts/{post_id}",
        {"action": "hide", "reason": "Names a person", "clause": clause, "return_to": "thread"},
    )
    assert response.status_code == 303, response.text


class TestReadable:
    async def test_names_changes_and_clause(self, world: StaffScene) -> None:
        await hide(world, world.post.id)
        [entry] = await world.audit("post.hide")
        page = await world.page(world.advisor, audit_url(world))
        assert page.status_code == 200
        shown = text(entry_html(page.text, entry.id))
        assert "Mona Moderator hid a post" in shown
        assert f"post #{world.post.id} (by Bob Banda)" in shown
        assert "status: published → hidden" in shown
        assert "Reason: Names a person" in shown
        assert "Clause 3 (code of conduct version 1)" in shown
        assert "{" not in shown  # no JSON
        assert "<table" not in main(page.text)  # entries wrap on a phone: no wide table

    async def test_a_thread_move_names_the_themes(
        self, world: StaffScene, factory: Factory
    ) -> None:
        other = await factory.theme(world.s.dialogue, title="Prevention")
        url = f"/d/{world.slug}/moderation/threads/{world.thread.id}"
        response = await world.send(world.moderator, url, {"action": "move", "theme_id": other.id})
        assert response.status_code == 303
        [entry] = await world.audit("thread.move")
        page = await world.page(world.s.organizer, audit_url(world))
        shown = text(entry_html(page.text, entry.id))
        assert "moved a thread" in shown and "thread “A thread”" in shown
        assert "theme: Accountability in practice → Prevention" in shown

    async def test_a_member_action_names_the_member(self, world: StaffScene) -> None:
        url = f"/d/{world.slug}/moderation/members/{world.s.bob.id}"
        response = await world.send(
            world.s.organizer,
            url,
            {"action": "ban", "reason": "Threats", "clause": "1"},
            page=f"/d/{world.slug}/moderation/members",
        )
        assert response.status_code == 303, response.text
        [entry] = await world.audit("member.ban")
        page = await world.page(world.advisor, audit_url(world))
        shown = text(entry_html(page.text, entry.id))
        assert "Olga Organizer banned a member: Bob Banda" in shown
        assert "banned: no → yes" in shown


class TestAnonymousAuthors:
    async def test_nothing_on_the_page_tells_who_wrote_an_anonymous_post(
        self, world: StaffScene, app: FastAPI, factory: Factory
    ) -> None:
        s = world.s
        secret: User = await factory.member(s.dialogue, "participant", display_name="Zara Secret")
        post = await scenes.reply(
            app, s.dialogue, s.theme, world.thread, secret, body="My story.", anonymous=True
        )
        await hide(world, post.id)
        async with app_state(app).database.session() as session:
            row = await session.get(Post, post.id)
            assert row is not None
            await sanction_author(
                session=session,
                dialogue=s.dialogue,
                post=row,
                actor=world.moderator,
                act=members.MemberAction(
                    action="mute", reason="Repeated", clause="1", until=utcnow() + timedelta(days=1)
                ),
            )
            await commit(session)
        for who in ("advisor", "moderator", "organizer"):
            page = await world.page(world.people()[who], audit_url(world))
            assert page.status_code == 200
            body = main(page.text)
            assert "Zara Secret" not in body and secret.email not in body
            assert f"Member #{secret.id}" not in body
            [hidden] = await world.audit("post.hide")
            assert f"post #{post.id} (by Anonymous participant)" in text(
                entry_html(page.text, hidden.id)
            )
            [muted] = await world.audit("author.mute")
            assert f"the anonymous author of post #{post.id}" in text(
                entry_html(page.text, muted.id)
            )
