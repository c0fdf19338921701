"""Themes: who creates and edits them, their times in UTC, facilitators, the posting window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from httpx import AsyncClient

from dialogue.db import utcnow
from dialogue.dialogues.models import Theme, ThemeFacilitator
from dialogue.threads.models import Post, Thread
from tests.dialogues.cast import API, MEMBER_ROLES, db, make_cast, new_post, new_thread, rows
from tests.factories import Factory
from tests.helpers import assert_error

THEME = {
    "title": "Accountability in programmes",
    "guiding_questions": "1. Who do we answer to?",
    "opens_at": "2026-03-02T09:00:00+05:30",
    "closes_at": "2026-03-09T09:00:00-04:00",
}


async def stored_theme(app: FastAPI, theme_id: int) -> Theme:
    async with db(app).session() as session:
        theme = await session.get(Theme, theme_id)
        assert theme is not None
        return theme


class TestCreateTheme:
    async def test_organizer_and_admin_create_others_are_refused(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory)
        url = f"{API}/dialogues/{cast.slug}/themes"
        for who in ("organizer", "admin"):
            response = await client.post(url, json=THEME, headers=cast.h(who))
            assert response.status_code == 201, (who, response.text)
        for who in [r for r in MEMBER_ROLES if r != "organizer"]:
            assert_error(await client.post(url, json=THEME, headers=cast.h(who)), 403, "forbidden")
        for who in ("outsider", "anonymous"):
            assert_error(await client.post(url, json=THEME, headers=cast.h(who)), 404, "not_found")
        assert await rows(app, Theme) == 3  # the cast's own theme and the two allowed

    async def test_times_with_an_offset_are_stored_in_utc(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("organizer",))
        response = await client.post(
            f"{API}/dialogues/{cast.slug}/themes", json=THEME, headers=cast.h("organizer")
        )
        assert response.status_code == 201, response.text
        out = response.json()
        assert datetime.fromisoformat(out["opens_at"]) == datetime(2026, 3, 2, 3, 30, tzinfo=UTC)
        assert datetime.fromisoformat(out["opens_at"]).utcoffset() == timedelta(0)
        stored = await stored_theme(app, out["id"])
        assert stored.opens_at == datetime(2026, 3, 2, 3, 30, tzinfo=UTC)
        assert stored.closes_at == datetime(2026, 3, 9, 13, 0, tzinfo=UTC)
        assert stored.opens_at.utcoffset() == timedelta(0)

    async def test_a_time_without_zone_is_taken_as_utc(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("organizer",))
        body = {**THEME, "opens_at": "2026-03-02T09:00:00", "closes_at": "2026-03-09T09:00:00"}
        response = await client.post(
            f"{API}/dialogues/{cast.slug}/themes", json=body, headers=cast.h("organizer")
        )
        assert response.status_code == 201, response.text
        stored = await stored_theme(app, response.json()["id"])
        assert stored.opens_at == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    async def test_bad_times_are_422_and_store_nothing(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("organizer",))
        bad = [
            {**THEME, "closes_at": "2026-03-01T00:00:00Z"},  # closes before it opens
            {**THEME, "closes_at": THEME["opens_at"]},  # closes as it opens
            # Naive and aware times together: compared in UTC, never a server error.
            {**THEME, "opens_at": "2026-03-09T12:00:00", "closes_at": "2026-03-09T13:00:00+02:00"},
            {**THEME, "opens_at": "0001-01-01T00:00:00+05:00"},  # before year 1 in UTC
            {**THEME, "opens_at": "not a time"},
            {**THEME, "title": ""},
            {**THEME, "title": "x" * 201},
            {**THEME, "title": "nul\x00byte"},
        ]
        for body in bad:
            response = await client.post(
                f"{API}/dialogues/{cast.slug}/themes", json=body, headers=cast.h("organizer")
            )
            assert_error(response, 422, "invalid")
        assert await rows(app, Theme) == 1


class TestPatchTheme:
    async def test_organizer_edits_moderator_writes_the_summary_others_are_refused(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory)
        url = f"{API}/themes/{cast.theme.id}"
        response = await client.patch(
            url,
            json={"title": "Renamed", "guiding_questions": "1. Why?"},
            headers=cast.h("organizer"),
        )
        assert response.status_code == 200, response.text
        assert response.json()["title"] == "Renamed"
        summary = "Participants **agreed** on three points."
        response = await client.patch(url, json={"summary": summary}, headers=cast.h("moderator"))
        assert response.status_code == 200, response.text
        assert response.json()["summary"] == summary
        assert "<strong>agreed</strong>" in response.json()["summary_html"]
        for who in ("advisor", "expert", "participant", "observer"):
            response = await client.patch(url, json={"summary": "mine"}, headers=cast.h(who))
            assert_error(response, 403, "forbidden")
        for who in ("outsider", "anonymous"):
            response = await client.patch(url, json={"summary": "mine"}, headers=cast.h(who))
            assert_error(response, 404, "not_found")
        stored = await stored_theme(app, cast.theme.id or 0)
        assert (stored.title, stored.summary) == ("Renamed", summary)

    async def test_new_times_in_utc_and_closing_before_opening_is_422(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("organizer",))
        url = f"{API}/themes/{cast.theme.id}"
        response = await client.patch(
            url, json={"closes_at": "2099-01-01T12:00:00+02:00"}, headers=cast.h("organizer")
        )
        assert response.status_code == 200, response.text
        stored = await stored_theme(app, cast.theme.id or 0)
        assert stored.closes_at == datetime(2099, 1, 1, 10, 0, tzinfo=UTC)
        response = await client.patch(
            url, json={"closes_at": "2000-01-01T00:00:00Z"}, headers=cast.h("organizer")
        )
        assert_error(response, 422, "invalid")
        assert (await stored_theme(app, cast.theme.id or 0)).closes_at == stored.closes_at


class TestFacilitators:
    async def test_facilitators_must_be_moderators_or_organizers(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory)
        url = f"{API}/themes/{cast.theme.id}"
        for who in ("participant", "advisor", "observer", "outsider"):
            response = await client.patch(
                url, json={"facilitators": [cast.uid(who)]}, headers=cast.h("organizer")
            )
            assert_error(response, 422, "invalid")
        assert await rows(app, ThemeFacilitator) == 0
        staff = [cast.uid("moderator"), cast.uid("organizer")]
        response = await client.patch(
            url, json={"facilitators": staff}, headers=cast.h("organizer")
        )
        assert response.status_code == 200, response.text
        assert sorted(response.json()["facilitators"]) == sorted(staff)
        response = await client.post(
            f"{API}/dialogues/{cast.slug}/themes",
            json={**THEME, "facilitators": [cast.uid("expert")]},
            headers=cast.h("organizer"),
        )
        assert_error(response, 422, "invalid")
        assert await rows(app, Theme) == 1
        assert await rows(app, ThemeFacilitator) == 2


class TestPostingWindow:
    async def test_closed_and_future_themes_refuse_posts_with_theme_closed(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("organizer", "participant"))
        now = utcnow()
        past = await factory.theme(
            cast.dialogue, opens_at=now - timedelta(days=9), closes_at=now - timedelta(days=2)
        )
        future = await factory.theme(cast.dialogue, open_now=False)
        for theme in (past, future):
            for who in ("participant", "organizer", "admin"):
                response = await client.post(
                    f"{API}/themes/{theme.id}/threads",
                    json={"title": "Late", "body": "Too late or too early."},
                    headers=cast.h(who),
                )
                assert_error(response, 409, "theme_closed")
        assert await rows(app, Thread) == 0

    async def test_a_theme_closed_after_a_thread_started_refuses_replies(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("organizer", "participant"))
        thread = await new_thread(client, cast, "participant")
        closes = (utcnow() - timedelta(minutes=1)).isoformat()
        response = await client.patch(
            f"{API}/themes/{cast.theme.id}", json={"closes_at": closes}, headers=cast.h("organizer")
        )
        assert response.status_code == 200, response.text
        assert response.json()["is_open"] is False
        refused = await new_post(client, cast, "participant", thread["id"], expect=409)
        assert refused["error"]["code"] == "theme_closed"
        assert await rows(app, Post) == 1
