"""Hostile frames, generated (issue 19, item 1): answered or closed, never a traceback.

Hypothesis draws sequences of frames: random and malformed JSON, huge and negative integers
and wrong types in every field, binary frames, text frames that are not UTF-8, frames over
64 KiB, floods of `typing` and `ping`. Each sequence goes over a real socket to a real
uvicorn server; every answer must be an `error`, `ack`, `pong` or ordinary frame, and a
close must carry a policy code. Meanwhile a member on the same dialogue posts over HTTP
and another member's socket must see each post promptly; at the end the server log holds
no traceback and the server still serves.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection
from websockets.sync.client import connect as connect_sync

from dialogue.adapters.websocket_protocol import WS_1007_INVALID_DATA
from dialogue.config import Settings
from dialogue.live.frames import MAX_FRAME_BYTES
from tests.live.conftest import Client
from tests.servers import ThreadServer

EXAMPLES = int(os.environ.get("DIALOGUE_FUZZ_EXAMPLES", "5")) * 20
RANDOM = os.environ.get("DIALOGUE_FUZZ_RANDOM") == "1"
ANSWERS = {"error", "ack", "pong", "hello", "event", "presence", "typing"}
# 1008: too many bad frames; 1007: a text frame that is not UTF-8; 1009: over the server's
# size limit; 4008: a slow reader (the fuzzer reads everything, but a flood can queue up).
CLOSE_CODES = {1007, 1008, 1009, 4008}
# The usual delay of an event on this shared, busy machine, with room to spare; without the
# hub's bounded queues a flood on one socket delays everyone by seconds.
PROMPT_SECONDS = 3.0
EDGE_INTS = [0, -1, 2**31 - 1, 2**31, -(2**31) - 1, 2**53 + 1, 2**63, -(2**63), 2**64, 10**30]

ints = st.one_of(st.sampled_from(EDGE_INTS), st.integers(min_value=-(2**80), max_value=2**80))
scalars = st.one_of(
    st.none(),
    st.booleans(),
    ints,
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)


def frames_for(thread_id: int) -> st.SearchStrategy[Any]:
    """One frame: JSON or raw text, a binary frame, or a tuple that `wire` expands."""
    ids = st.one_of(ints, st.just(thread_id), json_values)
    fields = st.fixed_dictionaries(
        {"type": st.sampled_from(["post.create", "typing", "ping", "pong", "hello", "event"])},
        optional={
            "client_id": st.one_of(st.uuids().map(str), json_values),
            "thread_id": ids,
            "parent_id": ids,
            "body": st.one_of(st.text(max_size=200), json_values),
            "anonymous": json_values,
        },
    )
    as_json = st.one_of(fields, st.dictionaries(st.text(max_size=8), json_values), json_values)
    return st.one_of(
        as_json.map(lambda v: json.dumps(v, allow_nan=True)),
        st.text(max_size=200),  # mostly not JSON at all
        st.sampled_from(['{"type":', '{"type": "ping"', "[" * 3000, '{"type":"ping","x":1e999}']),
        st.binary(max_size=200),
        st.tuples(st.just("not-utf8"), st.binary(min_size=1, max_size=40)),
        st.tuples(st.just("oversized"), st.sampled_from(["x", "€", "post"])),
    )


def wire(frame: Any, thread_id: int) -> tuple[str | bytes, bool | None]:
    """What goes on the wire, and whether it is declared text (None: as its type says).

    Frames over 64 KiB are made here, not drawn, so that Hypothesis never prints them."""
    if not isinstance(frame, tuple):
        return frame, None
    kind, value = frame
    if kind == "not-utf8":
        return b"\xff\xfe" + value, True
    if value == "post":
        body = "b" * (MAX_FRAME_BYTES + 1)
        post = {"type": "post.create", "client_id": str(uuid.uuid4()), "thread_id": thread_id}
        return json.dumps(post | {"body": body}), None
    return value * (MAX_FRAME_BYTES + 10), None


def floods(thread_id: int) -> st.SearchStrategy[list[str]]:
    typing = json.dumps({"type": "typing", "thread_id": thread_id})
    ping = json.dumps({"type": "ping"})
    return st.sampled_from([typing, ping]).flatmap(
        lambda frame: st.integers(min_value=50, max_value=300).map(lambda n: [frame] * n)
    )


class TracebackLog(logging.Handler):
    """Keeps every error the server logs (uvicorn's "Exception in ASGI application" too)."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        # The fuzzing clients' own library may log the torn stream of a connection the
        # server dropped (after a 1007 close): theirs, not the server's.
        if not record.name.startswith("websockets.client"):
            self.records.append(record)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The honest member posts every 0.3 s, faster than the default limit allows."""
    return settings.model_copy(
        update={"posts_per_minute": 1000, "posts_per_minute_per_address": 1000}
    )


@pytest.fixture
def server_log() -> Iterator[TracebackLog]:
    handler = TracebackLog()
    # uvicorn's loggers do not propagate to the root; the app's own do.
    loggers = [
        logging.getLogger(),
        logging.getLogger("uvicorn"),
        logging.getLogger("uvicorn.error"),
    ]
    for logger in loggers:
        logger.addHandler(handler)
    yield handler
    for logger in loggers:
        logger.removeHandler(handler)


def _not_utf8(frame: Any) -> bool:
    return isinstance(frame, tuple) and frame[0] == "not-utf8"


class Fuzzer:
    """Sends each sequence over a socket of its own and checks every answer it reads."""

    def __init__(self, url: str, token: str, thread_id: int) -> None:
        self.url = url
        self.token = token
        self.thread_id = thread_id
        self.closes: list[int | None] = []
        self.unexpected_closes = 0
        self.answers: dict[str, int] = {}

    def send_all(self, frames: list[Any]) -> None:
        """Send the frames, then a ping, and read until its pong or a close."""
        headers = {"Authorization": f"Bearer {self.token}"}
        # No bound on the client's queue: after the pong it stops reading, and a bounded
        # queue would hide the server's reply to the close (10 s wait per flood).
        with connect_sync(
            self.url, additional_headers=headers, max_size=None, max_queue=None, compression=None
        ) as ws:
            try:
                for frame in frames:
                    data, text = wire(frame, self.thread_id)
                    ws.send(data, text=text)
                ws.send(json.dumps({"type": "ping"}))
                self._read_until_pong(ws)
            except ConnectionClosed as closed:
                code = closed.rcvd.code if closed.rcvd else None
                # Closing for bad UTF-8, uvicorn drops the connection right after its close
                # frame; a client still sending may get the reset (or, in websockets' own
                # reader, an internal error on the torn stream) before reading that frame.
                if code is None and any(_not_utf8(frame) for frame in frames):
                    code = WS_1007_INVALID_DATA
                self.closes.append(code)
                self.unexpected_closes += code not in CLOSE_CODES

    def _read_until_pong(self, ws: ClientConnection) -> None:
        deadline = time.monotonic() + 20
        pongs_due = 1
        while time.monotonic() < deadline:
            raw = ws.recv(timeout=deadline - time.monotonic())
            assert isinstance(raw, str), raw
            frame = json.loads(raw)
            kind = frame["type"]
            assert kind in ANSWERS, frame
            if kind == "error":
                assert isinstance(frame["code"], str) and isinstance(frame["message"], str)
                assert frame["code"] != "server_error", frame
            self.answers[kind] = self.answers.get(kind, 0) + 1
            if kind == "pong":
                pongs_due -= 1
                if pongs_due <= 0:
                    return
        raise AssertionError("no pong within 20 s")


@pytest.mark.postgres_only  # the stricter database: 32-bit integers, no NUL in text
async def test_generated_hostile_frames_harm_nobody(
    live_dialogue: dict[str, Any], server: ThreadServer, open_socket: Any, server_log: TracebackLog
) -> None:
    d, thread, tokens = (
        live_dialogue["dialogue"],
        live_dialogue["thread"],
        live_dialogue["tokens"],
    )
    watcher: Client = await open_socket(d.slug, token=tokens["expert"])
    assert (await watcher.next())["type"] == "hello"
    fuzzer = Fuzzer(f"{server.ws_url}/ws/dialogues/{d.slug}", tokens["participant"], thread.id)
    sequences = st.lists(frames_for(thread.id), min_size=1, max_size=12) | floods(thread.id)

    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=not RANDOM,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(frames=sequences)
    def fuzz(frames: list[Any]) -> None:
        fuzzer.send_all(frames)
        assert not fuzzer.unexpected_closes, fuzzer.closes

    done = threading.Event()
    delays: list[float] = []

    async def honest_posts() -> None:
        """Another member posts over HTTP; the watcher's socket must see each one promptly."""
        headers = {"Authorization": f"Bearer {tokens['other']}"}
        async with httpx.AsyncClient(base_url=server.url) as http:
            n = 0
            while not done.is_set() or n < 3:
                n += 1
                started = time.monotonic()
                response = await http.post(
                    f"/api/v1/threads/{thread.id}/posts",
                    json={"body": f"Honest {n}"},
                    headers=headers,
                )
                assert response.status_code == 201, response.text
                await watcher.until(
                    lambda f, post_id=response.json()["id"]: (
                        f["type"] == "event"
                        and f["kind"] == "post.created"
                        and f["data"].get("id") == post_id
                    ),
                    timeout=PROMPT_SECONDS + 5,
                )
                delays.append(time.monotonic() - started)
                await asyncio.sleep(0.3)

    def run_fuzz() -> None:
        try:
            fuzz()
        finally:
            done.set()

    await asyncio.gather(asyncio.to_thread(run_fuzz), honest_posts())

    print(f"frame fuzz: answers {fuzzer.answers}, closes {fuzzer.closes}, delays {delays}")
    assert not server_log.records, [r.getMessage() for r in server_log.records]
    assert fuzzer.answers.get("error", 0) > 0 and fuzzer.answers.get("pong", 0) > 0
    assert max(delays) < PROMPT_SECONDS, delays
    async with httpx.AsyncClient(base_url=server.url) as http:
        assert (await http.get("/readyz")).status_code == 200
