"""Posts with no language (written before posts recorded one, or restored from an old
archive) get one: by the pass at each start, and by `dialogue detect-languages`; until
then they offer no "Translate" and the API says no translation is available."""

from __future__ import annotations

import asyncio

import pytest
from fastapi import FastAPI
from sqlmodel import col, select, update
from typer.testing import CliRunner

from dialogue import cli
from dialogue.app import create_app
from dialogue.config import Settings
from dialogue.state import app_state
from dialogue.threads import language_pass
from dialogue.threads.language_pass import LanguagePass, detect_missing_languages
from dialogue.threads.models import Post
from tests.factories import Factory
from tests.helpers import assert_error
from tests.web import scenes
from tests.web.clients import visitor

ENGLISH = "The shelters in our region are full by the middle of every month."
FRENCH = "Les refuges de notre région sont pleins dès le milieu de chaque mois."
SPANISH = "Los refugios de nuestra región están llenos a mitad de cada mes."


async def forget_languages(app: FastAPI) -> None:
    """Every post as it was before posts recorded their language."""
    async with app_state(app).database.session() as session:
        await session.exec(update(Post).values(lang=None))  # type: ignore[call-overload]
        await session.commit()


async def languages(app: FastAPI) -> dict[int, str | None]:
    async with app_state(app).database.session() as session:
        rows = await session.exec(select(Post.id, Post.lang).order_by(col(Post.id)))
        return {post_id or 0: lang for post_id, lang in rows}


async def old_posts(app: FastAPI, factory: Factory) -> tuple[scenes.Scene, list[Post]]:
    """An English, a French and a Spanish post, one too short to tell by a Portuguese
    author, and one whose author has since erased their account: none with a language."""
    s = await scenes.scene(factory)
    thread, english = await scenes.start_thread(app, s.dialogue, s.theme, s.alice, body=ENGLISH)
    posts = [english]
    for body in (FRENCH, SPANISH):
        posts.append(await scenes.reply(app, s.dialogue, s.theme, thread, s.bob, body=body))
    portuguese = await factory.member(s.dialogue, "participant", language="pt")
    posts.append(await scenes.reply(app, s.dialogue, s.theme, thread, portuguese, body="+1 👍"))
    posts.append(await scenes.reply(app, s.dialogue, s.theme, thread, s.bob, body="ok"))
    async with app_state(app).database.session() as session:
        erased = update(Post).where(col(Post.id) == posts[-1].id).values(author_id=None)
        await session.exec(erased)  # type: ignore[call-overload]
        await session.commit()
    await forget_languages(app)
    return s, posts


class TestThePass:
    async def test_each_post_gets_the_language_a_new_post_would(
        self, app: FastAPI, factory: Factory
    ) -> None:
        _s, posts = await old_posts(app, factory)
        database = app_state(app).database
        assert await detect_missing_languages(database, batch=2, pause=0) == 5
        found = await languages(app)
        assert [found[p.id or 0] for p in posts] == ["en", "fr", "es", "pt", "und"]
        assert await detect_missing_languages(database, batch=2, pause=0) == 0, "once only"

    async def test_a_language_already_there_is_kept_and_newer_posts_are_left_to_writers(
        self, app: FastAPI, factory: Factory
    ) -> None:
        _s, posts = await old_posts(app, factory)
        database = app_state(app).database
        async with database.session() as session:
            chosen = update(Post).where(col(Post.id) == posts[0].id).values(lang="pt-BR")
            await session.exec(chosen)  # type: ignore[call-overload]
            await session.commit()
        assert await detect_missing_languages(database, up_to=posts[2].id, pause=0) == 2
        found = await languages(app)
        assert [found[p.id or 0] for p in posts] == ["pt-BR", "fr", "es", None, None]

    async def test_a_pass_runs_once_started_and_finds_nothing_the_second_time(
        self, app: FastAPI, factory: Factory
    ) -> None:
        await old_posts(app, factory)
        started = LanguagePass(app_state(app).database, delay=0)
        await started.start()
        assert started.task is not None, "there are posts to look at"
        assert await started.task == 5
        await started.stop()
        assert None not in (await languages(app)).values()
        again = LanguagePass(app_state(app).database, delay=0)
        await again.start()
        assert again.task is not None and await again.task == 0, "nothing left to do"
        await again.stop()

    async def test_a_starting_server_runs_it_in_the_background(
        self,
        app: FastAPI,
        factory: Factory,
        settings: Settings,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        await old_posts(app, factory)
        monkeypatch.setattr(language_pass, "START_DELAY_SECONDS", 0.0)
        restarted = create_app(settings)
        async with restarted.router.lifespan_context(restarted):
            async with visitor(restarted) as browser:
                assert (await browser.get("/")).status_code == 200, "it serves meanwhile"
            for _ in range(100):
                if None not in (await languages(app)).values():
                    break
                await asyncio.sleep(0.05)
        assert None not in (await languages(app)).values()

    async def test_an_empty_database_starts_no_pass(self, app: FastAPI) -> None:
        idle = LanguagePass(app_state(app).database)
        await idle.start()
        assert idle.task is None


class TestUntilThen:
    async def test_no_translate_no_lang_attribute_and_a_409(
        self, app: FastAPI, factory: Factory
    ) -> None:
        s, posts = await old_posts(app, factory)
        french = await factory.member(s.dialogue, "participant", language="fr")
        path = f"/d/{s.dialogue.slug}/threads/{posts[0].thread_id}"
        async with visitor(app, french) as browser:
            page = await browser.get(path)
            answer = await browser.get(f"/api/v1/posts/{posts[0].id}/translation?to=fr")
        assert page.status_code == 200
        assert ENGLISH in page.text
        assert 'class="post-body prose" lang=' not in page.text
        assert "translate-link" not in page.text
        assert_error(answer, 409, "translation_unavailable")


class TestCommand:
    async def test_detect_languages_names_how_many(
        self, app: FastAPI, factory: Factory, settings: Settings
    ) -> None:
        await old_posts(app, factory)
        env = {"DIALOGUE_DATABASE_URL": settings.database_url}
        # In a thread: the command runs its own event loop.
        result = await asyncio.to_thread(CliRunner().invoke, cli.app, ["detect-languages"], env=env)
        assert result.exit_code == 0, result.stderr
        assert "5 posts without a language given one" in result.stdout
        assert None not in (await languages(app)).values()
