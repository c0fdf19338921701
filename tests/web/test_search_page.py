"""The search page: highlighted snippets that lead to the post, and only what the reader may see."""

from __future__ import annotations

from fastapi import FastAPI

from dialogue.threads.models import PostStatus
from tests.factories import Factory
from tests.web import scenes
from tests.web.clients import visitor
from tests.web.html import main, section, text


def search(s: scenes.Scene) -> str:
    return f"/d/{s.dialogue.slug}/search"


class TestResults:
    async def test_snippets_are_highlighted_and_link_to_the_post(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        thread, first = await scenes.start_thread(
            app, s.dialogue, s.theme, s.alice, title="Partnerships",
            body="Accountability to women's rights organisations comes first.",
        )  # fmt: skip
        async with visitor(app) as browser:
            page = await browser.get(search(s), params={"q": "accountability"})
        assert page.status_code == 200
        results = section(page.text, "results-heading")
        assert "1 result" in text(results)
        assert "<mark>Accountability</mark>" in results
        href = f"/d/{s.dialogue.slug}/threads/{thread.id}?after_id={(first.id or 0) - 1}"
        assert f'href="{href}#post-{first.id}"' in results
        assert ">Partnerships</a>" in results
        async with visitor(app) as browser:
            target = await browser.get(href)
        assert f'id="post-{first.id}"' in target.text

    async def test_user_text_in_snippets_is_escaped(self, app: FastAPI, factory: Factory) -> None:
        s = await scenes.scene(factory)
        await scenes.start_thread(
            app, s.dialogue, s.theme, s.alice, body="<b>bold</b> accountability <script>x</script>"
        )
        async with visitor(app) as browser:
            page = await browser.get(search(s), params={"q": "accountability"})
        results = section(page.text, "results-heading")
        assert "<script>" not in results and "<b>" not in results
        assert "&lt;script&gt;" in results

    async def test_nothing_the_reader_may_not_see(self, app: FastAPI, factory: Factory) -> None:
        s = await scenes.scene(factory)
        thread, _first = await scenes.start_thread(app, s.dialogue, s.theme, s.alice)
        hidden = await scenes.reply(app, s.dialogue, s.theme, thread, s.bob, body="zebra secret")
        await scenes.set_status(app, hidden, PostStatus.PENDING)
        async with visitor(app, s.alice) as browser:
            other = await browser.get(search(s), params={"q": "zebra"})
        async with visitor(app, s.bob) as browser:
            own = await browser.get(search(s), params={"q": "zebra"})
        assert "0 results" in text(section(other.text, "results-heading"))
        assert "No post you can see matches this search." in text(other.text)
        assert "<mark>zebra</mark>" in own.text

    async def test_invite_dialogue_search_is_404_for_outsiders(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory, visibility="invite")
        await scenes.start_thread(app, s.dialogue, s.theme, s.alice, body="zebra")
        async with visitor(app, await factory.user()) as browser:
            page = await browser.get(search(s), params={"q": "zebra"})
        assert page.status_code == 404 and "zebra" not in page.text


class TestQuery:
    async def test_without_a_query_only_the_form(self, app: FastAPI, factory: Factory) -> None:
        s = await scenes.scene(factory)
        async with visitor(app) as browser:
            page = await browser.get(search(s))
        assert page.status_code == 200
        assert '<form role="search"' in page.text and '<label for="q">' in page.text
        assert "results-heading" not in page.text

    async def test_punctuation_only_asks_for_a_word(self, app: FastAPI, factory: Factory) -> None:
        s = await scenes.scene(factory)
        async with visitor(app) as browser:
            page = await browser.get(search(s), params={"q": '"*" - ()'})
        assert page.status_code == 200
        assert "Type at least one word to search for." in text(main(page.text))

    async def test_too_long_query_is_422_with_the_form(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s = await scenes.scene(factory)
        async with visitor(app) as browser:
            page = await browser.get(search(s), params={"q": "a" * 201})
        assert page.status_code == 422
        assert "A search can have at most 200 characters." in text(page.text)
        assert 'aria-invalid="true"' in page.text
