"""Keyset pagination: posts by `after_id`, threads by a `before` cursor of (activity, id)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from httpx import AsyncClient

from tests.dialogues.cast import API, Cast, make_cast, new_post, new_thread
from tests.factories import Factory
from tests.helpers import assert_error


async def all_pages(
    client: AsyncClient, cast: Cast, url: str, cursor: str, limit: int
) -> list[list[dict[str, Any]]]:
    """Follow `next` until it runs out; each page as the API gave it."""
    pages: list[list[dict[str, Any]]] = []
    params: dict[str, Any] = {"limit": limit}
    while True:
        response = await client.get(url, params=params, headers=cast.h("participant"))
        assert response.status_code == 200, response.text
        pages.append(response.json()["items"])
        assert len(pages[-1]) <= limit
        following = response.json()["next"]
        if following is None:
            return pages
        params = {"limit": limit, cursor: following}
        assert len(pages) < 20, "pagination does not end"


class TestPostPages:
    async def test_pages_follow_each_other_in_order(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("participant",))
        thread = await new_thread(client, cast, "participant")
        for n in range(6):
            await new_post(client, cast, "participant2" if n % 2 else "participant", thread["id"])
        url = f"{API}/threads/{thread['id']}/posts"
        pages = await all_pages(client, cast, url, "after_id", 3)
        ids = [p["id"] for page in pages for p in page]
        assert len(ids) == 7 and ids == sorted(ids) and len(set(ids)) == 7
        assert [len(page) for page in pages][:2] == [3, 3]
        tail = await client.get(url, params={"after_id": ids[4]}, headers=cast.h("participant"))
        assert [p["id"] for p in tail.json()["items"]] == ids[5:]
        assert tail.json()["next"] is None

    async def test_limits_and_cursors_out_of_range_are_422(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("participant",))
        thread = await new_thread(client, cast, "participant")
        url = f"{API}/threads/{thread['id']}/posts"
        ok = await client.get(url, params={"limit": 200}, headers=cast.h("participant"))
        assert ok.status_code == 200
        for params in (
            {"limit": 201},
            {"limit": 0},
            {"limit": "many"},
            {"after_id": -1},
            {"after_id": "x"},
            {"after_id": 2**63},
        ):
            response = await client.get(url, params=params, headers=cast.h("participant"))
            assert_error(response, 422, "invalid")


class TestThreadPages:
    async def test_newest_activity_first_across_pages(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("participant",))
        made = [await new_thread(client, cast, "participant", title=f"T{n}") for n in range(5)]
        # A reply brings the oldest thread back to the top.
        await new_post(client, cast, "participant2", made[0]["id"])
        url = f"{API}/themes/{cast.theme.id}/threads"
        pages = await all_pages(client, cast, url, "before", 2)
        titles = [t["title"] for page in pages for t in page]
        assert titles == ["T0", "T4", "T3", "T2", "T1"]

    async def test_bad_cursors_are_422(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("participant",))
        await new_thread(client, cast, "participant")
        url = f"{API}/themes/{cast.theme.id}/threads"
        for before in (
            "garbage",
            "|3",
            "2026-01-01T00:00:00+00:00|x",
            "2026-01-01T00:00:00+00:00|",
            "2026-01-01T00:00:00+00:00|99999999999999999999",
            "2026-13-45T00:00:00+00:00|3",
            "x" * 81,
        ):
            response = await client.get(
                url, params={"before": before}, headers=cast.h("participant")
            )
            assert_error(response, 422, "invalid")
        for params in ({"limit": 0}, {"limit": 101}):
            response = await client.get(url, params=params, headers=cast.h("participant"))
            assert_error(response, 422, "invalid")

    async def test_a_cursor_without_zone_reads_as_utc(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("participant",))
        await new_thread(client, cast, "participant")
        url = f"{API}/themes/{cast.theme.id}/threads"
        for before, count in (("2999-01-01T00:00:00|1000", 1), ("2000-01-01T00:00:00|1", 0)):
            response = await client.get(
                url, params={"before": before}, headers=cast.h("participant")
            )
            assert response.status_code == 200, response.text
            assert len(response.json()["items"]) == count


class TestExactlyFullPages:
    async def test_a_last_page_exactly_full_has_no_next(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("participant",))
        thread = await new_thread(client, cast, "participant")
        for _ in range(5):
            await new_post(client, cast, "participant", thread["id"])
        for _ in range(3):
            await new_thread(client, cast, "participant")
        posts = await all_pages(client, cast, f"{API}/threads/{thread['id']}/posts", "after_id", 3)
        threads = await all_pages(
            client, cast, f"{API}/themes/{cast.theme.id}/threads", "before", 2
        )
        # Six posts in pages of three and four threads in pages of two: no empty page after.
        assert [len(page) for page in posts] == [3, 3]
        assert [len(page) for page in threads] == [2, 2]
