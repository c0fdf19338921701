"""Filtering by code: theme lists and search, JSON and pages, for every role.

Codes are for those who may read the codebook (organizers, moderators, advisors); everyone
else is refused the filter. A filter never brings back a post its caller may not see.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.factories import Factory
from tests.helpers import assert_error
from tests.moderation.scene import Scene, build_scene
from tests.web.clients import visitor
from tests.web.html import main, section, text

CODE_READERS = ("organizer", "moderator", "admin", "advisor")
REFUSED = ("expert", "participant", "observer")


@dataclass
class Coded:
    """Three threads: one with a coded post, one with another code, one whose coded post is
    hidden; and one code from another dialogue."""

    scene: Scene
    codes: dict[str, int]
    threads: dict[str, int]
    posts: dict[str, int]

    def api(self, path: str, who: str, **params: Any) -> Any:
        return self.scene.client.get(
            f"/api/v1{path}", params=params, headers=self.scene.headers.get(who, {})
        )

    async def theme_threads(self, who: str, **params: Any) -> set[int]:
        response = await self.api(f"/themes/{self.scene.theme.id}/threads", who, **params)
        assert response.status_code == 200, (who, response.text)
        return {t["id"] for t in response.json()["items"]}

    async def search(self, who: str, **params: Any) -> set[int]:
        response = await self.api(f"/dialogues/{self.scene.slug}/search", who, **params)
        assert response.status_code == 200, (who, response.text)
        return {hit["post_id"] for hit in response.json()["items"]}


async def new_code(scene: Scene, name: str, slug: str | None = None) -> int:
    response = await scene.client.post(
        f"/api/v1/dialogues/{slug or scene.slug}/codes",
        json={"name": name, "description": "", "colour": "#336699"},
        headers=scene.headers["admin"],
    )
    assert response.status_code == 201, response.text
    code_id: int = response.json()["id"]
    return code_id


async def apply(scene: Scene, post_id: int, *code_ids: int) -> None:
    response = await scene.client.put(
        f"/api/v1/posts/{post_id}/codes",
        json={"codes": list(code_ids)},
        headers=scene.headers["moderator"],
    )
    assert response.status_code == 200, response.text


@pytest.fixture
async def coded(db_kind: str, factory: Factory, client: httpx.AsyncClient) -> Coded:
    scene = await build_scene(factory, client, moderation="post")
    codes = {
        "voice": await new_code(scene, "Survivor voice"),
        "funding": await new_code(scene, "Funding"),
    }
    other = await factory.dialogue()
    codes["elsewhere"] = await new_code(scene, "Elsewhere", slug=other.slug)
    plain = await scene.thread(body="Quietly plain opening.")
    funded = await scene.thread(body="Budgets for shelters.")
    masked = await scene.thread("participant2", body="Opening without codes.")
    voice = await scene.post(plain["id"], body="Testimony heard in the clinic.")
    hidden = await scene.post(masked["id"], "participant2", body="Testimony naming someone.")
    await apply(scene, voice["id"], codes["voice"])
    await apply(scene, funded["post"]["id"], codes["funding"])
    await apply(scene, hidden["id"], codes["voice"])
    assert (
        await scene.moderate(hidden["id"], "hide", reason="Names a survivor.")
    ).status_code == 200
    return Coded(
        scene=scene,
        codes=codes,
        threads={"plain": plain["id"], "funded": funded["id"], "masked": masked["id"]},
        posts={"voice": voice["id"], "funded": funded["post"]["id"], "hidden": hidden["id"]},
    )


class TestThemeListApi:
    async def test_staff_see_every_coded_thread_advisors_only_published_posts_paged(
        self, coded: Coded
    ) -> None:
        t = coded.threads
        for who in ("organizer", "moderator", "admin"):
            assert await coded.theme_threads(who, code=coded.codes["voice"]) == {
                t["plain"],
                t["masked"],
            }
        # The advisor may read codes but not hidden posts: the hidden one's thread stays out.
        assert await coded.theme_threads("advisor", code=coded.codes["voice"]) == {t["plain"]}
        assert await coded.theme_threads("advisor", code=coded.codes["funding"]) == {t["funded"]}
        assert len(await coded.theme_threads("advisor")) == 3  # no code: no filter
        # Pages of a filtered list follow each other.
        code, path = coded.codes["voice"], f"/themes/{coded.scene.theme.id}/threads"
        first = (await coded.api(path, "moderator", code=code, limit=1)).json()
        second = (
            await coded.api(path, "moderator", code=code, limit=1, before=first["next"])
        ).json()
        assert [len(first["items"]), len(second["items"]), second["next"]] == [1, 1, None]
        ids = {first["items"][0]["id"], second["items"][0]["id"]}
        assert ids == {coded.threads["plain"], coded.threads["masked"]}

    async def test_refusals_and_bad_values(self, coded: Coded) -> None:
        path = f"/themes/{coded.scene.theme.id}/threads"
        for who in REFUSED:
            response = await coded.api(path, who, code=coded.codes["voice"])
            assert_error(response, 403, "forbidden")
        for who in ("outsider", "anonymous"):
            response = await coded.api(path, who, code=coded.codes["voice"])
            assert_error(response, 404, "not_found")
        response = await coded.api(path, "moderator", code=coded.codes["elsewhere"])
        assert_error(response, 422, "unknown_code")
        for bad in ("x", 0, -3, 2**31, 10**30):
            assert_error(await coded.api(path, "moderator", code=bad), 422, "invalid")


class TestSearchApi:
    async def test_words_narrowed_to_a_code_never_show_hidden_posts_to_advisors(
        self, coded: Coded
    ) -> None:
        p, voice = coded.posts, coded.codes["voice"]
        assert await coded.search("moderator", q="testimony") == {p["voice"], p["hidden"]}
        assert await coded.search("moderator", q="testimony", code=voice) == {
            p["voice"],
            p["hidden"],
        }
        assert await coded.search("advisor", q="testimony", code=voice) == {p["voice"]}
        assert await coded.search("advisor", q="shelters", code=voice) == set()
        assert await coded.search("advisor", q="shelters", code=coded.codes["funding"]) == {
            p["funded"]
        }
        # A code without words lists its posts.
        assert await coded.search("organizer", code=coded.codes["voice"]) == {
            p["voice"],
            p["hidden"],
        }
        assert await coded.search("advisor", code=coded.codes["voice"]) == {p["voice"]}
        response = await coded.api(
            f"/dialogues/{coded.scene.slug}/search", "advisor", code=coded.codes["voice"]
        )
        [hit] = response.json()["items"]
        assert hit["snippet_html"] == "Testimony heard in the clinic."

    async def test_refusals_and_bad_input(self, coded: Coded) -> None:
        path = f"/dialogues/{coded.scene.slug}/search"
        for who in REFUSED:
            response = await coded.api(path, who, q="testimony", code=coded.codes["voice"])
            assert_error(response, 403, "forbidden")
        response = await coded.api(path, "outsider", q="testimony", code=coded.codes["voice"])
        assert_error(response, 404, "not_found")
        assert_error(await coded.api(path, "moderator"), 422, "invalid")  # neither q nor code
        response = await coded.api(path, "moderator", code=coded.codes["elsewhere"])
        assert_error(response, 422, "unknown_code")
        assert await coded.search("participant", q="testimony") == {coded.posts["voice"]}


class TestPages:
    async def page(self, coded: Coded, who: str, path: str, **params: Any) -> httpx.Response:
        user = coded.scene.users.get(who)
        async with visitor(coded.scene.factory.app, user) as browser:
            return await browser.get(f"/d/{coded.scene.slug}{path}", params=params)

    async def test_theme_page_offers_the_codes_to_code_readers_only(self, coded: Coded) -> None:
        path = f"/themes/{coded.scene.theme.id}"
        for who in CODE_READERS:
            page = await self.page(coded, who, path)
            assert '<select id="code-filter" name="code">' in page.text, who
            assert ">Survivor voice</option>" in page.text
            assert "Elsewhere" not in page.text
        for who in REFUSED:
            page = await self.page(coded, who, path)
            assert page.status_code == 200
            assert "code-filter" not in page.text and "Survivor voice" not in page.text
            page = await self.page(coded, who, path, code=coded.codes["voice"])
            assert page.status_code == 403, who
            assert "Testimony" not in page.text
        page = await self.page(coded, "outsider", path, code=coded.codes["voice"])
        assert page.status_code == 404
        page = await self.page(coded, "moderator", path, code=coded.codes["elsewhere"])
        assert page.status_code == 422

    async def test_theme_page_filtered_for_an_advisor(self, coded: Coded) -> None:
        voice = coded.codes["voice"]
        page = await self.page(coded, "advisor", f"/themes/{coded.scene.theme.id}", code=voice)
        listed = section(page.text, "threads-heading")
        assert f'id="thread-{coded.threads["plain"]}"' in listed
        assert f'id="thread-{coded.threads["masked"]}"' not in listed
        assert f'id="thread-{coded.threads["funded"]}"' not in listed
        assert f'<option value="{voice}" selected>' in listed
        everything = await self.page(coded, "advisor", f"/themes/{coded.scene.theme.id}", code="")
        assert everything.status_code == 200  # "any code" sends an empty value
        assert f'id="thread-{coded.threads["funded"]}"' in everything.text

    async def test_thread_page_shows_a_posts_codes_to_code_readers_only(self, coded: Coded) -> None:
        path = f"/threads/{coded.threads['plain']}"
        voice = coded.codes["voice"]
        link = f'href="/d/{coded.scene.slug}/themes/{coded.scene.theme.id}?code={voice}"'
        for who in CODE_READERS:
            page = await self.page(coded, who, path)
            start = page.text.index(f'id="post-{coded.posts["voice"]}"')
            post = page.text[start : page.text.index("</article>", start)]
            assert 'class="post-codes"' in post and link in post, who
            assert ">Survivor voice</a>" in post
            assert page.text.count('class="post-codes"') == 1  # the opening post has none
        for who in REFUSED:
            page = await self.page(coded, who, path)
            assert page.status_code == 200
            assert "Survivor voice" not in page.text and "post-codes" not in page.text, who

    async def test_search_page_by_code_for_code_readers_only(self, coded: Coded) -> None:
        voice = coded.codes["voice"]
        page = await self.page(coded, "advisor", "/search", code=voice)
        results = section(page.text, "results-heading")
        assert "1 result" in text(results)
        assert f"#post-{coded.posts['voice']}" in results
        assert f"#post-{coded.posts['hidden']}" not in results
        page = await self.page(coded, "moderator", "/search", q="testimony", code=voice)
        assert "2 results" in text(section(page.text, "results-heading"))
        assert f'<option value="{voice}" selected>' in main(page.text)
        for who in REFUSED:
            page = await self.page(coded, who, "/search", q="testimony")
            assert page.status_code == 200 and "code-filter" not in page.text
            refused = await self.page(
                coded, who, "/search", q="testimony", code=coded.codes["voice"]
            )
            assert refused.status_code == 403
