"""Rate limits counted in Redis, and in this instance's memory while Redis is down.

Across instances the limits are shown by the two-instance tests (tests/live/test_scale_out.py);
here one app shows where it counts, and that a Redis outage does not open the door.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest
import redis

from dialogue.config import Settings
from dialogue.ratelimit import KEY_PREFIX
from tests.factories import Factory
from tests.helpers import assert_error
from tests.live.scale import redis_or_skip
from tests.services import RedisServer

LIMIT = 3


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    server = redis_or_skip()
    yield server
    server.stop()


async def failures_until_refused(client: httpx.AsyncClient, email: str) -> httpx.Response:
    wrong = {"email": email, "password": "wrong password"}
    for n in range(LIMIT):
        response = await client.post("/api/v1/auth/login", json=wrong)
        assert response.status_code == 401, (n, response.text)
    return await client.post("/api/v1/auth/login", json=wrong)


class TestInMemory:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"posts_per_minute": LIMIT})

    async def test_posting_faster_than_the_limit_is_refused(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory
    ) -> None:
        dialogue = await factory.dialogue(moderation="post")
        theme = await factory.theme(dialogue)
        headers = await factory.auth(await factory.member(dialogue, "participant"))
        url = f"/api/v1/themes/{theme.id}/threads"
        for n in range(LIMIT):
            made = await client.post(url, json={"title": f"T{n}", "body": "b"}, headers=headers)
            assert made.status_code == 201, made.text
        refused = await client.post(url, json={"title": "one more", "body": "b"}, headers=headers)
        assert_error(refused, 429, "rate_limited")
        assert 1 <= int(refused.headers["retry-after"]) <= 60


class TestRedisStorage:
    @pytest.fixture
    def settings(self, settings: Settings, redis_server: RedisServer) -> Settings:
        return settings.model_copy(
            update={"redis_url": redis_server.url, "login_per_account": LIMIT}
        )

    async def test_hits_are_counted_in_redis(
        self, db_kind: str, client: httpx.AsyncClient, factory: Factory, redis_server: RedisServer
    ) -> None:
        user = await factory.user()
        assert_error(await failures_until_refused(client, user.email), 429, "rate_limited")
        with redis.Redis.from_url(redis_server.url) as direct:
            assert direct.keys(f"{KEY_PREFIX}*")  # where another instance reads them too

    async def test_while_redis_is_down_this_instance_counts_alone(
        self,
        db_kind: str,
        client: httpx.AsyncClient,
        factory: Factory,
        redis_server: RedisServer,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        user = await factory.user()
        redis_server.stop()
        with caplog.at_level(logging.WARNING, logger="dialogue.ratelimit"):
            refused = await failures_until_refused(client, user.email)
        assert_error(refused, 429, "rate_limited")  # the limit still holds: not failed open
        assert int(refused.headers["retry-after"]) >= 1
        outages = [r for r in caplog.records if "Redis unreachable" in r.getMessage()]
        assert len(outages) == 1  # said once, not once a request
