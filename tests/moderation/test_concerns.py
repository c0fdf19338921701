"""Concerns about conduct: raised by any member, handled by organizers and advisors, confidential.

Each role is tried over the API, the pages, the event log, the audit log, the archive and
the report's sources: a concern is known to its raiser, the organizers and the advisors only.
"""

from __future__ import annotations

import gzip
import io
import json
from datetime import timedelta
from typing import Any

import httpx
import pytest

from dialogue.archive.export import export_archive
from dialogue.db import utcnow
from dialogue.dialogues.models import Dialogue
from dialogue.moderation.oversight_models import Concern
from dialogue.synthesis.loader import load_source
from tests.factories import Factory
from tests.moderation.scene import Scene, assert_error, build_scene
from tests.web.clients import submit, visitor

API = "/api/v1"
SECRET = "He follows her to the car park after each session"
HANDLERS = ("organizer", "advisor", "admin")
NOT_HANDLERS = ("moderator", "moderator2", "expert", "participant2", "observer")


@pytest.fixture
async def scene(db_kind: str, factory: Factory, client: httpx.AsyncClient) -> Scene:
    return await build_scene(factory, client, moderation="post", allow_anonymous=True)


async def raise_one(scene: Scene, who: str = "participant", **fields: Any) -> dict[str, Any]:
    response = await scene.client.post(
        f"{API}/dialogues/{scene.slug}/concerns",
        json={"body": SECRET, **fields},
        headers=scene.headers[who],
    )
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


async def listed(scene: Scene, who: str) -> httpx.Response:
    return await scene.client.get(
        f"{API}/dialogues/{scene.slug}/concerns", headers=scene.headers[who]
    )


async def move(scene: Scene, concern_id: int, who: str, **body: Any) -> httpx.Response:
    return await scene.client.patch(
        f"{API}/concerns/{concern_id}", json=body, headers=scene.headers[who]
    )


async def last_seq(scene: Scene) -> int:
    async with scene.factory.session() as session:
        dialogue = await session.get(Dialogue, scene.dialogue.id)
        assert dialogue is not None
        return dialogue.last_seq


class TestRaiseAndFollow:
    async def test_any_member_raises_and_sees_only_their_own(self, scene: Scene) -> None:
        about = scene.users["participant2"]
        await scene.thread("participant2", body="Under my own name.")  # so the raiser knows them
        mine = await raise_one(scene, about_user_id=about.id)
        assert (mine["status"], mine["about_name"], mine["mine"]) == (
            "open",
            about.display_name,
            True,
        )
        assert mine["raised_by"] is None  # the raiser is not told their own id back as a handler
        observer = await raise_one(scene, "observer")
        own = (await listed(scene, "participant")).json()["items"]
        assert [c["id"] for c in own] == [mine["id"]]
        for who in NOT_HANDLERS:
            items = (await listed(scene, who)).json()["items"]
            ids = [c["id"] for c in items]
            assert mine["id"] not in ids, who
            assert SECRET not in str(items) or who == "observer", who
        assert [c["id"] for c in (await listed(scene, "observer")).json()["items"]] == [
            observer["id"]
        ]

    async def test_handlers_see_every_concern_and_who_raised_it(self, scene: Scene) -> None:
        concern = await raise_one(scene)
        for who in HANDLERS:
            [item] = (await listed(scene, who)).json()["items"]
            assert item["id"] == concern["id"] and item["body"] == SECRET
            assert item["raised_by_name"] == scene.users["participant"].display_name

    async def test_non_members_get_nothing(self, scene: Scene) -> None:
        response = await scene.client.post(
            f"{API}/dialogues/{scene.slug}/concerns",
            json={"body": SECRET},
            headers=scene.headers["outsider"],
        )
        assert_error(response, 404, "not_found")
        assert_error(await listed(scene, "outsider"), 404, "not_found")
        concern = await raise_one(scene)
        assert_error(
            await move(scene, concern["id"], "outsider", status="acknowledged"), 404, "not_found"
        )
        anonymous = await scene.client.get(f"{API}/dialogues/{scene.slug}/concerns")
        assert anonymous.status_code == 404

    async def test_bad_input_is_refused_clearly(self, scene: Scene) -> None:
        url = f"{API}/dialogues/{scene.slug}/concerns"
        headers = scene.headers["participant"]
        for body in ({"body": ""}, {"body": "   "}, {"body": "x" * 5001}, {}):
            assert_error(await scene.client.post(url, json=body, headers=headers), 422, "invalid")
        for about in (scene.users["participant"].id, 0, -1, 2**31):  # oneself; not an id
            response = await scene.client.post(
                url, json={"body": "x", "about_user_id": about}, headers=headers
            )
            assert_error(response, 422, "invalid")
        assert (await listed(scene, "organizer")).json()["items"] == []


def answer_shape(answer: httpx.Response) -> tuple[int, dict[str, Any]]:
    """A raise's answer without what differs between any two concerns."""
    data = answer.json()
    return answer.status_code, {k: v for k, v in data.items() if k not in ("id", "created_at")}


class TestNoProbing:
    """Raising a concern tells nothing of who is a member or what they are called."""

    async def test_a_member_the_raiser_cannot_name_is_answered_as_a_stranger(
        self, scene: Scene
    ) -> None:
        quiet, masked = scene.users["participant2"], scene.users["expert"]
        await scene.thread("expert", anonymous=True, body="Only ever anonymous.")
        url = f"{API}/dialogues/{scene.slug}/concerns"
        candidates = {
            "member who never wrote by name": quiet.id,
            "member who wrote anonymously only": masked.id,
            "someone of no dialogue": scene.users["outsider"].id,
            "no such account": 2**31 - 1,
        }
        answers = {}
        for label, about in candidates.items():
            response = await scene.client.post(
                url,
                json={"body": SECRET, "about_user_id": about},
                headers=scene.headers["observer"],
            )
            answers[label] = answer_shape(response)
            for person in (quiet, masked):
                assert person.display_name not in response.text, label
        plain = await scene.client.post(
            url, json={"body": SECRET}, headers=scene.headers["observer"]
        )
        assert all(a == answer_shape(plain) for a in answers.values()), answers
        status, body = answer_shape(plain)
        assert (status, body["about_user_id"], body["about_name"]) == (201, None, None)
        # Kept as about no one: nobody is named to the handlers either on a guess.
        items = (await listed(scene, "organizer")).json()["items"]
        assert len(items) == 5 and {c["about_user_id"] for c in items} == {None}
        own = (await listed(scene, "observer")).json()["items"]
        assert quiet.display_name not in str(own) and masked.display_name not in str(own)

    async def test_someone_already_seen_by_name_is_named(self, scene: Scene) -> None:
        author = scene.users["participant2"]
        await scene.thread("participant2", body="Under my own name.")
        named = await raise_one(scene, "observer", about_user_id=author.id)
        assert (named["about_user_id"], named["about_name"]) == (author.id, author.display_name)
        # Staff read the member list: they may name any member, not a stranger.
        quiet = scene.users["observer"]
        by_staff = await raise_one(scene, "moderator", about_user_id=quiet.id)
        assert by_staff["about_name"] == quiet.display_name
        stranger = await raise_one(scene, "moderator", about_user_id=scene.users["outsider"].id)
        assert (stranger["about_user_id"], stranger["about_name"]) == (None, None)

    async def test_the_page_form_answers_alike_and_echoes_no_name(self, scene: Scene) -> None:
        quiet = scene.users["participant2"]
        page = f"/d/{scene.slug}/concerns"
        async with visitor(scene.factory.app, scene.users["participant"]) as browser:
            sent = [
                await submit(browser, page, page, {"body": SECRET, "about_user_id": about})
                for about in (quiet.id, 2**31 - 1)
            ]
            assert [r.status_code for r in sent] == [303, 303]
            refused = [
                await submit(browser, page, page, {"body": " ", "about_user_id": about})
                for about in (quiet.id, 2**31 - 1)
            ]
            listing = await browser.get(page)
        assert [r.status_code for r in refused] == [422, 422]
        for response in refused:
            assert quiet.display_name not in response.text
            assert "about_user_id" not in response.text  # the form is about no one again
        assert quiet.display_name not in listing.text


class TestHandling:
    async def test_acknowledge_then_resolve_tells_the_raiser(self, scene: Scene) -> None:
        concern = await raise_one(scene, about_user_id=scene.users["expert"].id)
        for who in (*NOT_HANDLERS, "participant"):
            assert_error(
                await move(scene, concern["id"], who, status="acknowledged"), 403, "forbidden"
            )
        seen = await move(scene, concern["id"], "advisor", status="acknowledged")
        assert seen.status_code == 200 and seen.json()["status"] == "acknowledged"
        no_outcome = await move(scene, concern["id"], "organizer", status="resolved")
        assert_error(no_outcome, 422, "note_required")
        done = await move(
            scene, concern["id"], "organizer", status="resolved", outcome="Spoken to; barred."
        )
        assert done.json()["status"] == "resolved" and done.json()["resolved_at"]
        again = await move(scene, concern["id"], "advisor", status="acknowledged")
        assert_error(again, 409, "invalid_transition")
        assert_error(await move(scene, concern["id"], "advisor", status="open"), 422, "invalid")

        [own] = (await listed(scene, "participant")).json()["items"]
        assert (own["status"], own["outcome"]) == ("resolved", "Spoken to; barred.")
        notices = (
            await scene.client.get(f"{API}/me/notices", headers=scene.headers["participant"])
        ).json()["items"]
        assert [n["kind"] for n in notices] == ["concern_resolved", "concern_seen"]
        assert notices[0]["reason"] == "Spoken to; barred." and not notices[0]["appealable"]
        appeal = await scene.client.post(
            f"{API}/me/notices/{notices[0]['id']}/appeal",
            json={"note": "no"},
            headers=scene.headers["participant"],
        )
        assert_error(appeal, 409, "conflict")
        # The person it was about is told nothing.
        about = await scene.client.get(f"{API}/me/notices", headers=scene.headers["expert"])
        assert about.json()["items"] == []

    async def test_the_notifications_page_tells_the_outcome_without_an_appeal(
        self, scene: Scene
    ) -> None:
        concern = await raise_one(scene)
        await move(scene, concern["id"], "advisor", status="resolved", outcome="Handled kindly.")
        async with visitor(scene.factory.app, scene.users["participant"]) as browser:
            page = await browser.get("/notifications")
        assert "The concern you raised was resolved." in page.text
        assert "Handled kindly." in page.text
        assert f"/d/{scene.slug}/concerns" in page.text
        assert "/appeal" not in page.text


class TestConfidential:
    async def test_no_event_is_appended(self, scene: Scene) -> None:
        before = await last_seq(scene)
        concern = await raise_one(scene, about_user_id=scene.users["participant2"].id)
        await move(scene, concern["id"], "organizer", status="resolved", outcome="Done.")
        assert await last_seq(scene) == before
        events = await scene.client.get(
            f"{API}/dialogues/{scene.slug}/events", headers=scene.headers["organizer"]
        )
        assert SECRET not in events.text and "concern" not in events.text

    async def test_the_audit_log_shows_each_step_to_handlers_only(self, scene: Scene) -> None:
        concern = await raise_one(scene)
        await move(scene, concern["id"], "advisor", status="acknowledged")
        await move(scene, concern["id"], "organizer", status="resolved", outcome="OUTCOME-1")
        url = f"{API}/dialogues/{scene.slug}/audit-log"
        for who in ("advisor", "organizer"):
            actions = [
                e["action"]
                for e in (await scene.client.get(url, headers=scene.headers[who])).json()["items"]
            ]
            assert actions[:3] == ["concern.resolve", "concern.acknowledge", "concern.raise"], who
        for who in ("moderator", "moderator2"):
            log = await scene.client.get(url, headers=scene.headers[who])
            assert "concern" not in log.text and "OUTCOME-1" not in log.text, who
            csv = await scene.client.get(url, params={"format": "csv"}, headers=scene.headers[who])
            assert "concern" not in csv.text, who
            async with visitor(scene.factory.app, scene.users[who]) as browser:
                page = await browser.get(f"/d/{scene.slug}/moderation/audit")
            assert page.status_code == 200 and "OUTCOME-1" not in page.text, who
        async with visitor(scene.factory.app, scene.users["advisor"]) as browser:
            page = await browser.get(f"/d/{scene.slug}/moderation/audit")
        assert "OUTCOME-1" in page.text and "resolved a concern" in page.text

    async def test_archives_and_reports_leave_concerns_out(self, scene: Scene) -> None:
        concern = await raise_one(scene, about_user_id=scene.users["participant2"].id)
        await move(scene, concern["id"], "organizer", status="resolved", outcome="OUTCOME-2")
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
                lines = gzip.decompress(out.getvalue()).decode().splitlines()
                plain = "\n".join(lines)
                assert SECRET not in plain and "OUTCOME-2" not in plain
                assert "concern" not in plain
                assert all(json.loads(line).get("type") != "concern" for line in lines)
            source = await load_source(session=session, dialogue=dialogue, state="draft")
        assert not any(k.startswith("concern.") for k in source.moderation_actions)
        assert SECRET not in str(source)

    async def test_only_the_raisers_own_data_export_holds_it(self, scene: Scene) -> None:
        await raise_one(scene, about_user_id=scene.users["participant2"].id)
        export = await scene.client.get(f"{API}/me/export", headers=scene.headers["participant2"])
        assert export.status_code == 200 and SECRET not in export.text
        assert export.json()["concerns"] == []
        own = await scene.client.get(f"{API}/me/export", headers=scene.headers["participant"])
        [concern] = own.json()["concerns"]
        assert (concern["body"], concern["status"]) == (SECRET, "open")
        assert "about_user_id" not in concern  # the raiser's words, not data about another


class TestPages:
    async def test_every_member_opens_the_page_and_raises_one(self, scene: Scene) -> None:
        for who in ("observer", "participant", "expert", "moderator", "advisor", "organizer"):
            async with visitor(scene.factory.app, scene.users[who]) as browser:
                page = await browser.get(f"/d/{scene.slug}/concerns")
                assert page.status_code == 200, who
                assert 'name="body"' in page.text and 'name="csrf_token"' in page.text
        for who in ("outsider", None):
            user = scene.users.get(who) if who else None
            async with visitor(scene.factory.app, user) as browser:
                assert (await browser.get(f"/d/{scene.slug}/concerns")).status_code == 404

        async with visitor(scene.factory.app, scene.users["participant"]) as browser:
            sent = await submit(
                browser,
                f"/d/{scene.slug}/concerns",
                f"/d/{scene.slug}/concerns",
                {"body": SECRET},
            )
            assert sent.status_code == 303
            assert sent.headers["location"].startswith(f"/d/{scene.slug}/concerns#concern-")
            page = await browser.get(f"/d/{scene.slug}/concerns")
            assert SECRET in page.text and "You raised this concern" in page.text
            empty = await submit(
                browser, f"/d/{scene.slug}/concerns", f"/d/{scene.slug}/concerns", {"body": " "}
            )
            assert empty.status_code == 422 and 'role="alert"' in empty.text
        async with visitor(scene.factory.app, scene.users["moderator"]) as browser:
            page = await browser.get(f"/d/{scene.slug}/concerns")
            assert SECRET not in page.text

    async def test_handlers_move_it_on_and_are_reminded(self, scene: Scene) -> None:
        concern = await raise_one(scene)
        async with scene.factory.session() as session:
            stored = await session.get(Concern, concern["id"])
            assert stored is not None
            stored.created_at = utcnow() - timedelta(days=5)
            session.add(stored)
            await session.commit()
        page_url = f"/d/{scene.slug}/concerns"
        async with visitor(scene.factory.app, scene.users["advisor"]) as browser:
            page = await browser.get(page_url)
            assert 'id="concern-reminder"' in page.text and "Waiting too long" in page.text
            assert scene.users["participant"].display_name in page.text
            refused = await submit(
                browser, page_url, f"{page_url}/{concern['id']}", {"status": "resolved"}
            )
            assert refused.status_code == 422
            assert f'id="concern-{concern["id"]}-error"' in refused.text
            done = await submit(
                browser,
                page_url,
                f"{page_url}/{concern['id']}",
                {"status": "resolved", "outcome": "Resolved on the page."},
            )
            assert done.status_code == 303
            page = await browser.get(page_url)
            assert 'id="concern-reminder"' not in page.text
            assert "Resolved on the page." in page.text
        async with visitor(scene.factory.app, scene.users["moderator"]) as browser:
            sent = await submit(
                browser, page_url, f"{page_url}/{concern['id']}", {"status": "resolved"}
            )
            assert sent.status_code == 403

    async def test_from_a_named_post_only(self, scene: Scene) -> None:
        named = await scene.thread("participant2", body="A named post.")
        hidden = await scene.thread("participant2", anonymous=True, body="An anonymous post.")
        author = scene.users["participant2"]
        async with visitor(scene.factory.app, scene.users["participant"]) as browser:
            thread = await browser.get(f"/d/{scene.slug}/threads/{named['id']}")
            assert f"/d/{scene.slug}/concerns?post={named['post']['id']}" in thread.text
            other = await browser.get(f"/d/{scene.slug}/threads/{hidden['id']}")
            assert "/concerns?post=" not in other.text
            page = await browser.get(f"/d/{scene.slug}/concerns?post={named['post']['id']}")
            assert f'name="about_user_id" value="{author.id}"' in page.text
            masked = await browser.get(f"/d/{scene.slug}/concerns?post={hidden['post']['id']}")
            assert masked.status_code == 200
            assert "about_user_id" not in masked.text and author.display_name not in masked.text
        async with visitor(scene.factory.app, author) as browser:
            own = await browser.get(f"/d/{scene.slug}/threads/{named['id']}")
            assert "/concerns?post=" not in own.text
