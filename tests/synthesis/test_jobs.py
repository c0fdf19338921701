"""Background generation: progress, joining a running job, and the export command."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import httpx
from fastapi import FastAPI
from sqlmodel import col, update
from typer.testing import CliRunner

from dialogue.cli import app as cli
from dialogue.config import Settings
from dialogue.db import utcnow
from dialogue.leases import forget_finished
from dialogue.state import app_state
from dialogue.synthesis import jobs
from dialogue.synthesis.models import ReportJob
from tests.factories import Factory
from tests.helpers import assert_error, count
from tests.synthesis.builders import World
from tests.synthesis.scene import build_scene, csv_rows, text_of


class TestJoining:
    async def test_a_second_request_joins_the_unfinished_job(
        self, db_kind: str, app: FastAPI, factory: Factory
    ) -> None:
        database = app_state(app).database
        dialogue = await factory.dialogue()
        assert dialogue.id is not None
        pdf = jobs.JobSpec(dialogue_id=dialogue.id, format="pdf", report_state="draft")
        csv = jobs.JobSpec(dialogue_id=dialogue.id, format="csv", report_state="draft")
        first = await jobs.start_or_join(database=database, spec=pdf)
        second = await jobs.start_or_join(database=database, spec=pdf)
        other = await jobs.start_or_join(database=database, spec=csv)
        assert second.id == first.id and other.id != first.id
        async with database.writing() as session:
            await session.exec(
                update(ReportJob)
                .where(col(ReportJob.id) == first.id)
                .values(state="done", finished_at=utcnow())
            )
            await session.commit()
        third = await jobs.start_or_join(database=database, spec=pdf)
        assert third.id != first.id  # a finished job is never joined: the data may have changed

    async def test_concurrent_downloads_render_once(
        self, db_kind: str, app: FastAPI, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        url = f"/api/v1/dialogues/{scene.dialogue.slug}/report?format=pdf"
        organizer, advisor = await factory.auth(scene.organizer), await factory.auth(scene.advisor)
        first, second = await asyncio.gather(
            client.get(url, headers=organizer), client.get(url, headers=advisor)
        )
        assert first.status_code == second.status_code == 200
        assert first.content == second.content
        assert await count(app, ReportJob) == 1


class TestTakeOver:
    async def test_a_job_whose_instance_died_is_finished_here(
        self, db_kind: str, app: FastAPI, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        assert scene.dialogue.id is not None
        spec = jobs.JobSpec(dialogue_id=scene.dialogue.id, format="csv", report_state="draft")
        state = app_state(app)
        job = await jobs.start_or_join(database=state.database, spec=spec)
        async with state.database.writing() as session:  # as a dead instance left it
            await session.exec(
                update(ReportJob)
                .where(col(ReportJob.id) == job.id)
                .values(
                    state="running",
                    lease_owner="a dead instance",
                    lease_until=utcnow() - timedelta(seconds=1),
                    attempts=1,
                )
            )
            await session.commit()
        state.report_worker.nudge()
        body = await asyncio.wait_for(
            jobs.wait(database=state.database, job_id=job.id, dialogue_id=scene.dialogue.id), 60
        )
        assert len(csv_rows(body)) == scene.published
        base = f"/api/v1/dialogues/{scene.dialogue.slug}/report"
        status = await client.get(
            f"{base}/jobs/{job.id}", headers=await factory.auth(scene.organizer)
        )
        assert status.json()["state"] == "done"


class TestJobApi:
    async def test_start_follow_and_fetch_a_job(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        base = f"/api/v1/dialogues/{scene.dialogue.slug}/report"
        headers = await factory.auth(scene.organizer)
        started = await client.post(f"{base}/jobs", json={"format": "csv"}, headers=headers)
        assert started.status_code == 202, started.text
        job = started.json()
        assert job["state"] in ("running", "done") and job["format"] == "csv"
        for _ in range(200):
            status = (await client.get(f"{base}/jobs/{job['id']}", headers=headers)).json()
            if status["state"] != "running":
                break
            await asyncio.sleep(0.05)
        assert (status["state"], status["progress"]) == ("done", 1.0)
        body = await client.get(f"{base}/jobs/{job['id']}/file", headers=headers)
        assert len(csv_rows(body.content)) == scene.published

    async def test_jobs_of_another_dialogue_are_not_found(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        headers = await factory.auth(scene.organizer)
        base = f"/api/v1/dialogues/{scene.dialogue.slug}/report"
        job = (await client.post(f"{base}/jobs", json={"format": "json"}, headers=headers)).json()
        other = await factory.dialogue(owner=scene.organizer)
        await factory.member(other, "organizer")
        elsewhere = f"/api/v1/dialogues/{other.slug}/report/jobs/{job['id']}"
        assert_error(await client.get(elsewhere, headers=headers), 404, "not_found")
        bad = await client.post(f"{base}/jobs", json={"format": "exe"}, headers=headers)
        assert_error(bad, 422, "invalid")


class TestExportCommand:
    async def test_export_writes_the_report_file(
        self,
        db_kind: str,
        client: httpx.AsyncClient,
        factory: Factory,
        settings: Settings,
        tmp_path: Path,
    ) -> None:
        scene = await build_scene(factory)
        target = tmp_path / "report.docx"
        env = {
            "DIALOGUE_DATABASE_URL": settings.database_url,
            "DIALOGUE_BASE_URL": "http://testserver",
        }
        args = ["export", scene.dialogue.slug, "--format", "docx", "-o", str(target)]
        result = await asyncio.to_thread(CliRunner().invoke, cli, args, env=env)
        assert result.exit_code == 0, result.output
        assert "NAMEDQUOTE" in text_of("docx", target.read_bytes())

    async def test_export_refuses_unknown_dialogue_and_format(
        self, db_kind: str, settings: Settings, tmp_path: Path
    ) -> None:
        env = {"DIALOGUE_DATABASE_URL": settings.database_url}
        target = tmp_path / "x.pdf"
        missing = ["export", "no-such-dialogue", "-f", "pdf", "-o", str(target)]
        result = await asyncio.to_thread(CliRunner().invoke, cli, missing, env=env)
        assert result.exit_code == 1 and "no dialogue" in result.output
        wrong = ["export", "any", "-f", "exe", "-o", str(target)]
        result = await asyncio.to_thread(CliRunner().invoke, cli, wrong, env=env)
        assert result.exit_code == 2
        assert not target.exists()


class TestRetention:
    async def test_finished_jobs_are_forgotten_after_a_while(
        self, db_kind: str, app: FastAPI, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        scene = await build_scene(factory)
        base = f"/api/v1/dialogues/{scene.dialogue.slug}/report"
        headers = await factory.auth(scene.organizer)
        started = await client.post(f"{base}/jobs", json={"format": "md"}, headers=headers)
        job_id = started.json()["id"]
        await jobs.wait(
            database=app_state(app).database, job_id=job_id, dialogue_id=scene.dialogue.id
        )
        assert (await client.get(f"{base}/jobs/{job_id}/file", headers=headers)).status_code == 200
        database = app_state(app).database
        async with database.writing() as session:
            long_ago = utcnow() - jobs.KEEP - timedelta(seconds=1)
            await session.exec(
                update(ReportJob).where(col(ReportJob.id) == job_id).values(finished_at=long_ago)
            )
            await session.commit()
        gone = await client.get(f"{base}/jobs/{job_id}", headers=headers)
        assert_error(gone, 404, "not_found")  # expired, even before the sweep deletes it
        async with database.writing() as session:
            before = utcnow() - jobs.KEEP
            forgotten = await forget_finished(session=session, model=ReportJob, before=before)
            await session.commit()
        assert forgotten == 1 and await count(app, ReportJob) == 0


class TestExportPublished:
    async def test_export_of_a_published_report_is_its_snapshot(
        self,
        db_kind: str,
        client: httpx.AsyncClient,
        factory: Factory,
        settings: Settings,
        tmp_path: Path,
    ) -> None:
        scene = await build_scene(factory)
        base = f"/api/v1/dialogues/{scene.dialogue.slug}/report"
        for user, to in (
            (scene.moderator, "in_review"),
            (scene.advisor, "approved"),
            (scene.organizer, "published"),
        ):
            moved = await client.post(
                f"{base}/transitions", json={"to": to}, headers=await factory.auth(user)
            )
            assert moved.status_code == 200, moved.text
        await World(factory).thread(
            scene.dialogue, scene.theme, scene.people["amina"], "Late", "LATEPOST after."
        )
        target = tmp_path / "report.json"
        env = {"DIALOGUE_DATABASE_URL": settings.database_url}
        args = ["export", scene.dialogue.slug, "-f", "json", "-o", str(target)]
        result = await asyncio.to_thread(CliRunner().invoke, cli, args, env=env)
        assert result.exit_code == 0, result.output
        published = await client.get(
            f"{base}/published?format=json", headers=await factory.auth(scene.organizer)
        )
        assert target.read_bytes() == published.content
        assert b"LATEPOST" not in published.content
