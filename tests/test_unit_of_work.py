"""A request is one unit of work: committed when the route returns, undone when it raises.

A small router is mounted on the real app; its route changes a dialogue and appends an
event, then succeeds or fails as the test asks, exactly as a service under a route would.
A listener on the app's broker reads the dialogue from another connection the moment an
event rings, so "published after the commit" is checked, not assumed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from sqlmodel import func, select

from dialogue.access import SessionDep
from dialogue.dialogues.models import Dialogue
from dialogue.error_codes import ErrorCode
from dialogue.errors import Conflict
from dialogue.events.kinds import EventKind
from dialogue.events.models import Event
from dialogue.events.service import append_event
from dialogue.state import app_state
from dialogue.transaction import attempt
from tests.factories import Factory


@dataclass
class Heard:
    """What the broker carried, and what another connection saw of the dialogue then."""

    rings: list[dict[str, Any]] = field(default_factory=list)
    summaries: list[str] = field(default_factory=list)


# Any real kind with its data: the dependency treats every event alike.
KIND, DATA = EventKind.CONDUCT_ACCEPTED, {"user_id": 1, "version": 1}


async def _change(session: SessionDep, dialogue_id: int, summary: str) -> Dialogue:
    dialogue = await session.get(Dialogue, dialogue_id)
    assert dialogue is not None
    dialogue.summary = summary
    session.add(dialogue)
    await append_event(session=session, dialogue_id=dialogue_id, kind=KIND, data=DATA)
    return dialogue


def unit_router() -> APIRouter:
    router = APIRouter(prefix="/unit-of-work/{dialogue_id}")

    @router.post("/{outcome}", status_code=201)
    async def change(dialogue_id: int, outcome: str, session: SessionDep) -> dict[str, str]:
        dialogue = await _change(session, dialogue_id, "changed")
        if outcome == "refused":
            raise Conflict("refused", code=ErrorCode.CONFLICT)
        if outcome == "broken":
            raise RuntimeError("broken")
        if outcome == "unstorable":  # only the commit's flush finds the taken slug
            session.add(Dialogue(slug=dialogue.slug, title="twin"))
        return {"summary": dialogue.summary}

    @router.post("")
    async def partly_refused(dialogue_id: int, session: SessionDep) -> dict[str, str]:
        dialogue = await _change(session, dialogue_id, "kept")
        try:
            async with attempt(session):
                dialogue.title = "undone"
                await append_event(session=session, dialogue_id=dialogue_id, kind=KIND, data=DATA)
                raise Conflict("refused", code=ErrorCode.CONFLICT)
        except Conflict:
            pass
        return {"title": dialogue.title, "summary": dialogue.summary}

    return router


@pytest.fixture
async def heard(app: FastAPI) -> AsyncIterator[Heard]:
    app.include_router(unit_router())
    seen = Heard()

    async def listener(dialogue_id: int, message: dict[str, Any]) -> None:
        seen.rings.append(message)
        async with app_state(app).database.reader() as other:
            dialogue = await other.get(Dialogue, dialogue_id)
            assert dialogue is not None
            seen.summaries.append(dialogue.summary)

    unsubscribe = app_state(app).broker.subscribe(listener)
    yield seen
    unsubscribe()


@pytest.fixture
async def raw(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client that receives the 500 the app sends instead of re-raising the error."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    headers = {"Accept": "application/json"}  # errors off /api/ answer JSON when asked
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers=headers
    ) as client:
        yield client


async def stored(app: FastAPI, dialogue_id: int) -> tuple[Dialogue, int]:
    async with app_state(app).database.reader() as session:
        dialogue = await session.get(Dialogue, dialogue_id)
        assert dialogue is not None
        count = (
            await session.exec(
                select(func.count()).select_from(Event).where(Event.dialogue_id == dialogue_id)
            )
        ).one()
        return dialogue, count


class TestUnitOfWork:
    async def test_a_route_that_returns_is_committed_then_published(
        self, db_kind: str, app: FastAPI, factory: Factory, heard: Heard, raw: httpx.AsyncClient
    ) -> None:
        d = await factory.dialogue()
        _before, events_before = await stored(app, d.id or 0)
        response = await raw.post(f"/unit-of-work/{d.id}/done")
        assert response.status_code == 201, response.text
        dialogue, events = await stored(app, d.id or 0)
        assert dialogue.summary == "changed"
        assert events == events_before + 1
        # The ring came once, for the new seq, and another connection already saw the change.
        assert heard.rings == [{"seq": dialogue.last_seq}]
        assert heard.summaries == ["changed"]

    @pytest.mark.parametrize(
        ("outcome", "status"), [("refused", 409), ("broken", 500), ("unstorable", 500)]
    )
    async def test_a_route_that_fails_changes_nothing_and_publishes_nothing(
        self,
        db_kind: str,
        app: FastAPI,
        factory: Factory,
        heard: Heard,
        raw: httpx.AsyncClient,
        outcome: str,
        status: int,
    ) -> None:
        d = await factory.dialogue(summary="as it was")
        _before, events_before = await stored(app, d.id or 0)
        response = await raw.post(f"/unit-of-work/{d.id}/{outcome}")
        # A commit that fails is answered as an error, never as the route's 201.
        assert response.status_code == status, response.text
        assert set(response.json()) == {"error"}
        dialogue, events = await stored(app, d.id or 0)
        assert dialogue.summary == "as it was"
        assert events == events_before
        assert heard.rings == []

    async def test_an_attempt_undoes_only_what_was_refused(
        self, db_kind: str, app: FastAPI, factory: Factory, heard: Heard, raw: httpx.AsyncClient
    ) -> None:
        d = await factory.dialogue(title="Kept title")
        _before, events_before = await stored(app, d.id or 0)
        response = await raw.post(f"/unit-of-work/{d.id}")
        assert response.status_code == 200, response.text
        # The page goes on reading its rows as they stand after the undo.
        assert response.json() == {"title": "Kept title", "summary": "kept"}
        dialogue, events = await stored(app, d.id or 0)
        assert (dialogue.title, dialogue.summary) == ("Kept title", "kept")
        assert events == events_before + 1  # the undone change's event is gone with it
        assert heard.rings == [{"seq": dialogue.last_seq}]
        assert heard.summaries == ["kept"]
