"""The advisory council's dashboard: who opens it, what it shows, comments and questions.

Nothing on it names an anonymous author, whoever reads it, even an organizer who approved
revealing one (that is for the unmask page and those two people only).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.factories import Factory
from tests.moderation.scene import Scene, build_scene
from tests.web.clients import submit, visitor

API = "/api/v1"
READERS = ("advisor", "organizer", "admin")
REFUSED = ("moderator", "expert", "participant", "observer")


@pytest.fixture
async def scene(db_kind: str, factory: Factory, client: httpx.AsyncClient) -> Scene:
    return await build_scene(factory, client, moderation="post", allow_anonymous=True)


async def page(scene: Scene, who: str | None) -> httpx.Response:
    user = scene.users.get(who) if who else None
    async with visitor(scene.factory.app, user) as browser:
        return await browser.get(f"/d/{scene.slug}/advisory")


async def form(scene: Scene, who: str, action: str, data: dict[str, Any]) -> httpx.Response:
    async with visitor(scene.factory.app, scene.users[who]) as browser:
        return await submit(
            browser, f"/d/{scene.slug}/concerns", f"/d/{scene.slug}/advisory{action}", data
        )


async def log(scene: Scene, who: str = "organizer") -> list[dict[str, Any]]:
    response = await scene.client.get(
        f"{API}/dialogues/{scene.slug}/audit-log", headers=scene.headers[who]
    )
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def hidden_anonymous_post(scene: Scene) -> int:
    """An anonymous post, hidden with a reason, appealed, and its author revealed to two."""
    thread = await scene.thread("participant", anonymous=True, body="Words of an anonymous author.")
    post_id: int = thread["post"]["id"]
    hidden = await scene.moderate(post_id, "hide", reason="REASON-A", clause="2")
    assert hidden.status_code == 200, hidden.text
    notices = await scene.client.get(f"{API}/me/notices", headers=scene.headers["participant"])
    appeal = await scene.client.post(
        f"{API}/me/notices/{notices.json()['items'][0]['id']}/appeal",
        json={"note": "APPEAL-NOTE"},
        headers=scene.headers["participant"],
    )
    assert appeal.status_code == 201, appeal.text
    asked = await scene.client.post(
        f"{API}/posts/{post_id}/unmask",
        json={"reason": "UNMASK-WHY"},
        headers=scene.headers["moderator"],
    )
    decided = await scene.client.post(
        f"{API}/posts/{post_id}/unmask/{asked.json()['id']}/decision",
        json={"approve": True, "note": "ok"},
        headers=scene.headers["organizer"],
    )
    assert decided.json()["author"] is not None  # the organizer decided: the unmask page names them
    return post_id


class TestWhoOpensIt:
    async def test_advisors_and_organizers_only(self, scene: Scene) -> None:
        for who in READERS:
            response = await page(scene, who)
            assert response.status_code == 200, who
            assert "<h1>Advisory council</h1>" in response.text
        for who in REFUSED:
            assert (await page(scene, who)).status_code == 403, who
        for who in ("outsider", None):
            assert (await page(scene, who)).status_code == 404, who


class TestWhatItShows:
    async def test_decisions_appeals_unmask_and_concerns_naming_no_anonymous_author(
        self, scene: Scene
    ) -> None:
        post_id = await hidden_anonymous_post(scene)
        concern = await scene.client.post(
            f"{API}/dialogues/{scene.slug}/concerns",
            json={"body": "CONCERN-BODY", "about_user_id": scene.users["expert"].id},
            headers=scene.headers["participant2"],
        )
        assert concern.status_code == 201
        author = scene.users["participant"]
        for who in READERS:
            text = (await page(scene, who)).text
            for shown in ("REASON-A", "Clause 2", "APPEAL-NOTE", "UNMASK-WHY", "CONCERN-BODY"):
                assert shown in text, (who, shown)
            assert f"post #{post_id}" in text and "Anonymous participant" in text
            assert author.email not in text and author.display_name not in text, who
            assert "The report is a draft" in text and f'href="/d/{scene.slug}/report"' in text

    async def test_the_report_waiting_for_review(self, scene: Scene) -> None:
        moved = await scene.client.post(
            f"{API}/dialogues/{scene.slug}/report/transitions",
            json={"to": "in_review"},
            headers=scene.headers["moderator"],
        )
        assert moved.status_code == 200, moved.text
        assert "The report is waiting for your review." in (await page(scene, "advisor")).text


class TestComments:
    async def test_an_advisor_comments_on_a_decision_in_the_log(self, scene: Scene) -> None:
        thread = await scene.thread("participant")
        await scene.moderate(thread["post"]["id"], "hide", reason="Off topic", clause="1")
        [decision] = [e for e in await log(scene) if e["action"] == "post.hide"]
        sent = await form(
            scene, "advisor", f"/decisions/{decision['id']}/comments", {"comment": "Too harsh?"}
        )
        assert sent.status_code == 303
        assert sent.headers["location"] == f"/d/{scene.slug}/advisory#decision-{decision['id']}"
        [comment] = [e for e in await log(scene, "moderator") if e["action"] == "decision.comment"]
        assert (comment["target_type"], comment["target_id"]) == ("audit_entry", decision["id"])
        assert comment["reason"] == "Too harsh?"
        assert comment["actor_id"] == scene.users["advisor"].id
        assert "Too harsh?" in (await page(scene, "organizer")).text
        async with visitor(scene.factory.app, scene.users["moderator"]) as browser:
            audit = await browser.get(f"/d/{scene.slug}/moderation/audit")
        assert "commented on a moderation decision" in audit.text

    async def test_refusals(self, scene: Scene) -> None:
        thread = await scene.thread("participant")
        await scene.moderate(thread["post"]["id"], "hide", reason="r", clause="1")
        [decision] = [e for e in await log(scene) if e["action"] == "post.hide"]
        path = f"/decisions/{decision['id']}/comments"
        for who in ("organizer", "moderator", "participant"):
            assert (await form(scene, who, path, {"comment": "x"})).status_code == 403, who
        empty = await form(scene, "advisor", path, {"comment": "  "})
        assert empty.status_code == 422 and f'id="comment-{decision["id"]}-error"' in empty.text
        concern = await scene.client.post(
            f"{API}/dialogues/{scene.slug}/concerns",
            json={"body": "c"},
            headers=scene.headers["participant"],
        )
        [raised] = [e for e in await log(scene) if e["action"] == "concern.raise"]
        assert raised["target_id"] == concern.json()["id"]
        for entry_id in (raised["id"], 2**31 - 1):
            missing = await form(
                scene, "advisor", f"/decisions/{entry_id}/comments", {"comment": "x"}
            )
            assert missing.status_code == 404
        other = await scene.factory.dialogue(owner=scene.users["organizer"])
        await scene.factory.member(other, "advisor")  # not this scene's advisor
        async with visitor(scene.factory.app, scene.users["advisor"]) as browser:
            foreign = await submit(
                browser,
                f"/d/{scene.slug}/advisory",
                f"/d/{other.slug}/advisory/decisions/{decision['id']}/comments",
                {"comment": "x"},
            )
        assert foreign.status_code == 404  # an invite dialogue the advisor is not in
        assert not [e for e in await log(scene) if e["action"] == "decision.comment"]


class TestQuestions:
    async def test_a_question_is_logged_and_each_organizer_notified(self, scene: Scene) -> None:
        await scene.add("organizer2", "organizer")
        sent = await form(scene, "advisor", "/questions", {"question": "Why was thread 3 locked?"})
        assert sent.status_code == 303
        [entry] = [e for e in await log(scene, "advisor") if e["action"] == "advisory.question"]
        assert entry["reason"] == "Why was thread 3 locked?"
        assert sent.headers["location"] == f"/d/{scene.slug}/advisory#question-{entry['id']}"
        for who in ("organizer", "organizer2"):
            notices = await scene.client.get(f"{API}/me/notices", headers=scene.headers[who])
            [notice] = notices.json()["items"]
            assert (notice["kind"], notice["reason"], notice["appealable"]) == (
                "question",
                "Why was thread 3 locked?",
                False,
            )
        for who in ("moderator", "participant"):
            notices = await scene.client.get(f"{API}/me/notices", headers=scene.headers[who])
            assert notices.json()["items"] == [], who
        assert "Why was thread 3 locked?" in (await page(scene, "organizer")).text
        async with visitor(scene.factory.app, scene.users["organizer"]) as browser:
            told = await browser.get("/notifications")
        assert "An advisor asked the organizers a question." in told.text
        assert f"/d/{scene.slug}/advisory#questions" in told.text and "/appeal" not in told.text

    async def test_only_advisors_ask(self, scene: Scene) -> None:
        for who in ("organizer", "moderator", "participant"):
            assert (await form(scene, who, "/questions", {"question": "?"})).status_code == 403
        empty = await form(scene, "advisor", "/questions", {"question": ""})
        assert empty.status_code == 422 and 'id="question-error"' in empty.text
        assert not [e for e in await log(scene) if e["action"] == "advisory.question"]
