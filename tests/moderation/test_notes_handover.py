"""Moderators' notes (moderators and organizers only, through no other route) and the handover.

The notes are looked for in every other place a reader could reach: the audit log, the
advisory dashboard, events, archives, reports, data exports and the pages of the thread.
"""

from __future__ import annotations

import gzip
import io
import re
from datetime import timedelta
from typing import Any

import httpx
import pytest

from dialogue.archive.export import export_archive
from dialogue.db import utcnow
from dialogue.dialogues.models import Dialogue
from dialogue.synthesis.loader import load_source
from dialogue.threads.models import Post
from tests.factories import Factory
from tests.moderation.scene import Scene, build_scene
from tests.web import scenes
from tests.web.clients import submit, visitor

API = "/api/v1"
NOTE = "Asked twice to stop naming the coordinator"
STAFF = ("moderator", "organizer", "admin")
OTHERS = ("advisor", "expert", "participant", "observer")


@pytest.fixture
async def scene(db_kind: str, factory: Factory, client: httpx.AsyncClient) -> Scene:
    return await build_scene(factory, client, moderation="pre")


async def get(scene: Scene, who: str | None, path: str) -> httpx.Response:
    user = scene.users.get(who) if who else None
    async with visitor(scene.factory.app, user) as browser:
        return await browser.get(f"/d/{scene.slug}{path}")


async def send(scene: Scene, who: str, path: str, data: dict[str, Any]) -> httpx.Response:
    async with visitor(scene.factory.app, scene.users[who]) as browser:
        return await submit(browser, f"/d/{scene.slug}/concerns", f"/d/{scene.slug}{path}", data)


async def noted(scene: Scene) -> tuple[int, int]:
    """A note on a member and one on a thread, by the first moderator."""
    thread = await scene.thread("moderator")
    member = scene.users["participant"].id or 0
    for path in (
        f"/moderation/notes/members/{member}",
        f"/moderation/notes/threads/{thread['id']}",
    ):
        response = await send(scene, "moderator", path, {"body": f"{NOTE} ({path})"})
        assert response.status_code == 303, response.text
        assert response.headers["location"].startswith(f"/d/{scene.slug}{path}#note-")
    return member, thread["id"]


class TestWhoReadsNotes:
    async def test_moderators_and_organizers_only(self, scene: Scene) -> None:
        member, thread = await noted(scene)
        paths = (
            "/moderation/notes",
            f"/moderation/notes/members/{member}",
            f"/moderation/notes/threads/{thread}",
            "/moderation/handover",
        )
        for path in paths:
            for who in STAFF:
                page = await get(scene, who, path)
                assert page.status_code == 200, (who, path)
            for who in OTHERS:
                assert (await get(scene, who, path)).status_code == 403, (who, path)
            for who in ("outsider", None):
                assert (await get(scene, who, path)).status_code == 404, (who, path)
        for path in paths[:3]:
            assert NOTE in (await get(scene, "organizer", path)).text, path
        for who in OTHERS:
            response = await send(scene, who, f"/moderation/notes/members/{member}", {"body": "x"})
            assert response.status_code == 403, who

    async def test_a_note_needs_a_member_or_thread_of_this_dialogue_and_words(
        self, scene: Scene
    ) -> None:
        outsider = scene.users["outsider"].id
        assert (
            await get(scene, "moderator", f"/moderation/notes/members/{outsider}")
        ).status_code == 404
        sent = await send(
            scene, "moderator", f"/moderation/notes/members/{outsider}", {"body": "x"}
        )
        assert sent.status_code == 404
        other = await scene.factory.dialogue(owner=scene.users["organizer"])
        theme = await scene.factory.theme(other)
        author = await scene.factory.member(other, "participant")
        foreign, _post = await scenes.start_thread(scene.factory.app, other, theme, author)
        sent = await send(
            scene, "moderator", f"/moderation/notes/threads/{foreign.id}", {"body": "x"}
        )
        assert sent.status_code == 404
        member = scene.users["participant"].id
        empty = await send(scene, "moderator", f"/moderation/notes/members/{member}", {"body": " "})
        assert empty.status_code == 422 and 'id="note-error"' in empty.text


class TestNeverThroughAnotherRoute:
    async def test_no_log_page_event_archive_report_or_export_carries_a_note(
        self, scene: Scene
    ) -> None:
        member, thread = await noted(scene)
        found: dict[str, str] = {}
        for who in ("advisor", "organizer", "moderator"):
            found[f"audit {who}"] = (
                await scene.client.get(
                    f"{API}/dialogues/{scene.slug}/audit-log", headers=scene.headers[who]
                )
            ).text
            found[f"events {who}"] = (
                await scene.client.get(
                    f"{API}/dialogues/{scene.slug}/events", headers=scene.headers[who]
                )
            ).text
        for who in ("participant", "moderator", "organizer"):
            found[f"export {who}"] = (
                await scene.client.get(f"{API}/me/export", headers=scene.headers[who])
            ).text
        found["advisory"] = (await get(scene, "advisor", "/advisory")).text
        found["audit page"] = (await get(scene, "advisor", "/moderation/audit")).text
        found["thread page"] = (await get(scene, "participant", f"/threads/{thread}")).text
        found["members"] = (
            await scene.client.get(
                f"{API}/dialogues/{scene.slug}/members", headers=scene.headers["organizer"]
            )
        ).text
        found["transparency"] = (await get(scene, "observer", "/transparency")).text
        async with scene.factory.session() as session:
            dialogue = await session.get(Dialogue, scene.dialogue.id)
            assert dialogue is not None
            for identities in (False, True):
                out = io.BytesIO()
                await export_archive(
                    session=session,
                    dialogue=dialogue,
                    identities=identities,
                    out=out,
                    progress=lambda *_: None,
                )
                found[f"archive {identities}"] = gzip.decompress(out.getvalue()).decode()
            found["report"] = str(
                await load_source(session=session, dialogue=dialogue, state="draft")
            )
        for where, text in found.items():
            assert NOTE not in text, where
        # The staff's own thread page offers the notes, and shows none of them in place.
        staff_thread = (await get(scene, "moderator", f"/threads/{thread}")).text
        assert f"/moderation/notes/threads/{thread}" in staff_thread and NOTE not in staff_thread
        members_page = (await get(scene, "moderator", "/moderation/members")).text
        assert f"/moderation/notes/members/{member}" in members_page


class TestHandover:
    async def test_what_changed_since_the_last_look(self, scene: Scene) -> None:
        await noted(scene)
        thread = await scene.thread("moderator")
        pending = await scene.post(thread["id"], "participant", body="Waiting words.")
        page = (await get(scene, "moderator2", "/moderation/handover")).text
        assert "What changed in the last seven days." in page
        assert NOTE in page and thread["title"] in page
        assert "New in the queue (1)" in page
        own = (await get(scene, "moderator", "/moderation/handover")).text
        assert NOTE not in own  # one's own notes are no news
        read = await send(scene, "moderator2", "/moderation/handover", {})
        assert read.status_code == 303
        again = (await get(scene, "moderator2", "/moderation/handover")).text
        assert "Nothing new." in again and NOTE not in again
        assert "What changed since you last marked the handover as read" in again
        later = await scene.post(thread["id"], "participant2", body="Later words.")
        assert later["id"] != pending["id"]
        assert (
            "New in the queue (1)" in (await get(scene, "moderator2", "/moderation/handover")).text
        )

    async def test_items_waiting_too_long_raise_the_alert(self, scene: Scene) -> None:
        thread = await scene.thread("moderator")
        fresh = await scene.post(thread["id"], "participant")
        assert 'id="waiting-alert"' not in (await get(scene, "moderator", "/moderation")).text
        async with scene.factory.session() as session:
            post = await session.get(Post, fresh["id"])
            assert post is not None
            post.created_at = utcnow() - timedelta(hours=5)  # the default alert is at 4 hours
            session.add(post)
            await session.commit()
        for path in ("/moderation", "/moderation/handover"):
            page = (await get(scene, "moderator", path)).text
            assert 'id="waiting-alert"' in page, path
            assert "1 item has waited in the queue for more than 4.0 hours." in page, path


class TestAnonymousAuthorsStayUnknown:
    async def test_the_handover_and_notes_never_name_an_anonymous_author(
        self, factory: Factory, client: httpx.AsyncClient, db_kind: str
    ) -> None:
        scene = await build_scene(factory, client, moderation="pre", allow_anonymous=True)
        thread = await scene.thread("moderator")
        hidden = await scene.post(thread["id"], "participant", anonymous=True, body="Unsigned.")
        assert hidden["status"] == "pending"
        author = scene.users["participant"]
        for who in STAFF:
            for path in ("/moderation/handover", "/moderation/notes"):
                page = (await get(scene, who, path)).text
                named = re.search(rf"\b{re.escape(author.display_name)}\b", page)
                assert not named and author.email not in page, (who, path)
        handover = (await get(scene, "moderator", "/moderation/handover")).text
        assert "Anonymous participant" in handover and "New in the queue (1)" in handover
