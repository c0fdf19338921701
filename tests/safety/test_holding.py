"""Disclosure holding over the API: a post the detector flags waits, in either moderation
mode, with its reasons for its author and moderators only, until a moderator releases it."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient

from tests.dialogues.cast import API, STAFF, Cast, events_of, make_cast, new_post, new_thread
from tests.factories import Factory
from tests.helpers import assert_error
from tests.threads.test_premoderation import sees_post

OTHERS = ("participant2", "advisor", "expert", "observer")
PHONE = "Call her on +44 20 7946 0958, she is waiting."


async def held_cast(factory: Factory, **fields: Any) -> Cast:
    return await make_cast(
        factory,
        moderation="post",
        allow_anonymous=True,
        watch_list="Carlos Mendes",
        hold_phrases="Vila Nova school",
        support_text="Helpline: **0800 123 456**",
        **fields,
    )


async def opened(client: AsyncClient, cast: Cast) -> dict[str, Any]:
    return await new_thread(client, cast, "moderator", body="What keeps you safe at work?")


class TestHeldInEitherMode:
    @pytest.mark.parametrize("mode", ["post", "pre"])
    async def test_a_phone_number_waits_with_its_reason(
        self, client: AsyncClient, factory: Factory, mode: str
    ) -> None:
        cast = await held_cast(factory)
        await client.patch(
            f"{API}/dialogues/{cast.slug}",
            json={"moderation": mode, "reason": "testing"},
            headers=cast.h("organizer"),
        )
        thread = await opened(client, cast)
        post = await new_post(client, cast, "participant", thread["id"], body=PHONE)
        assert post["status"] == "pending"
        assert post["hold_reasons"] == [{"rule": "phone", "start": 12, "end": 28}]
        for who in ("participant", *STAFF):
            assert await sees_post(client, cast, who, post["id"], thread["id"], "waiting"), who
        for who in OTHERS:
            assert not await sees_post(client, cast, who, post["id"], thread["id"], "waiting")
        mine = await client.get(f"{API}/posts/{post['id']}", headers=cast.h("participant"))
        assert mine.json()["hold_reasons"][0]["rule"] == "phone"

    async def test_ordinary_talk_is_published_at_once(
        self, client: AsyncClient, factory: Factory
    ) -> None:
        cast = await held_cast(factory)
        thread = await opened(client, cast)
        post = await new_post(
            client, cast, "participant", thread["id"], body="Women in rural Peru travel far."
        )
        assert post["status"] == "published"
        assert post["hold_reasons"] == []  # the author's view: nothing held it

    async def test_a_thread_opened_with_an_address_waits_with_it(
        self, client: AsyncClient, factory: Factory
    ) -> None:
        cast = await held_cast(factory)
        made = await new_thread(client, cast, "participant", body="She lives at 14 Elm Road.")
        assert (made["status"], made["post"]["status"]) == ("pending", "pending")
        listed = await client.get(
            f"{API}/themes/{cast.theme.id}/threads", headers=cast.h("participant2")
        )
        assert listed.json()["items"] == []

    async def test_staff_are_held_too(self, client: AsyncClient, factory: Factory) -> None:
        cast = await held_cast(factory)
        thread = await opened(client, cast)
        post = await new_post(client, cast, "moderator", thread["id"], body="ask carlos mendes")
        assert post["status"] == "pending"
        assert post["hold_reasons"][0]["rule"] == "watch_list"


class TestTheDialoguesOwnRules:
    async def test_watch_list_phrases_and_members_with_an_age(
        self, client: AsyncClient, factory: Factory
    ) -> None:
        cast = await held_cast(factory)
        thread = await opened(client, cast)
        member = cast.users["participant2"].display_name
        cases = {
            "Everyone knows what Carlos Mendes did.": "watch_list",
            "It happened at the vila nova school.": "phrase",
            f"{member} is only 15 years old.": "member_detail",
        }
        for body, rule in cases.items():
            post = await new_post(client, cast, "participant", thread["id"], body=body)
            assert post["status"] == "pending", body
            assert [r["rule"] for r in post["hold_reasons"]] == [rule], body
        said = await new_post(client, cast, "participant", thread["id"], body=f"I agree, {member}.")
        assert said["status"] == "published"

    async def test_only_organizers_read_the_lists(
        self, client: AsyncClient, factory: Factory
    ) -> None:
        cast = await held_cast(factory)
        for who, sees in (("organizer", True), ("admin", True), ("moderator", False)):
            got = (await client.get(f"{API}/dialogues/{cast.slug}", headers=cast.h(who))).json()
            assert (got["watch_list"] == "Carlos Mendes") is sees, who
            assert got["support_text"] == "Helpline: **0800 123 456**"
        for who in ("moderator", "participant"):
            refused = await client.patch(
                f"{API}/dialogues/{cast.slug}", json={"watch_list": "x y z"}, headers=cast.h(who)
            )
            assert refused.status_code == 403, who

    async def test_the_audit_log_counts_the_lists_and_names_nobody(
        self, client: AsyncClient, factory: Factory
    ) -> None:
        cast = await held_cast(factory)
        changed = await client.patch(
            f"{API}/dialogues/{cast.slug}",
            json={"watch_list": "Carlos Mendes\nJoana Reis"},
            headers=cast.h("organizer"),
        )
        assert changed.status_code == 200, changed.text
        log = await client.get(f"{API}/dialogues/{cast.slug}/audit-log", headers=cast.h("advisor"))
        assert "Joana" not in log.text and "Carlos" not in log.text
        entry = next(e for e in log.json()["items"] if e["action"] == "dialogue.update")
        assert (entry["before"], entry["after"]) == ({"watch_list": 1}, {"watch_list": 2})


class TestReleasing:
    async def test_released_it_reaches_everyone_without_its_reasons(
        self, client: AsyncClient, factory: Factory
    ) -> None:
        cast = await held_cast(factory)
        thread = await opened(client, cast)
        post = await new_post(client, cast, "participant", thread["id"], body=PHONE)
        queue = await client.get(
            f"{API}/dialogues/{cast.slug}/moderation/queue", headers=cast.h("moderator")
        )
        (item,) = [i for i in queue.json()["items"] if i["post"]["id"] == post["id"]]
        assert item["held"] == [
            {
                "rule": "phone",
                "before": "Call her on ",
                "span": "+44 20 7946 0958",
                "after": ", she is waiting.",
            }
        ]
        released = await client.post(
            f"{API}/posts/{post['id']}/moderation",
            json={"action": "approve", "reason": ""},
            headers=cast.h("moderator"),
        )
        assert released.status_code == 200, released.text
        seen = await client.get(f"{API}/posts/{post['id']}", headers=cast.h("participant2"))
        assert seen.status_code == 200 and seen.json().get("hold_reasons") is None
        events = await events_of(client, cast, "participant2")
        statuses = [e["data"] for e in events if e["kind"] == "post.status"]
        assert [(d["id"], d["status"]) for d in statuses] == [(post["id"], "published")]
        assert "7946" in statuses[0]["body"]
        assert all(e["data"].get("hold_reasons") is None for e in events)

    async def test_ask_the_author_to_edit_keeps_it_waiting(
        self, client: AsyncClient, factory: Factory
    ) -> None:
        cast = await held_cast(factory)
        thread = await opened(client, cast)
        post = await new_post(client, cast, "participant", thread["id"], body=PHONE)
        asked = await client.post(
            f"{API}/posts/{post['id']}/moderation",
            json={"action": "request_edit", "reason": "Please leave out her number."},
            headers=cast.h("moderator"),
        )
        assert asked.status_code == 200, asked.text
        assert asked.json()["status"] == "pending"
        notices = await client.get(f"{API}/me/notices", headers=cast.h("participant"))
        (notice,) = notices.json()["items"]
        assert notice["reason"] == "Please leave out her number."
        appeal = await client.post(
            f"{API}/me/notices/{notice['id']}/appeal",
            json={"note": "no"},
            headers=cast.h("participant"),
        )
        assert_error(appeal, 409, "not_appealable")
        edited = await client.patch(
            f"{API}/posts/{post['id']}",
            json={"body": "Call her, she is waiting."},
            headers=cast.h("participant"),
        )
        assert edited.json()["status"] == "pending"  # an edit never publishes it
        assert edited.json()["hold_reasons"] == []  # what it says now holds nothing

    async def test_asking_for_an_edit_needs_a_reason_and_a_waiting_post(
        self, client: AsyncClient, factory: Factory
    ) -> None:
        cast = await held_cast(factory)
        thread = await opened(client, cast)
        url = f"{API}/posts/{thread['post']['id']}/moderation"
        bare = await client.post(url, json={"action": "request_edit"}, headers=cast.h("moderator"))
        assert_error(bare, 422, "reason_required")
        published = await client.post(
            url, json={"action": "request_edit", "reason": "x"}, headers=cast.h("moderator")
        )
        assert_error(published, 409, "already_handled")


class TestNotOnOtherPaths:
    async def test_held_posts_stay_out_of_other_readers_pages(
        self, client: AsyncClient, factory: Factory
    ) -> None:
        cast = await held_cast(factory)
        thread = await opened(client, cast)
        await new_post(client, cast, "participant", thread["id"], body=PHONE)
        mine = await client.get(
            f"/d/{cast.slug}/threads/{thread['id']}", headers=cast.h("participant")
        )
        assert "Your post is waiting for a moderator." in mine.text
        assert "<strong>0800 123 456</strong>" in mine.text  # the support text, as Markdown
        page = await client.get(f"/d/{cast.slug}/threads/{thread['id']}", headers=cast.h("expert"))
        assert page.status_code == 200 and "7946" not in page.text


class TestEditedIn:
    async def test_an_edit_that_adds_an_address_goes_back_to_the_queue(
        self, client: AsyncClient, factory: Factory
    ) -> None:
        cast = await held_cast(factory)
        thread = await opened(client, cast)
        post = await new_post(client, cast, "participant", thread["id"], body="She is safe now.")
        assert post["status"] == "published"
        before = len(await events_of(client, cast, "participant2"))
        edited = await client.patch(
            f"{API}/posts/{post['id']}",
            json={"body": "She is safe now, at 14 Elm Road."},
            headers=cast.h("participant"),
        )
        assert edited.status_code == 200, edited.text
        assert edited.json()["status"] == "pending"
        assert [r["rule"] for r in edited.json()["hold_reasons"]] == ["address"]
        gone = await client.get(f"{API}/posts/{post['id']}", headers=cast.h("participant2"))
        assert gone.status_code == 404
        events = await events_of(client, cast, "participant2")
        assert "Elm Road" not in str(events) and "She is safe now" not in str(events)
        assert [(e["kind"], e["data"]["status"]) for e in events[before:]] == [
            ("post.status", "pending")
        ]
        assert 'class="post placeholder"' in events[-1]["data"]["html"]  # live: only its place
        log = await client.get(f"{API}/dialogues/{cast.slug}/audit-log", headers=cast.h("advisor"))
        held = [e for e in log.json()["items"] if e["action"] == "post.hold"]
        assert held and held[0].get("actor_id") is None
