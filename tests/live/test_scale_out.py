"""Two `dialogue serve` processes over one PostgreSQL and one Redis: nothing lost, nothing twice.

The broker is only a doorbell; these tests check that the database stays the truth when the
doorbell is on another machine, and when it goes silent (Redis restarted mid-stream).
"""

from __future__ import annotations

import asyncio
import itertools

import httpx
import pytest

from dialogue.config import Settings
from tests.factories import PASSWORD, Factory
from tests.helpers import assert_error
from tests.live.scale import (
    bearer,
    bodies,
    build_scene,
    close_all,
    expected,
    logged_events,
    open_client,
    post,
    receive_through,
    received,
)
from tests.servers import ProcessServer
from tests.services import RedisServer

pytestmark = pytest.mark.postgres_only
LOGIN_PER_ACCOUNT = Settings().login_per_account  # the instances run with the default


@pytest.fixture
def database_url(module_postgres_url: str) -> str:
    """The factory writes where the module's shared instances read."""
    return module_postgres_url


@pytest.fixture
def instances(shared_instances: list[ProcessServer]) -> list[ProcessServer]:
    return shared_instances


class TestPostThroughOneInstanceReachesTheOther:
    async def test_clients_on_both_instances_get_the_post_once_in_order(
        self, factory: Factory, instances: list[ProcessServer]
    ):
        a, b = instances
        scene = await build_scene(factory, a.url)
        start = (await logged_events(a.url, scene.slug, scene.tokens["alice"], 0))[-1]["seq"]
        on_a = await open_client(a.ws_url, scene.slug, scene.tokens["bob"], after=start)
        on_b = await open_client(b.ws_url, scene.slug, scene.tokens["mona"], after=start)
        try:
            await post(a.url, scene.tokens["alice"], scene.thread_id, "through A")
            await post(a.url, scene.tokens["alice"], scene.thread_id, "again through A")
            for client, token in ((on_a, "bob"), (on_b, "mona")):
                truth = await logged_events(b.url, scene.slug, scene.tokens[token], start)
                await receive_through(client, truth[-1]["seq"])
                assert received(client) == expected(truth)
                assert bodies(client) == ["through A", "again through A"]
        finally:
            await close_all(on_a, on_b)


class TestRedisRestartMidStream:
    async def test_every_client_gets_every_event_once_in_order(
        self, factory: Factory, instances: list[ProcessServer], redis_server: RedisServer
    ):
        a, b = instances
        scene = await build_scene(factory, a.url)
        start = (await logged_events(a.url, scene.slug, scene.tokens["alice"], 0))[-1]["seq"]
        watchers = [("bob", a), ("mona", a), ("bob", b), ("mona", b), ("alice", b)]
        clients = [
            await open_client(server.ws_url, scene.slug, scene.tokens[name], after=start)
            for name, server in watchers
        ]
        counter = itertools.count()

        async def write(server: ProcessServer, name: str, count: int) -> None:
            for _ in range(count):
                body = f"{name} via {server.port} #{next(counter)}"
                await post(server.url, scene.tokens[name], scene.thread_id, body)
                await asyncio.sleep(0.05)

        async def restart_redis() -> None:
            await asyncio.sleep(0.8)
            await asyncio.to_thread(redis_server.restart)

        try:
            await asyncio.gather(
                write(a, "alice", 40), write(b, "bob", 40), write(a, "mona", 20), restart_redis()
            )
            # After the restart, a few more while the brokers resubscribe.
            await asyncio.gather(write(b, "alice", 10), write(a, "bob", 10))
            for client, (name, _server) in zip(clients, watchers, strict=True):
                truth = await logged_events(a.url, scene.slug, scene.tokens[name], start)
                assert sum(e["kind"] == "post.created" for e in truth) == 120
                await receive_through(client, truth[-1]["seq"], timeout=30)
                assert received(client) == expected(truth), name
        finally:
            await close_all(*clients)


class TestReconnectToTheOtherInstance:
    async def test_resuming_with_after_on_b_gives_exactly_what_was_missed(
        self, factory: Factory, instances: list[ProcessServer]
    ):
        a, b = instances
        scene = await build_scene(factory, a.url)
        token = scene.tokens["bob"]
        start = (await logged_events(a.url, scene.slug, token, 0))[-1]["seq"]
        first = await open_client(a.ws_url, scene.slug, token, after=start)
        for n in range(3):
            await post(a.url, scene.tokens["alice"], scene.thread_id, f"seen {n}")
        seen = await logged_events(a.url, scene.slug, token, start)
        await receive_through(first, seen[-1]["seq"])
        assert received(first) == expected(seen)
        resume_from = received(first)[-1][0]
        await first.ws.close()

        for n in range(4):
            server = a if n % 2 else b
            await post(server.url, scene.tokens["alice"], scene.thread_id, f"missed {n}")
        missed = await logged_events(a.url, scene.slug, token, resume_from)
        again = await open_client(b.ws_url, scene.slug, token, after=resume_from)
        try:
            await receive_through(again, missed[-1]["seq"])
            assert received(again) == expected(missed)
            assert bodies(again) == [f"missed {n}" for n in range(4)]
            # And it is live on B from there: one more through A arrives once, after the rest.
            await post(a.url, scene.tokens["alice"], scene.thread_id, "live after resume")
            after_resume = await logged_events(b.url, scene.slug, token, resume_from)
            await receive_through(again, after_resume[-1]["seq"])
            assert received(again) == expected(after_resume)
            assert bodies(again)[-1] == "live after resume"
        finally:
            await again.ws.close()


class TestReportJobAcrossInstances:
    async def test_a_job_started_on_a_is_followed_and_fetched_on_b(
        self, factory: Factory, instances: list[ProcessServer]
    ):
        a, b = instances
        scene = await build_scene(factory, a.url)
        base = f"/api/v1/dialogues/{scene.slug}/report"
        headers = bearer(scene.tokens["olga"])
        async with (
            # Rendering, which the synchronous download waits for, is slow on a busy machine.
            httpx.AsyncClient(base_url=a.url, headers=headers, timeout=60) as on_a,
            httpx.AsyncClient(base_url=b.url, headers=headers, timeout=60) as on_b,
        ):
            started = await on_a.post(f"{base}/jobs", json={"format": "csv"})
            assert started.status_code == 202, started.text
            job_id = started.json()["id"]
            seen = []
            for _ in range(600):
                status = await on_b.get(f"{base}/jobs/{job_id}")
                assert status.status_code == 200, status.text
                seen.append(status.json())
                if seen[-1]["state"] != "running":
                    break
                await asyncio.sleep(0.1)
            assert (seen[-1]["state"], seen[-1]["progress"]) == ("done", 1.0), seen[-1]
            download = await on_b.get(f"{base}/jobs/{job_id}/file")
            assert download.status_code == 200, download.text
            assert download.headers["content-type"].startswith("text/csv")
            header, *rows = download.text.splitlines()
            assert header.lstrip("\ufeff").startswith("post_id") and len(rows) == 1  # one post
            # The same report asked for on B meanwhile joins nothing (A's finished), and
            # the synchronous download on B renders it there.
            again = await on_b.get(f"{base}?format=csv")
            assert again.status_code == 200 and again.text == download.text


class TestRateLimitAcrossInstances:
    async def test_the_sign_in_limit_holds_across_both(
        self, factory: Factory, instances: list[ProcessServer]
    ):
        a, b = instances
        user = await factory.user()
        wrong = {"email": user.email, "password": "wrong password"}
        for n in range(LOGIN_PER_ACCOUNT):  # alternately on A and B
            server = (a, b)[n % 2]
            assert (await sign_in(server, wrong)).status_code == 401, n
        for server in (a, b):  # both refuse now, even the right password
            blocked = await sign_in(server, {"email": user.email, "password": PASSWORD})
            assert_error(blocked, 429, "rate_limited")
            assert int(blocked.headers["retry-after"]) >= 1

    async def test_without_redis_each_instance_counts_on_its_own(
        self, factory: Factory, instances_without_redis: list[ProcessServer]
    ):
        a, b = instances_without_redis
        user = await factory.user()
        wrong = {"email": user.email, "password": "wrong password"}
        for n in range(LOGIN_PER_ACCOUNT):
            assert (await sign_in(a, wrong)).status_code == 401, n
        assert_error(await sign_in(a, wrong), 429, "rate_limited")  # the limit holds on A
        right = {"email": user.email, "password": PASSWORD}
        assert (await sign_in(b, right)).status_code == 200  # B has counted nothing


async def sign_in(server: ProcessServer, credentials: dict[str, str]) -> httpx.Response:
    async with httpx.AsyncClient(base_url=server.url) as http:
        return await http.post("/api/v1/auth/login", json=credentials)
