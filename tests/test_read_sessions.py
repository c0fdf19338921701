"""Page views read on a snapshot: they neither wait for writers nor write by accident."""

from __future__ import annotations

import asyncio

import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlmodel import func, select

from dialogue.state import app_state
from dialogue.synthesis.models import Report
from tests.factories import Factory
from tests.web.clients import visitor


class TestPagesDoNotQueueBehindWriters:
    async def test_a_page_answers_while_a_write_transaction_is_open(
        self, db_kind: str, app: FastAPI, factory: Factory
    ) -> None:
        d = await factory.dialogue(visibility="public")
        async with app_state(app).database.writing() as writer:
            # The writer holds SQLite's write lock (BEGIN IMMEDIATE) until it ends.
            await writer.exec(
                text("UPDATE dialogue SET summary = summary WHERE id = :i"), params={"i": d.id}
            )  # type: ignore[call-overload]
            async with visitor(app) as browser:
                page = await asyncio.wait_for(browser.get(f"/d/{d.slug}"), 5)
            assert page.status_code == 200
            await writer.rollback()


class TestReadsCannotWrite:
    @pytest.mark.sqlite_only  # PRAGMA query_only; PostgreSQL readers are not write-guarded
    async def test_a_write_through_a_reader_is_refused_on_sqlite(
        self, db_kind: str, app: FastAPI
    ) -> None:
        async with app_state(app).database.reader() as session:
            with pytest.raises(OperationalError, match="readonly"):
                await session.exec(text("UPDATE dialogue SET summary = summary"))  # type: ignore[call-overload]

    async def test_viewing_the_report_page_creates_no_report(
        self, db_kind: str, app: FastAPI, factory: Factory
    ) -> None:
        d = await factory.dialogue()
        organizer = await factory.member(d, "organizer")
        async with visitor(app, organizer) as browser:
            page = await browser.get(f"/d/{d.slug}/report")
        assert page.status_code == 200
        async with app_state(app).database.reader() as session:
            assert (await session.exec(select(func.count()).select_from(Report))).one() == 0
