"""The posting limit over a websocket: an `error` frame `rate_limited`, the socket stays."""

from __future__ import annotations

import pytest

from dialogue.config import Settings
from tests.live.conftest import Client
from tests.live.test_socket_basics import post_frame

pytestmark = pytest.mark.sqlite_only  # the limiter is the same whatever the database

LIMIT = 2


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"posts_per_minute": LIMIT})


class TestPostingTooFast:
    async def test_past_the_limit_an_error_frame_and_the_socket_stays(
        self, live_dialogue, open_socket
    ) -> None:
        d, thread = live_dialogue["dialogue"], live_dialogue["thread"]
        member: Client = await open_socket(d.slug, token=live_dialogue["tokens"]["participant"])
        await member.next()  # hello
        for n in range(LIMIT):
            await member.send(post_frame(thread.id, f"post {n}", f"c-{n}"))
            ack = await member.until(lambda f: f["type"] in ("ack", "error"))
            assert ack["type"] == "ack", ack
        await member.send(post_frame(thread.id, "one too many", "c-late"))
        refused = await member.until(lambda f: f["type"] in ("ack", "error"))
        assert refused["type"] == "error", refused
        assert (refused["code"], refused["client_id"]) == ("rate_limited", "c-late")
        await member.send({"type": "ping"})
        assert (await member.until(lambda f: f["type"] == "pong"))["type"] == "pong"
