"""Search: highlighted, escaped snippets of the posts a caller may see; no query breaks it."""

from __future__ import annotations

from fastapi import FastAPI
from httpx import AsyncClient

from tests.dialogues.cast import API, MEMBER_ROLES, Cast, make_cast, new_post, new_thread
from tests.factories import Factory
from tests.helpers import assert_error


async def search(client: AsyncClient, cast: Cast, who: str, q: str) -> list[dict[str, object]]:
    response = await client.get(
        f"{API}/dialogues/{cast.slug}/search", params={"q": q}, headers=cast.h(who)
    )
    assert response.status_code == 200, (q, response.status_code, response.text)
    items: list[dict[str, object]] = response.json()["items"]
    return items


class TestFindsWords:
    async def test_matches_are_highlighted_for_every_member(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory)
        thread = await new_thread(
            client,
            cast,
            "participant",
            title="Circles",
            body="Community accountability circles work when women lead them.",
        )
        await new_post(client, cast, "expert", thread["id"], body="Funding cycles are too short.")
        for who in (*MEMBER_ROLES, "admin"):
            hits = await search(client, cast, who, "accountability")
            assert [h["post_id"] for h in hits] == [thread["post"]["id"]], who
            assert hits[0]["thread_title"] == "Circles"
            assert "<mark>accountability</mark>" in str(hits[0]["snippet_html"])
        prefix = await search(client, cast, "participant", "accountab")
        assert len(prefix) == 1
        both = await search(client, cast, "participant", "funding short")
        assert len(both) == 1 and str(both[0]["snippet_html"]).count("<mark>") == 2
        assert await search(client, cast, "participant", "nowhere") == []
        assert_error(
            await client.get(
                f"{API}/dialogues/{cast.slug}/search",
                params={"q": "work"},
                headers=cast.h("outsider"),
            ),
            404,
            "not_found",
        )

    async def test_snippets_escape_the_authors_markup(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("participant",))
        await new_thread(
            client,
            cast,
            "participant",
            body='A claim in <b>bold</b>: <script>alert("x")</script> & <img src=x onerror=y>.',
        )
        hits = await search(client, cast, "participant", "claim")
        snippet = str(hits[0]["snippet_html"])
        assert "&lt;b&gt;" in snippet
        assert "<b>" not in snippet and "<script" not in snippet and "<img" not in snippet
        assert snippet.replace("<mark>", "").replace("</mark>", "").count("<") == 0


class TestWeirdQueries:
    async def test_no_query_is_a_server_error(
        self, client: AsyncClient, app: FastAPI, factory: Factory
    ) -> None:
        cast = await make_cast(factory, roles=("participant",))
        await new_thread(client, cast, "participant", body="Accountability AND trust, or NOT.")
        queries = [
            '"',
            '""',
            "*",
            "**",
            "AND OR NOT",
            "NOT",
            ")(",
            "(",
            "a:b",
            "title:x",
            "^",
            "-",
            "+",
            "NEAR(a b)",
            "'; DROP TABLE post; --",
            "\\",
            "%",
            "_",
            "😀",
            "🙂 trust 🙂",
            "ñandú",
            "a" * 200,
            " ".join(["trust"] * 60)[:200],
            "x & y | !z <-> w",
            "trust:*",
            "1 2 3",
        ]
        for q in queries:
            await search(client, cast, "participant", q)
        hits = await search(client, cast, "participant", "AND OR NOT")
        assert len(hits) == 1
        for q in ("", "a" * 201):
            response = await client.get(
                f"{API}/dialogues/{cast.slug}/search",
                params={"q": q},
                headers=cast.h("participant"),
            )
            assert_error(response, 422, "invalid")
