"""`/metrics`: Prometheus' format, for the configured addresses or token only."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import generate_latest
from sqlmodel import select

from dialogue.app import create_app
from dialogue.config import Settings
from dialogue.leases import WorkState
from dialogue.live.hub import Channel, Hub
from dialogue.metrics import Metrics
from dialogue.notifications import outbox
from dialogue.notifications.models import MailKind, OutboxMessage
from dialogue.state import app_state
from dialogue.threads.models import PostStatus
from tests.factories import Factory
from tests.live.test_connection import Transport, connection
from tests.web import scenes

pytestmark = pytest.mark.sqlite_only  # counts and a route; nothing database-specific


async def test_loopback_reads_the_gauges_and_request_latency_by_route(
    db_kind: str, client: httpx.AsyncClient
) -> None:
    assert (await client.get("/healthz")).status_code == 200
    answer = await client.get("/metrics")  # the test client's address is 127.0.0.1
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    body = answer.text
    assert "dialogue_open_websockets 0.0" in body
    assert "dialogue_moderation_queue 0.0" in body
    assert "dialogue_report_jobs_waiting 0.0" in body
    assert 'dialogue_request_seconds_count{method="GET",route="/healthz"} 1.0' in body


@pytest.fixture
async def closed_app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(
        settings.model_copy(update={"metrics_allow": (), "metrics_token": "scrape-me"})
    )
    async with application.router.lifespan_context(application):
        yield application


async def test_elsewhere_it_takes_the_token_and_says_nothing_without(
    db_kind: str, closed_app: FastAPI
) -> None:
    transport = httpx.ASGITransport(app=closed_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as web:
        assert (await web.get("/metrics")).status_code == 404
        wrong = await web.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 404
        right = await web.get("/metrics", headers={"Authorization": "Bearer scrape-me"})
        assert right.status_code == 200 and "dialogue_open_websockets" in right.text


def sample(body: str, name: str) -> float:
    """The value of one series in a scrape (`name` with its labels, as Prometheus writes it)."""
    for line in body.splitlines():
        if line.startswith(name + " "):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not in the scrape")


async def test_outbox_backlog_and_moderation_queue_move_with_the_database(
    db_kind: str, app: FastAPI, client: httpx.AsyncClient, factory: Factory
) -> None:
    before = (await client.get("/metrics")).text
    assert sample(before, 'dialogue_outbox_messages{state="queued"}') == 0.0
    assert sample(before, 'dialogue_outbox_messages{state="failed"}') == 0.0
    s = await scenes.scene(factory)
    async with app_state(app).database.session() as session:
        for n in range(3):
            await outbox.enqueue(
                session,
                to=f"reader{n}@example.org",
                subject="Hello",
                text="Hello",
                kind=MailKind.INVITATION,
            )
        await session.commit()
        dead = (await session.exec(select(OutboxMessage))).first()
        assert dead is not None
        dead.state = WorkState.FAILED
        session.add(dead)
        await session.commit()
    thread, _first = await scenes.start_thread(app, s.dialogue, s.theme, s.alice)
    held = await scenes.reply(app, s.dialogue, s.theme, thread, s.bob)
    await scenes.set_status(app, held, PostStatus.PENDING)
    after = (await client.get("/metrics")).text
    assert sample(after, 'dialogue_outbox_messages{state="queued"}') == 2.0
    assert sample(after, 'dialogue_outbox_messages{state="failed"}') == 1.0
    assert sample(after, "dialogue_moderation_queue") == 1.0
    # Committed through the unit of work (`events.publish.commit`): two posts, and whatever
    # the scene's setup appended through it.
    assert sample(after, "dialogue_events_appended_total") >= 2.0


def test_send_queue_depth_is_read_from_the_sockets_at_scrape_time() -> None:
    metrics = Metrics()
    hub = Hub(database=None, broker=None, instance_id="test")  # type: ignore[arg-type]
    metrics.watch(hub)
    behind, keeping_up = Transport(), Transport()
    behind.keeping_up = False
    slow, fast = connection(behind, queue_limit=10), connection(keeping_up, queue_limit=10)
    hub.channels[1] = Channel(cursor=0, connections={slow, fast})
    for n in range(4):
        slow.push(f"frame {n}")
        fast.push(f"frame {n}")
    body = generate_latest(metrics.registry).decode()
    assert sample(body, "dialogue_open_websockets") == 2.0
    assert sample(body, "dialogue_send_queue_frames") == 4.0
    assert sample(body, "dialogue_send_queue_max_frames") == 4.0
