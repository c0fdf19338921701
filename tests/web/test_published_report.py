"""The published report's page: for whoever its audience includes, linked from the dialogue's
home for them only, with every format to download; consent and anonymity as in the files."""

from __future__ import annotations

import re

from dialogue.accounts.models import User
from tests.factories import Factory
from tests.synthesis.scene import ABSENT, FORMATS, PRESENT, build_scene, text_of
from tests.web.clients import submit, visitor
from tests.web.html import main, text
from tests.web.report_steps import base_of, make_public, publish

LINK = 'href="/d/{slug}/report/published"'


class TestAudience:
    async def test_members_audience_reaches_members_and_no_one_else(self, factory: Factory) -> None:
        scene = await build_scene(factory)
        published = f"{base_of(scene)}/published"
        home = f"/d/{scene.dialogue.slug}"
        link = LINK.format(slug=scene.dialogue.slug)
        async with visitor(factory.app, scene.participant) as client:
            assert (await client.get(published)).status_code == 404  # not yet published
            assert link not in (await client.get(home)).text
        await publish(factory.app, scene, "members")
        async with visitor(factory.app, scene.participant) as client:
            page = await client.get(published)
            assert page.status_code == 200
            assert "<h1>Accountability in work with men and boys</h1>" in page.text
            assert link in (await client.get(home)).text
            assert (
                await client.get(base_of(scene))
            ).status_code == 403  # the workflow stays staff's
        outsider = await factory.user()
        async with visitor(factory.app, outsider) as client:
            assert (await client.get(published)).status_code == 404  # invite dialogue
        async with visitor(factory.app) as client:
            assert (await client.get(published)).status_code == 404

    async def test_a_public_dialogue_shares_by_audience(self, factory: Factory) -> None:
        scene = await build_scene(factory)
        await make_public(factory, scene.dialogue)
        published = f"{base_of(scene)}/published"
        home = f"/d/{scene.dialogue.slug}"
        link = LINK.format(slug=scene.dialogue.slug)
        await publish(factory.app, scene, "members")
        async with visitor(factory.app) as client:
            assert (await client.get(published)).status_code == 403
            assert link not in (await client.get(home)).text
        async with visitor(factory.app, await factory.user()) as client:
            assert (await client.get(published)).status_code == 403
        async with visitor(factory.app, scene.organizer) as client:
            base = base_of(scene)
            changed = await submit(client, base, f"{base}/audience", {"audience": "public"})
            assert changed.status_code == 303
        async with visitor(factory.app) as client:
            assert (await client.get(published)).status_code == 200
            assert link in (await client.get(home)).text

    async def test_a_reviewers_audience_keeps_members_out(self, factory: Factory) -> None:
        scene = await build_scene(factory)
        await publish(factory.app, scene, "reviewers")
        published = f"{base_of(scene)}/published"
        async with visitor(factory.app, scene.participant) as client:
            assert (await client.get(published)).status_code == 403
            home = (await client.get(f"/d/{scene.dialogue.slug}")).text
            assert LINK.format(slug=scene.dialogue.slug) not in home
        async with visitor(factory.app, scene.advisor) as client:
            assert (await client.get(published)).status_code == 200

    async def test_only_organizers_change_the_audience(self, factory: Factory) -> None:
        scene = await build_scene(factory)
        await publish(factory.app, scene, "members")
        base = base_of(scene)
        async with visitor(factory.app, scene.advisor) as client:
            assert (
                f'action="/d/{scene.dialogue.slug}/report/audience"'
                not in (await client.get(base)).text
            )
            refused = await submit(client, base, f"{base}/audience", {"audience": "public"})
            assert refused.status_code == 403


class TestContent:
    async def test_every_format_downloads_from_the_page_and_consent_holds(
        self, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        await publish(factory.app, scene, "members")
        async with visitor(factory.app, scene.participant) as client:
            page = (await client.get(f"{base_of(scene)}/published")).text
            shown = text(main(page))
            for word in ABSENT:
                assert word not in shown, word
            for word, attribution in PRESENT.items():
                assert word in shown and attribution in shown, word
            links = re.findall(
                r'href="(/api/v1/dialogues/[^"]+/report/published\?format=(\w+))"', page
            )
            assert sorted(fmt for _url, fmt in links) == sorted(FORMATS)
            for url, fmt in links:
                download = await client.get(url)
                assert download.status_code == 200, (fmt, download.text)
                assert "attachment" in download.headers["content-disposition"]
                body = text_of(fmt, download.content)
                assert "Eve Hidden" not in body and "NEVERQUOTE" not in body, fmt
            unknown = await client.get(
                f"/api/v1/dialogues/{scene.dialogue.slug}/report/published?format=exe"
            )
            assert unknown.status_code == 422


class TestConsentAfterPublication:
    async def test_a_withdrawal_removes_the_words_from_page_and_downloads(
        self, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        await publish(factory.app, scene, "members")
        published = f"{base_of(scene)}/published"
        async with visitor(factory.app, scene.participant) as client:
            before = text(main((await client.get(published)).text))
        assert "NAMEDQUOTE" in before and "Amina Wanjiru" in before
        assert "Kenya Women Network" in before
        async with factory.session() as session:
            amina = await session.get(User, scene.people["amina"].id)
            assert amina is not None
            amina.quote_consent = "none"
            session.add(amina)
            await session.commit()
        async with visitor(factory.app, scene.participant) as client:
            after = text(main((await client.get(published)).text))
            api = f"/api/v1/dialogues/{scene.dialogue.slug}/report/published"
            files = {
                fmt: text_of(fmt, (await client.get(api, params={"format": fmt})).content)
                for fmt in ("md", "json", "csv")
            }
        for shown in (after, *files.values()):
            assert "NAMEDQUOTE" not in shown and "Amina Wanjiru" not in shown
            assert "Kenya Women Network" not in shown
            assert "ANONCONSENTQUOTE" in shown  # the others' words stay
