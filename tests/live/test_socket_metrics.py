"""`/metrics` of a real server follows its websockets: sockets open, events appended and
delivered (live and on replay), and the delivery latency histogram."""

from __future__ import annotations

import httpx
import pytest

from tests.live.conftest import Client
from tests.servers import ThreadServer
from tests.test_metrics import sample

pytestmark = pytest.mark.sqlite_only  # counters of the hub; nothing database-specific


async def scrape(server: ThreadServer) -> str:
    async with httpx.AsyncClient(base_url=server.url) as http:  # loopback: allowed
        answer = await http.get("/metrics")
    assert answer.status_code == 200
    return answer.text


async def test_a_post_counts_as_appended_and_delivered_with_its_latency(
    db_kind: str, live_dialogue, open_socket, server: ThreadServer
) -> None:
    d, thread = live_dialogue["dialogue"], live_dialogue["thread"]
    token = live_dialogue["tokens"]["participant"]
    before = await scrape(server)
    assert sample(before, "dialogue_open_websockets") == 0.0
    watching: Client = await open_socket(d.slug, token=live_dialogue["tokens"]["observer"])
    await watching.next()  # hello: it is live
    async with httpx.AsyncClient(
        base_url=server.url, headers={"Authorization": f"Bearer {token}"}
    ) as http:
        answer = await http.post(f"/api/v1/threads/{thread.id}/posts", json={"body": "Counted"})
        assert answer.status_code == 201
    await watching.until(lambda f: f["type"] == "event" and f["kind"] == "post.created")
    during = await scrape(server)
    assert sample(during, "dialogue_open_websockets") == 1.0
    appended = sample(during, "dialogue_events_appended_total")
    assert appended - sample(before, "dialogue_events_appended_total") >= 1.0
    live = 'dialogue_events_delivered_total{path="live"}'
    assert sample(during, live) - sample(before, live) >= 1.0
    assert sample(during, "dialogue_delivery_seconds_count") >= 1.0
    assert sample(during, 'dialogue_delivery_seconds_bucket{le="+Inf"}') >= 1.0
    assert sample(during, "dialogue_send_queue_frames") == 0.0  # a reader that keeps up

    catching_up: Client = await open_socket(d.slug, token=token, after=0)
    await catching_up.next()
    await catching_up.until(lambda f: f["type"] == "event" and f["kind"] == "post.created")
    replay = 'dialogue_events_delivered_total{path="replay"}'
    assert sample(await scrape(server), replay) - sample(during, replay) >= 2.0
