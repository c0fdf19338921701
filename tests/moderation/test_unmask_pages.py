"""The unmask pages: staff ask with a reason, a second person decides, only those two see who.

Every role is tried on every page and form; refused forms change nothing.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import col, select

from dialogue.csrf import CSRF_FIELD
from dialogue.moderation.models import AuditEntry, UnmaskRequest
from tests.factories import Factory
from tests.moderation.scene import Scene, build_scene
from tests.web import scenes
from tests.web.clients import page_csrf, submit, visitor
from tests.web.html import section, text

STAFF = ("organizer", "moderator", "moderator2", "admin")
OTHERS = ("advisor", "expert", "participant", "observer")


@pytest.fixture
async def scene(db_kind: str, factory: Factory, client: httpx.AsyncClient) -> Scene:
    return await build_scene(factory, client, moderation="post", allow_anonymous=True)


async def get(scene: Scene, who: str | None, path: str) -> httpx.Response:
    user = scene.users.get(who) if who else None
    async with visitor(scene.factory.app, user) as browser:
        return await browser.get(f"/d/{scene.slug}{path}")


async def post_form(
    scene: Scene, who: str, page: str, action: str, data: dict[str, Any]
) -> httpx.Response:
    """A form sent by `who`, with the CSRF token of a page that person may open."""
    async with visitor(scene.factory.app, scene.users[who]) as browser:
        return await submit(browser, f"/d/{scene.slug}{page}", f"/d/{scene.slug}{action}", data)


async def anonymous_post(scene: Scene) -> int:
    thread = await scene.thread(anonymous=True, body="Something only an insider would know.")
    post_id: int = thread["post"]["id"]
    return post_id


async def ask(scene: Scene, post_id: int, who: str = "moderator", reason: str = "A threat.") -> int:
    response = await post_form(
        scene, who, "/moderation/unmask", f"/moderation/posts/{post_id}/unmask", {"reason": reason}
    )
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith(f"/d/{scene.slug}/moderation/unmask#request-")
    return int(location.rsplit("-", 1)[1])


async def decide(scene: Scene, request_id: int, who: str, decision: str) -> httpx.Response:
    return await post_form(
        scene,
        who,
        "/moderation/unmask",
        f"/moderation/unmask/{request_id}",
        {"decision": decision, "note": f"{decision} by {who}"},
    )


async def foreign_request(factory: Factory) -> tuple[int, int]:
    """An anonymous post of another dialogue and a request about it, made without pages."""
    other = await factory.dialogue(moderation="post", allow_anonymous=True)
    theme = await factory.theme(other)
    author = await factory.member(other, "participant")
    _thread, post = await scenes.start_thread(factory.app, other, theme, author, anonymous=True)
    async with factory.session() as session:
        request = UnmaskRequest(
            dialogue_id=other.id or 0, post_id=post.id or 0, requested_by=author.id or 0, reason="x"
        )
        session.add(request)
        await session.commit()
        return post.id or 0, request.id or 0


async def requests(scene: Scene) -> list[UnmaskRequest]:
    async with scene.factory.session() as session:
        found = await session.exec(
            select(UnmaskRequest).where(UnmaskRequest.dialogue_id == scene.dialogue.id)
        )
        return list(found.all())


async def audit_count(scene: Scene, action: str) -> int:
    async with scene.factory.session() as session:
        query = select(func.count()).where(
            col(AuditEntry.dialogue_id) == scene.dialogue.id, AuditEntry.action == action
        )
        return int((await session.exec(query)).one())


class TestWhoMayOpen:
    async def test_staff_open_both_pages_others_are_refused(self, scene: Scene) -> None:
        post_id = await anonymous_post(scene)
        for path in ("/moderation/unmask", f"/moderation/posts/{post_id}/unmask"):
            for who in STAFF:
                page = await get(scene, who, path)
                assert page.status_code == 200, (who, path)
                assert "<h1>" in page.text
            for who in OTHERS:
                assert (await get(scene, who, path)).status_code == 403, (who, path)
            for who in ("outsider", None):
                assert (await get(scene, who, path)).status_code == 404, (who, path)


class TestAskAndDecide:
    async def test_second_person_approves_and_only_the_two_see_the_author(
        self, scene: Scene
    ) -> None:
        thread = await scene.thread(anonymous=True)
        request_id = await ask(
            scene, thread["post"]["id"], reason="Credible threat to a named survivor."
        )
        page = await get(scene, "moderator", "/moderation/unmask")
        waiting = section(page.text, "pending-heading")
        assert "Credible threat to a named survivor." in text(waiting)
        assert f'id="request-{request_id}"' in waiting
        assert f'action="/d/{scene.slug}/moderation/unmask/{request_id}"' not in waiting
        assert "another moderator or an organizer decides" in text(waiting)
        other = await get(scene, "moderator2", "/moderation/unmask")
        assert f'action="/d/{scene.slug}/moderation/unmask/{request_id}"' in other.text

        response = await decide(scene, request_id, "moderator2", "approve")
        assert response.status_code == 303
        assert response.headers["location"] == (
            f"/d/{scene.slug}/moderation/unmask#request-{request_id}"
        )
        email = scene.users["participant"].email
        for who, sees in (("moderator", True), ("moderator2", True), ("organizer", False)):
            decided = section((await get(scene, who, "/moderation/unmask")).text, "decided-heading")
            assert "Approved" in text(decided) and "approve by moderator2" in text(decided)
            assert (email in decided) == sees, who
        [stored] = await requests(scene)
        assert (stored.status, stored.decided_by) == ("approved", scene.users["moderator2"].id)
        assert await audit_count(scene, "unmask.request") == 1
        assert await audit_count(scene, "unmask.approve") == 1
        thread_page = await get(scene, "moderator", f"/threads/{thread['id']}")
        assert email not in thread_page.text  # revealed on this page only, never in place

    async def test_the_requester_cannot_decide_a_refusal_is_final_and_reveals_nothing(
        self, scene: Scene
    ) -> None:
        request_id = await ask(scene, await anonymous_post(scene))
        own = await decide(scene, request_id, "moderator", "approve")
        assert own.status_code == 403
        assert "A second moderator or organizer must decide" in own.text
        assert [r.status for r in await requests(scene)] == ["pending"]
        assert (await decide(scene, request_id, "admin", "refuse")).status_code == 303
        again = await decide(scene, request_id, "moderator2", "approve")
        assert again.status_code == 409 and "already decided" in again.text
        assert [r.status for r in await requests(scene)] == ["refused"]
        for who in ("moderator", "admin"):  # a refusal reveals nothing, even to the two
            decided = section((await get(scene, who, "/moderation/unmask")).text, "decided-heading")
            assert "Refused" in text(decided)
            assert scene.users["participant"].email not in decided
        assert await audit_count(scene, "unmask.refuse") == 1


class TestRefusedForms:
    async def test_blank_reason_named_post_and_a_second_request_change_nothing(
        self, scene: Scene
    ) -> None:
        post_id = await anonymous_post(scene)
        page = f"/moderation/posts/{post_id}/unmask"
        blank = await post_form(scene, "moderator", page, page, {"reason": "   "})
        assert blank.status_code == 422 and 'role="alert"' in blank.text
        named = (await scene.thread())["post"]["id"]
        shown = await get(scene, "moderator", f"/moderation/posts/{named}/unmask")
        assert "not anonymous" in shown.text and 'name="reason"' not in shown.text
        refused = await post_form(
            scene, "moderator", page, f"/moderation/posts/{named}/unmask", {"reason": "why"}
        )
        assert refused.status_code == 409
        assert await requests(scene) == []
        await ask(scene, post_id)
        assert 'name="reason"' not in (await get(scene, "moderator2", page)).text
        twice = await post_form(scene, "moderator2", page, page, {"reason": "again"})
        assert twice.status_code == 409
        assert len(await requests(scene)) == 1

    async def test_other_roles_and_missing_csrf_are_refused(self, scene: Scene) -> None:
        post_id = await anonymous_post(scene)
        request_id = await ask(scene, post_id)
        theme = f"/themes/{scene.theme.id}"  # a page everyone here may open, for its token
        for who in (*OTHERS, "outsider"):
            asked = await post_form(
                scene, who, theme, f"/moderation/posts/{post_id}/unmask", {"reason": "r"}
            )
            decided = await post_form(
                scene, who, theme, f"/moderation/unmask/{request_id}", {"decision": "approve"}
            )
            expected = 404 if who == "outsider" else 403
            assert (asked.status_code, decided.status_code) == (expected, expected), who
        async with visitor(scene.factory.app, scene.users["moderator2"]) as browser:
            bare = await browser.post(
                f"/d/{scene.slug}/moderation/unmask/{request_id}", data={"decision": "approve"}
            )
            assert bare.status_code == 403
            shown = await browser.get(f"/d/{scene.slug}/moderation/unmask")
            odd = await browser.post(
                f"/d/{scene.slug}/moderation/unmask/{request_id}",
                data={CSRF_FIELD: page_csrf(shown.text), "decision": "maybe"},
            )
            assert odd.status_code == 422
        assert [r.status for r in await requests(scene)] == ["pending"]

    async def test_a_post_or_request_of_another_dialogue_is_404_under_this_slug(
        self, scene: Scene, factory: Factory
    ) -> None:
        post_id, request_id = await foreign_request(factory)
        page = await get(scene, "moderator", f"/moderation/posts/{post_id}/unmask")
        assert page.status_code == 404
        response = await decide(scene, request_id, "moderator2", "approve")
        assert response.status_code == 404
        async with scene.factory.session() as session:
            stored = await session.get(UnmaskRequest, request_id)
            assert stored is not None and stored.status == "pending"


class TestLinks:
    async def test_staff_find_the_request_form_from_the_post_and_the_nav(
        self, scene: Scene
    ) -> None:
        thread = await scene.thread(anonymous=True)
        named = await scene.post(thread["id"], "participant2")
        link = f'href="/d/{scene.slug}/moderation/posts/{thread["post"]["id"]}/unmask"'
        for who in ("moderator", "organizer"):
            page = await get(scene, who, f"/threads/{thread['id']}")
            assert link in page.text
            assert f"/moderation/posts/{named['id']}/unmask" not in page.text
        for who in OTHERS:
            page = await get(scene, who, f"/threads/{thread['id']}")
            assert "/unmask" not in page.text, who
        queue = await get(scene, "moderator", "/moderation")
        assert f'href="/d/{scene.slug}/moderation/unmask"' in queue.text
