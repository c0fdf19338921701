"""The editors' review list of quotes, as a page and in the API: every quote as printed with
what was taken out and why, for reviewers only, gone after ten minutes and once published."""

from __future__ import annotations

import asyncio
import html
import re
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import col, update

from dialogue.db import utcnow
from dialogue.synthesis import jobs
from dialogue.synthesis.models import ReportJob
from tests.factories import Factory
from tests.helpers import assert_error
from tests.synthesis.scene import REVIEWED_REDACTIONS, Scene, build_scene, review_post
from tests.web.clients import submit, visitor
from tests.web.report_steps import base_of, publish
from tests.web.test_report_page import follow


def api_of(scene: Scene) -> str:
    return f"/api/v1/dialogues/{scene.dialogue.slug}/report/quotes"


async def poll(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> dict[str, Any]:
    """The list's status until its job ends."""
    for _ in range(400):
        answer = await client.get(url, headers=headers)
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        if body["state"] != "running":
            return body
        assert body["quotes"] is None
        await asyncio.sleep(0.05)
    raise AssertionError("the review list's job never finished")


async def age(app: FastAPI, factory: Factory, job_id: str, by: timedelta) -> None:
    async with factory.session() as session:
        await session.exec(
            update(ReportJob).where(col(ReportJob.id) == job_id).values(finished_at=utcnow() - by)
        )
        await session.commit()


@pytest.mark.sqlite_only  # pages behave alike on either database; the API class runs on both
class TestThePage:
    async def test_an_advisor_sees_each_quote_as_printed_and_what_was_taken_out(
        self, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        await review_post(factory, scene)
        base = base_of(scene)
        async with visitor(factory.app, scene.advisor) as client:
            report_page = await client.get(base)
            assert f'action="{base}/quotes"' in report_page.text
            started = await submit(client, base, f"{base}/quotes", {})
            assert started.status_code == 303, started.text
            url = started.headers["location"]
            assert re.fullmatch(rf"{base}/quotes/[\w-]+", url)
            shown = html.unescape(await follow(client, url))
        card = re.search(
            r'<li id="quote-\d+" class="card">(?:(?!</li>\s*<li id=).)*?REVIEWED.*?</dl>',
            shown,
            re.S,
        )
        assert card is not None, shown
        text = card.group(0)
        quote = re.search(r"<blockquote>(.*?)</blockquote>", text, re.S)
        assert quote is not None
        assert quote.group(1).startswith("REVIEWED [name] from [place], [organisation], writing")
        for _kind, placeholder, words in REVIEWED_REDACTIONS:
            assert f"“{words}” became {placeholder}:" in text
        assert "a city or town" in text and "the organisation of a member" in text
        assert "Nothing" in shown  # a quote with nothing taken out says so
        assert re.search(r"\d+ quotes, 1 with words taken out\.", shown), shown
        jump = re.search(r'<ul class="quote-jump">(.*?)</ul>', shown, re.S)
        assert jump is not None and jump.group(1).count("<li>") == 1  # straight to it
        target = re.search(r'href="#(quote-\d+)"', jump.group(1))
        assert target is not None and f'id="{target.group(1)}"' in card.group(0)

    async def test_a_moderator_may_review_quotes_but_not_download_the_files(
        self, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        base = base_of(scene)
        async with visitor(factory.app, scene.moderator) as client:
            started = await submit(client, base, f"{base}/quotes", {})
            assert started.status_code == 303, started.text
            await follow(client, started.headers["location"])
            job_id = started.headers["location"].rsplit("/", 1)[1]
            file_url = f"/api/v1/dialogues/{scene.dialogue.slug}/report/jobs/{job_id}/file"
            assert (await client.get(file_url)).status_code == 403
            assert (await client.get(f"{base}/jobs/{job_id}")).status_code == 403

    async def test_participants_and_outsiders_are_refused(self, factory: Factory) -> None:
        scene = await build_scene(factory)
        base = base_of(scene)
        async with visitor(factory.app, scene.advisor) as client:
            started = await submit(client, base, f"{base}/quotes", {})
            url = started.headers["location"]
        async with visitor(factory.app, scene.participant) as client:
            assert (await client.get(url)).status_code == 403
            home = f"/d/{scene.dialogue.slug}"
            refused = await submit(client, home, f"{base}/quotes", {})
            assert refused.status_code == 403
        outsider = await factory.user()
        async with visitor(factory.app, outsider) as client:
            assert (await client.get(url)).status_code == 404
        async with visitor(factory.app) as client:
            assert (await client.get(url)).status_code in (401, 404)

    async def test_after_ten_minutes_the_list_is_gone_and_can_be_prepared_again(
        self, app: FastAPI, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        await review_post(factory, scene)
        base = base_of(scene)
        async with visitor(factory.app, scene.organizer) as client:
            started = await submit(client, base, f"{base}/quotes", {})
            url = started.headers["location"]
            await follow(client, url)
            await age(app, factory, url.rsplit("/", 1)[1], jobs.KEEP + timedelta(seconds=1))
            gone = await client.get(url)
            assert gone.status_code == 404
            assert "no longer kept" in gone.text and "Recife" not in gone.text
            again = await submit(client, url, f"{base}/quotes", {})
            assert again.status_code == 303 and again.headers["location"] != url

    async def test_once_published_there_is_no_list(self, app: FastAPI, factory: Factory) -> None:
        scene = await build_scene(factory)
        base = base_of(scene)
        await publish(app, scene, "members")
        async with visitor(factory.app, scene.organizer) as client:
            page = await client.get(base)
            assert f'action="{base}/quotes"' not in page.text
            refused = await submit(client, base, f"{base}/quotes", {})
            assert refused.status_code == 409
            assert "no longer kept" in refused.text


class TestTheApi:
    async def test_start_then_follow_to_the_list(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        await review_post(factory, scene)
        headers = await factory.auth(scene.moderator)
        started = await client.post(api_of(scene), headers=headers)
        assert started.status_code == 202, started.text
        assert started.json()["state"] == "running" and started.json()["quotes"] is None
        done = await poll(client, f"{api_of(scene)}/{started.json()['id']}", headers)
        assert done["state"] == "done", done
        rows = {row["post_id"]: row for row in done["quotes"]}
        reviewed = next(r for r in rows.values() if r["quote"].startswith("REVIEWED"))
        assert [(r["kind"], r["placeholder"], r["text"]) for r in reviewed["redactions"]] == (
            REVIEWED_REDACTIONS
        )
        assert "Recife" not in reviewed["quote"] and reviewed["thread_id"] > 0
        anonymous = [r for r in rows.values() if r["attribution"] == "Anonymous participant"]
        assert anonymous and all(r["origin"] == "anonymous post" for r in anonymous)

    async def test_other_jobs_unknown_ids_and_old_lists_are_not_found(
        self, app: FastAPI, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        headers = await factory.auth(scene.organizer)
        pdf = await client.post(
            f"/api/v1/dialogues/{scene.dialogue.slug}/report/jobs",
            json={"format": "pdf"},
            headers=headers,
        )
        assert pdf.status_code == 202, pdf.text
        assert_error(
            await client.get(f"{api_of(scene)}/{pdf.json()['id']}", headers=headers),
            404,
            "not_found",
        )
        assert_error(await client.get(f"{api_of(scene)}/nope", headers=headers), 404, "not_found")
        started = await client.post(api_of(scene), headers=headers)
        job_url = f"{api_of(scene)}/{started.json()['id']}"
        await poll(client, job_url, headers)
        await age(app, factory, started.json()["id"], jobs.KEEP + timedelta(seconds=1))
        assert_error(await client.get(job_url, headers=headers), 404, "not_found")

    async def test_refused_to_participants_and_once_published(
        self, app: FastAPI, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        participant = await factory.auth(scene.participant)
        assert_error(await client.post(api_of(scene), headers=participant), 403, "forbidden")
        await publish(app, scene, "public")
        organizer = await factory.auth(scene.organizer)
        assert_error(await client.post(api_of(scene), headers=organizer), 409, "report_locked")
