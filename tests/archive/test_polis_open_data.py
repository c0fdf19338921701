"""Real Pol.is conversations (open data, CC BY 4.0; see polis_open_data/README.md) imported
by the real importer: the report's opinion groups against Pol.is's own, and a report that
reads as one of a Pol.is conversation.

The floors are the adjusted Rand index each conversation had when this test was written
(`docs/report.md`, "Against Pol.is's own groups"): a change to the clustering that moves
the groups further from Pol.is's fails here.
"""

from __future__ import annotations

import csv
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import select

from dialogue.archive.polis_groups import agreement, polis_groups, report_groups
from dialogue.archive.polis_read import read_export
from dialogue.dialogues.models import Dialogue
from dialogue.state import app_state
from tests.archive.polis_support import run
from tests.factories import Factory

OPEN_DATA = Path(__file__).with_name("polis_open_data")
# Conversation -> the adjusted Rand index measured (rounded down to 2 places).
FLOORS = {
    "london.youth.policing": 0.17,
    "15-per-hour-seattle": 0.96,
    "brexit-consensus": 0.84,
    "scoop-hivemind.freshwater": 0.13,
    "scoop-hivemind.ubi": 0.08,
}

pytestmark = pytest.mark.sqlite_only  # the clustering is the same on either database


@pytest.mark.parametrize("conversation", sorted(FLOORS))
async def test_opinion_groups_stay_as_close_to_polis_own(
    db_kind: str, app: FastAPI, conversation: str
) -> None:
    directory = OPEN_DATA / conversation
    slug = conversation.replace(".", "-")[:63]
    result = await run(app, directory, slug=slug)
    assert result.participants == len(read_export(directory, lambda *_: None).people())
    async with app_state(app).database.reader() as session:
        dialogue = (await session.exec(select(Dialogue).where(Dialogue.slug == slug))).one()
        ours = await report_groups(session, dialogue)
    found = agreement(ours, polis_groups(directory))
    assert found.compared >= 10, found
    assert found.score >= FLOORS[conversation], found


async def test_a_real_conversation_reads_as_a_polis_one(
    db_kind: str, app: FastAPI, client: httpx.AsyncClient, factory: Factory
) -> None:
    """Voters counted as participants and called so, "1 theme", statement ids kept."""
    directory = OPEN_DATA / "brexit-consensus"
    organizer = await factory.user()
    await run(app, directory, slug="brexit-consensus", actor_email=organizer.email)
    base = "/api/v1/dialogues/brexit-consensus/report"
    headers = await factory.auth(organizer)
    document = (await client.get(base, params={"format": "json"}, headers=headers)).json()
    figures = {f["key"]: f["value"] for f in document["at_a_glance"]["figures"]}
    with (directory / "summary.csv").open(encoding="utf-8", newline="") as handle:
        summary = dict(csv.reader(handle))
    assert figures["participants"] == int(summary["voters"]) == 204
    with (directory / "comments.csv").open(encoding="utf-8", newline="") as handle:
        statements = {row["comment-id"] for row in csv.DictReader(handle)}
    rows = [row for row in document["posts"] if row["polis_statement_id"] is not None]
    assert rows and {row["polis_statement_id"] for row in rows} <= statements
    markdown = (await client.get(base, params={"format": "md"}, headers=headers)).text
    assert "practitioner" not in markdown.lower()
    assert "1 theme:" in markdown and "1 themes" not in markdown
    table = (await client.get(base, params={"format": "csv"}, headers=headers)).content
    reader = csv.DictReader(table.decode("utf-8-sig").splitlines())
    assert {r["polis_statement_id"] for r in reader if r["polis_statement_id"]} <= statements
