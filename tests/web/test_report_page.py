"""The report page: reviewers start a format, follow its progress and download it, no JS needed."""

from __future__ import annotations

import asyncio
import re

import httpx

from tests.factories import Factory
from tests.synthesis.scene import build_scene
from tests.web.clients import submit, visitor


async def follow(client: httpx.AsyncClient, url: str) -> str:
    """Reload the job page as the browser's refresh would, until the job ends."""
    for _ in range(200):
        page = await client.get(url)
        assert page.status_code == 200, page.text
        if "report-job-refresh" not in page.text:
            return page.text
        assert "<progress" in page.text
        await asyncio.sleep(0.05)
    raise AssertionError("the report job never finished")


class TestReportPage:
    async def test_organizer_generates_and_downloads_a_format(self, factory: Factory) -> None:
        scene = await build_scene(factory)
        base = f"/d/{scene.dialogue.slug}/report"
        async with visitor(factory.app, scene.organizer) as client:
            page = await client.get(base)
            assert page.status_code == 200
            assert page.text.count('name="format"') == 6
            started = await submit(client, base, f"{base}/jobs", {"format": "csv"})
            assert started.status_code == 303
            job_url = started.headers["location"]
            assert re.fullmatch(rf"{base}/jobs/[\w-]+", job_url)
            done = await follow(client, job_url)
            link = re.search(r'href="(/api/v1/dialogues/[^"]+/file)"', done)
            assert link is not None, done
            download = await client.get(link.group(1))
            assert download.status_code == 200
            assert download.headers["content-type"].startswith("text/csv")
            assert download.text.splitlines()[0].startswith("post_id") or "," in download.text

    async def test_advisor_may_follow_a_job_participant_may_not(self, factory: Factory) -> None:
        scene = await build_scene(factory)
        base = f"/d/{scene.dialogue.slug}/report"
        async with visitor(factory.app, scene.advisor) as client:
            started = await submit(client, base, f"{base}/jobs", {"format": "md"})
            assert started.status_code == 303
            job_url = started.headers["location"]
        async with visitor(factory.app, scene.participant) as client:
            assert (await client.get(base)).status_code == 403
            assert (await client.get(job_url)).status_code == 403
        async with visitor(factory.app) as client:
            assert (await client.get(base)).status_code in (401, 404)

    async def test_unknown_format_and_job_are_refused(self, factory: Factory) -> None:
        scene = await build_scene(factory)
        base = f"/d/{scene.dialogue.slug}/report"
        async with visitor(factory.app, scene.organizer) as client:
            refused = await submit(client, base, f"{base}/jobs", {"format": "exe"})
            assert refused.status_code == 422
            assert (await client.get(f"{base}/jobs/no-such-job")).status_code == 404


class TestReportLink:
    async def test_dialogue_home_links_reviewers_to_the_report(self, factory: Factory) -> None:
        scene = await build_scene(factory)
        home = f"/d/{scene.dialogue.slug}"
        async with visitor(factory.app, scene.organizer) as client:
            assert f'href="{home}/report"' in (await client.get(home)).text
        async with visitor(factory.app, scene.participant) as client:
            assert f'href="{home}/report"' not in (await client.get(home)).text
